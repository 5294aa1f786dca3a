// Registers the NEON FP32 kernels and the NEON INT8 depthwise and elementwise kernels with their
// tiles and packings (every AArch64 CPU: Advanced SIMD is mandatory).
#include "kernels/arm/neon/kernels_f32.h"
#include "kernels/arm/neon/kernels_s8.h"
#include "kernels/packing_s8.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterNeonKernels(KernelRegistry* r) {
  constexpr KernelDType f32 = KernelDType::kF32;
  constexpr Isa isa = Isa::kNeon;
  r->Add<KernelOp::kGemm, f32>(isa, "gemm_f32_6x16_neon", {6, 16, 0, 8}, gemm_f32_neon, PackGemmWeights);
  r->Add<KernelOp::kDwConv, f32>(isa, "dwconv_f32_c8_neon", {1, 1, 8}, dwconv_f32_neon, PackDwConvWeights);
  r->Add<KernelOp::kActivation, f32>(isa, "activation_f32_neon", {1, 1, 4}, activation_f32_neon);
  r->Add<KernelOp::kAdd, f32>(isa, "add_f32_neon", {1, 1, 4}, add_f32_neon);
  r->Add<KernelOp::kMul, f32>(isa, "mul_f32_neon", {1, 1, 4}, mul_f32_neon);
  r->Add<KernelOp::kMulChannel, f32>(isa, "mul_channel_f32_neon", {1, 1, 4}, mul_channel_f32_neon);
  r->Add<KernelOp::kGlobalAvgPool, f32>(isa, "global_avg_pool_f32_neon", {1, 1, 4}, global_avg_pool_f32_neon);
  // INT8 (the GEMMs live at the neondot and neoni8mm levels; below those the portable one runs).
  constexpr KernelDType s8 = KernelDType::kS8;
  r->Add<KernelOp::kDwConv, s8>(isa, "dwconv_s8_c16_neon", {1, 1, kNeonDwS8ChannelTile}, dwconv_s8_neon,
                                PackDwConvS8Halves);
  r->Add<KernelOp::kActivation, s8>(isa, "lookup_s8_neon", {1, 1, 16}, lookup_s8_neon);
  r->Add<KernelOp::kAdd, s8>(isa, "add_s8_neon", {1, 1, 16}, add_s8_neon);
  r->Add<KernelOp::kQuantize, s8>(isa, "quantize_f32_s8_neon", {1, 1, 16}, quantize_s8_neon);
  r->Add<KernelOp::kDequantize, s8>(isa, "dequantize_s8_f32_neon", {1, 1, 16}, dequantize_s8_neon);
  r->Add<KernelOp::kGlobalAvgPool, s8>(isa, "global_avg_pool_s8_neon", {1, 1, 64}, global_avg_pool_s8_neon);
  r->Add<KernelOp::kMulChannel, s8>(isa, "mul_channel_s8_neon", {1, 1, 16}, mul_channel_s8_neon);
}

}  // namespace scalert::kernels
