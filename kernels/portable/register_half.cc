// Registers the portable FP16 / BF16 storage kernels (the fallback for every level).
#include "kernels/portable/half_kernels.h"
#include "kernels/portable/kernels_f32.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterPortableHalfKernels(KernelRegistry* r) {
  constexpr Isa isa = Isa::kPortable;
  const TileShape gemm{4, kPortableGemmPanel, 0, kPortableGemmPanel / 2}, dw{1, 1, kPortableDwChannelTile};
  r->Add<KernelOp::kGemm, KernelDType::kF16>(isa, "gemm_f16s_f32acc_4x16_portable", gemm, gemm_f16s_portable, PackGemmWeights);
  r->Add<KernelOp::kGemm, KernelDType::kBF16>(isa, "gemm_bf16s_f32acc_4x16_portable", gemm, gemm_bf16s_portable, PackGemmWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kF16>(isa, "dwconv_f16s_f32acc_c8_portable", dw, dwconv_f16s_portable, PackDwConvWeights);
  r->Add<KernelOp::kDwConv, KernelDType::kBF16>(isa, "dwconv_bf16s_f32acc_c8_portable", dw, dwconv_bf16s_portable, PackDwConvWeights);
}

}  // namespace scalert::kernels
