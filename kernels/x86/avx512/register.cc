// Registers the AVX-512 kernels with their tiles and packings.
#include "kernels/registry.h"
#include "kernels/packing_half.h"
#include "kernels/packing_s8.h"
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/avx512/kernels_s8.h"

namespace scalert::kernels {

void RegisterAvx512Kernels(KernelRegistry* r) {
  constexpr KernelDType f32 = KernelDType::kF32;
  constexpr Isa isa = Isa::kAvx512;
  r->Add<KernelOp::kGemm, f32>(isa, "gemm_f32_12x32_avx512", {12, 32, 0, 8}, gemm_f32_avx512, PackGemmWeights);
  r->Add<KernelOp::kGemmOffsets, f32>(isa, "gemm_offsets_f32_12x32_avx512", {12, 32, 0, 8}, gemm_offsets_f32_avx512,
                                      PackGemmWeights);
  r->Add<KernelOp::kGemm, KernelDType::kF32Bf16W>(isa, "gemm_f32_bf16w_1x32_avx512", {1, 32, 0, 16}, gemm_f32_bf16w_avx512,
                                                 PackGemmWeightsBf16Pairs);
  r->Add<KernelOp::kDwConv, f32>(isa, "dwconv_f32_c16_avx512", {1, 1, 16}, dwconv_f32_avx512, PackDwConvWeights);
  r->Add<KernelOp::kActivation, f32>(isa, "activation_f32_avx512", {1, 1, 16}, activation_f32_avx512);
  r->Add<KernelOp::kAdd, f32>(isa, "add_f32_avx512", {1, 1, 16}, add_f32_avx512);
  r->Add<KernelOp::kMul, f32>(isa, "mul_f32_avx512", {1, 1, 16}, mul_f32_avx512);
  r->Add<KernelOp::kMulChannel, f32>(isa, "mul_channel_f32_avx512", {1, 1, 16}, mul_channel_f32_avx512);
  r->Add<KernelOp::kGlobalAvgPool, f32>(isa, "global_avg_pool_f32_avx512", {1, 1, 16}, global_avg_pool_f32_avx512);
  r->Add<KernelOp::kInterleave3, f32>(isa, "interleave3_f32_avx512", {1, 1, 16}, interleave3_f32_avx512);
  r->Add<KernelOp::kInterleave3, KernelDType::kF16>(isa, "interleave3_f16_avx512", {1, 1, 32}, interleave3_16bit_avx512);
  r->Add<KernelOp::kInterleave3, KernelDType::kBF16>(isa, "interleave3_bf16_avx512", {1, 1, 32},
                                                     interleave3_16bit_avx512);
  constexpr KernelDType s8 = KernelDType::kS8;
  r->Add<KernelOp::kDwConv, s8>(isa, "dwconv_s8_c32_avx512", {1, 1, 32}, dwconv_s8_avx512, PackDwConvS8Pairs);
  r->Add<KernelOp::kActivation, s8>(isa, "lookup_s8_avx512", {1, 1, 64}, lookup_s8_avx512);
  r->Add<KernelOp::kAdd, s8>(isa, "add_s8_avx512", {1, 1, 16}, add_s8_avx512);
  r->Add<KernelOp::kQuantize, s8>(isa, "quantize_f32_s8_avx512", {1, 1, 16}, quantize_s8_avx512);
  r->Add<KernelOp::kDequantize, s8>(isa, "dequantize_s8_f32_avx512", {1, 1, 16}, dequantize_s8_avx512);
  r->Add<KernelOp::kGlobalAvgPool, s8>(isa, "global_avg_pool_s8_avx512", {1, 1, 64}, global_avg_pool_s8_avx512);
  r->Add<KernelOp::kMulChannel, s8>(isa, "mul_channel_s8_avx512", {1, 1, 16}, mul_channel_s8_avx512);
}

}  // namespace scalert::kernels
