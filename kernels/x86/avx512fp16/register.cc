// Registers the AVX512-FP16 kernels (FP16 arithmetic, FP16 sums over blocks of at most 16
// products added into FP32: "f16x16acc"); every op without one here falls back to the
// avx512bf16 level and below.
#include "kernels/packing_half.h"
#include "kernels/registry.h"
#include "kernels/x86/half_kernels.h"

namespace scalert::kernels {

void RegisterAvx512Fp16Kernels(KernelRegistry* r) {
  constexpr Isa isa = Isa::kAvx512Fp16;
  r->Add<KernelOp::kGemm, KernelDType::kF16>(isa, "gemm_f16_f16x16acc_8x32_avx512fp16", {8, 32, 0, 16},
                                             gemm_f16_avx512fp16, PackGemmWeightsF16);
  r->Add<KernelOp::kDwConv, KernelDType::kF16>(isa, "dwconv_f16_f16x16acc_c32_avx512fp16", {1, 1, 32},
                                               dwconv_f16_avx512fp16, PackDwConvWeightsF16);
}

}  // namespace scalert::kernels
