// Registers the AMX kernels (tile matrix multiplies); every op without one here falls back to the
// avx512fp16 level and below.
#include "kernels/packing_half.h"
#include "kernels/packing_s8.h"
#include "kernels/registry.h"
#include "kernels/x86/amx/kernels_s8.h"
#include "kernels/x86/half_kernels.h"

namespace scalert::kernels {

void RegisterAmxKernels(KernelRegistry* r) {
  // BF16 GEMM: 32 x 32 blocks of four 16 x 16 FP32 tiles; panels of 32 columns, then 16.
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(Isa::kAmx, "gemm_bf16_f32acc_32x32_amx", {32, 32, 0, 16}, gemm_bf16_amx,
                                              PackGemmWeightsBf16Tiles);
  // INT8 GEMM: 32 x 32 steps of four 16 x 16 int32 tiles (k < 24 or k % 4 != 0: the VNNI kernel).
  r->Add<KernelOp::kGemm, KernelDType::kS8>(Isa::kAmx, "gemm_s8_32x32_amx",
                                            {kAmxGemmS8Rows, kAmxGemmS8Panel, 0, kAmxGemmS8Panel}, gemm_s8_amx,
                                            PackGemmS8AmxQuads);
}

}  // namespace scalert::kernels
