// Registers the NEON FP32 kernels and the NEON INT8 depthwise with their tiles and packings (every AArch64 CPU: Advanced SIMD
// is mandatory).
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
  // INT8 (the other INT8 ops run the portable kernels, which compilers vectorise).
  r->Add<KernelOp::kDwConv, KernelDType::kS8>(isa, "dwconv_s8_c16_neon", {1, 1, kNeonDwS8ChannelTile}, dwconv_s8_neon,
                                              PackDwConvS8Halves);
}

}  // namespace scalert::kernels
