// Registers the NEON FP32 kernels (every AArch64 CPU: Advanced SIMD is mandatory).
#include "kernels/arm/neon/kernels_f32.h"
#include "kernels/registry.h"

namespace scalert::kernels {

void RegisterNeonKernels(KernelRegistry* r) {
  constexpr KernelDType f32 = KernelDType::kF32;
  constexpr Isa isa = Isa::kNeon;
  r->Add<KernelOp::kGemm>(f32, isa, "gemm_f32_neon", gemm_f32_neon);
  r->Add<KernelOp::kDwConv>(f32, isa, "dwconv_f32_neon", dwconv_f32_neon);
  r->Add<KernelOp::kActivation>(f32, isa, "activation_f32_neon", activation_f32_neon);
  r->Add<KernelOp::kAdd>(f32, isa, "add_f32_neon", add_f32_neon);
  r->Add<KernelOp::kMul>(f32, isa, "mul_f32_neon", mul_f32_neon);
  r->Add<KernelOp::kMulChannel>(f32, isa, "mul_channel_f32_neon", mul_channel_f32_neon);
  r->Add<KernelOp::kGlobalAvgPool>(f32, isa, "global_avg_pool_f32_neon", global_avg_pool_f32_neon);
}

}  // namespace scalert::kernels
