// Registers the NEON FP16 / BF16 storage kernels (FP32 arithmetic, every AArch64 CPU).
#include "kernels/arm/neon/half_kernels.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterNeonHalfKernels(KernelRegistry* r) {
  constexpr Isa isa = Isa::kNeon;
  const TileShape gemm{6, 16, 0, 8}, dw{1, 1, 8};
  r->Add<KernelOp::kGemm, KernelDType::kF16>(isa, "gemm_f16s_f32acc_6x16_neon", gemm, gemm_f16s_neon, PackGemmWeights);
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(isa, "gemm_bf16s_f32acc_6x16_neon", gemm, gemm_bf16s_neon, PackGemmWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kF16>(isa, "dwconv_f16s_f32acc_c8_neon", dw, dwconv_f16s_neon, PackDwConvWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kBF16>(isa, "dwconv_bf16s_f32acc_c8_neon", dw, dwconv_bf16s_neon, PackDwConvWeights);
}

}  // namespace scalert::kernels
