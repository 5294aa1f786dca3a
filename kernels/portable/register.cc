// Registers the portable kernels: the level every lookup falls back to.
#include "kernels/packing_s8.h"
#include "kernels/portable/kernels_f32.h"
#include "kernels/portable/kernels_s8.h"
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
  constexpr KernelDType s8 = KernelDType::kS8;
  r->Add<KernelOp::kGemm, s8>(isa, "gemm_s8_1x16_portable", {1, kPortableGemmS8Panel, 0, kPortableGemmS8Panel},
                              gemm_s8_portable, PackGemmS8Rows);
  r->Add<KernelOp::kDwConv, s8>(isa, "dwconv_s8_c16_portable", {1, 1, kPortableDwS8ChannelTile}, dwconv_s8_portable,
                                PackDwConvS8);
  r->Add<KernelOp::kActivation, s8>(isa, "lookup_s8_portable", {}, lookup_s8_portable);
  r->Add<KernelOp::kAdd, s8>(isa, "add_s8_portable", {}, add_s8_portable);
  r->Add<KernelOp::kQuantize, s8>(isa, "quantize_f32_s8_portable", {}, quantize_s8_portable);
  r->Add<KernelOp::kDequantize, s8>(isa, "dequantize_s8_f32_portable", {}, dequantize_s8_portable);
  r->Add<KernelOp::kMulChannel, s8>(isa, "mul_channel_s8_portable", {}, mul_channel_s8_portable);
  r->Add<KernelOp::kGlobalAvgPool, s8>(isa, "global_avg_pool_s8_portable", {}, global_avg_pool_s8_portable);
}

}  // namespace scalert::kernels
