// Registers the portable kernels: the level every lookup falls back to.
#include "kernels/portable/kernels_f32.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterPortableKernels(KernelRegistry* r) {
  constexpr KernelDType f32 = KernelDType::kF32;
  constexpr Isa isa = Isa::kPortable;
  r->Add<KernelOp::kGemm, f32>(isa, "gemm_f32_4x16_portable", {4, kPortableGemmPanel, 0, kPortableGemmPanel / 2}, gemm_f32_portable,
                               PackGemmWeights);
  r->Add<KernelOp::kDwConv, f32>(isa, "dwconv_f32_c8_portable", {1, 1, kPortableDwChannelTile}, dwconv_f32_portable,
                                 PackDwConvWeights);
  r->Add<KernelOp::kActivation, f32>(isa, "activation_f32_portable", {}, activation_f32_portable);
  r->Add<KernelOp::kAdd, f32>(isa, "add_f32_portable", {}, add_f32_portable);
  r->Add<KernelOp::kMul, f32>(isa, "mul_f32_portable", {}, mul_f32_portable);
  r->Add<KernelOp::kMulChannel, f32>(isa, "mul_channel_f32_portable", {}, mul_channel_f32_portable);
  r->Add<KernelOp::kGlobalAvgPool, f32>(isa, "global_avg_pool_f32_portable", {}, global_avg_pool_f32_portable);
}

}  // namespace scalert::kernels
