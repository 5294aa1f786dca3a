// Registers the AMX kernels (tile matrix multiplies); every op without one here falls back to the
// avx512fp16 level and below.
#include "kernels/packing_half.h"
#include "kernels/registry.h"
#include "kernels/x86/half_kernels.h"

namespace scalert::kernels {

void RegisterAmxKernels(KernelRegistry* r) {
  // BF16 GEMM: 32 x 32 blocks of four 16 x 16 FP32 tiles; panels of 32 columns, then 16.
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(Isa::kAmx, "gemm_bf16_f32acc_32x32_amx", {32, 32, 0, 16}, gemm_bf16_amx,
                                              PackGemmWeightsBf16Tiles);
}

}  // namespace scalert::kernels
