// Registers the x86 FP16 / BF16 kernels of every level (compiled without ISA flags, like the
// other register.cc files: registration runs on every CPU).
#include "kernels/packing_half.h"
#include "kernels/registry.h"
#include "kernels/x86/half_kernels.h"

namespace scalert::kernels {

void RegisterAvx2HalfKernels(KernelRegistry* r) {
  constexpr Isa isa = Isa::kAvx2;
  const TileShape gemm{6, 16, 0, 8}, dw{1, 1, 8};
  r->Add<KernelOp::kGemm, KernelDType::kF16>(isa, "gemm_f16s_f32acc_6x16_avx2", gemm, gemm_f16s_avx2, PackGemmWeights);
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(isa, "gemm_bf16s_f32acc_6x16_avx2", gemm, gemm_bf16s_avx2, PackGemmWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kF16>(isa, "dwconv_f16s_f32acc_c8_avx2", dw, dwconv_f16s_avx2, PackDwConvWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kBF16>(isa, "dwconv_bf16s_f32acc_c8_avx2", dw, dwconv_bf16s_avx2, PackDwConvWeights);
}

void RegisterAvx512HalfKernels(KernelRegistry* r) {
  constexpr Isa isa = Isa::kAvx512;
  const TileShape gemm{12, 32, 0, 16}, dw{1, 1, 16};
  r->Add<KernelOp::kGemm, KernelDType::kF16>(isa, "gemm_f16s_f32acc_12x32_avx512", gemm, gemm_f16s_avx512, PackGemmWeights);
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(isa, "gemm_bf16s_f32acc_12x32_avx512", gemm, gemm_bf16s_avx512, PackGemmWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kF16>(isa, "dwconv_f16s_f32acc_c16_avx512", dw, dwconv_f16s_avx512, PackDwConvWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kBF16>(isa, "dwconv_bf16s_f32acc_c32pairs_avx512", {1, 1, 32},
                                                dwconv_bf16_pairs_avx512, PackDwConvWeightsBf16Pairs);
}

void RegisterAvx512Bf16Kernels(KernelRegistry* r) {
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(Isa::kAvx512Bf16, "gemm_bf16_f32acc_12x32_avx512bf16", {12, 32, 0, 16},
                                              gemm_bf16_avx512bf16, PackGemmWeightsBf16Pairs);
  r->Add<KernelOp::kDwConv, KernelDType::kBF16>(Isa::kAvx512Bf16, "dwconv_bf16s_f32acc_c32pairs_avx512bf16", {1, 1, 32},
                                                dwconv_bf16_pairs_avx512bf16, PackDwConvWeightsBf16Pairs);
}

}  // namespace scalert::kernels
