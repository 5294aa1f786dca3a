// Registers the AVX2 + FMA kernels with their tiles and packings.
#include "kernels/registry.h"
#include "kernels/packing_s8.h"
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/avx2/kernels_s8.h"

namespace scalert::kernels {

void RegisterAvx2Kernels(KernelRegistry* r) {
  constexpr KernelDType f32 = KernelDType::kF32;
  constexpr Isa isa = Isa::kAvx2;
  r->Add<KernelOp::kGemm, f32>(isa, "gemm_f32_6x16_avx2", {6, 16, 0, 8}, gemm_f32_avx2, PackGemmWeights);
  r->Add<KernelOp::kGemmOffsets, f32>(isa, "gemm_offsets_f32_6x16_avx2", {6, 16, 0, 8}, gemm_offsets_f32_avx2,
                                      PackGemmWeights);
  r->Add<KernelOp::kDwConv, f32>(isa, "dwconv_f32_c8_avx2", {1, 1, 8}, dwconv_f32_avx2, PackDwConvWeights);
  r->Add<KernelOp::kActivation, f32>(isa, "activation_f32_avx2", {1, 1, 8}, activation_f32_avx2);
  r->Add<KernelOp::kAdd, f32>(isa, "add_f32_avx2", {1, 1, 8}, add_f32_avx2);
  r->Add<KernelOp::kMul, f32>(isa, "mul_f32_avx2", {1, 1, 8}, mul_f32_avx2);
  r->Add<KernelOp::kMulChannel, f32>(isa, "mul_channel_f32_avx2", {1, 1, 8}, mul_channel_f32_avx2);
  r->Add<KernelOp::kGlobalAvgPool, f32>(isa, "global_avg_pool_f32_avx2", {1, 1, 8}, global_avg_pool_f32_avx2);
  constexpr KernelDType s8 = KernelDType::kS8;
  r->Add<KernelOp::kGemm, s8>(isa, "gemm_s8_4x16_avx2", {kAvx2GemmS8Rows, kAvx2GemmS8Panel, 0, kAvx2GemmS8Panel},
                              gemm_s8_avx2, PackGemmS8Pairs);
  r->Add<KernelOp::kDequantize, s8>(isa, "dequantize_s8_f32_avx2", {1, 1, 8}, dequantize_s8_avx2);
  r->Add<KernelOp::kDwConv, s8>(isa, "dwconv_s8_c8_avx2", {1, 1, 8}, dwconv_s8_avx2, PackDwConvS8);
}

}  // namespace scalert::kernels
