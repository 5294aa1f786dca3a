// x86 kernels for 16-bit float activations (kernel_types_half.h), both levels. Names say what
// runs: <op>_<format>s_f32acc_<isa> = 16-bit storage, FP32 arithmetic; gemm_bf16_12x32_avx512bf16 =
// BF16 products (vdpbf16ps) with FP32 accumulation; <op>_f16_f16x16acc_..._avx512fp16 = FP16
// products summed in FP16 over blocks of at most 16, then in FP32. Call only where
// CpuSupports(level).
#ifndef SCALERT_KERNELS_X86_HALF_KERNELS_H_
#define SCALERT_KERNELS_X86_HALF_KERNELS_H_

#include <cstdint>

#include "kernels/kernel_types_half.h"

namespace scalert::kernels {

#define SCALERT_DECLARE_HALF_KERNELS(isa)                                                                      \
  void gemm_f16s_##isa(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);  \
  void gemm_bf16s_##isa(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end); \
  void dwconv_f16s_##isa(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);                          \
  void f16_to_f32_##isa(int64_t n, const uint16_t* x, float* y);                                               \
  void f32_to_f16_##isa(int64_t n, const float* x, uint16_t* y);                                               \
  void bf16_to_f32_##isa(int64_t n, const uint16_t* x, float* y);                                              \
  void f32_to_bf16_##isa(int64_t n, const float* x, uint16_t* y);                                              \
  void mul_channel_f16s_##isa(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,   \
                              Activation act);                                                                 \
  void mul_channel_bf16s_##isa(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,  \
                               Activation act);                                                                \
  void global_avg_pool_f16s_##isa(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y,              \
                                  int32_t c_begin, int32_t c_end);                                             \
  void global_avg_pool_bf16s_##isa(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y,             \
                                   int32_t c_begin, int32_t c_end);                                             \
  void add_f16s_##isa(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act);           \
  void add_bf16s_##isa(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act);
SCALERT_DECLARE_HALF_KERNELS(avx2)
SCALERT_DECLARE_HALF_KERNELS(avx512)
#undef SCALERT_DECLARE_HALF_KERNELS

// BF16 depthwise: at AVX2 with 8-channel tiles (dwconv_half_rows.h), at AVX-512 over channel pairs
// (PackDwConvWeightsBf16Pairs, 32-channel tiles).
void dwconv_bf16s_avx2(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);
void dwconv_bf16_pairs_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);
// The same with the avx512bf16 level's epilogue (BF16-grade swish, hardware rounding).
void dwconv_bf16_pairs_avx512bf16(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);
// The BF16 squeeze-and-excitation multiply with hardware rounding (avx512bf16/half_arrays.cc).
void mul_channel_bf16_avx512bf16(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                                 Activation act);
void gemm_bf16_avx512bf16(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
// BF16 products by AMX tiles (TDPBF16PS) over PackGemmWeightsBf16Tiles (amx/gemm_bf16.cc).
void gemm_bf16_amx(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);

// FP16 arithmetic at the avx512fp16 level (vfmadd*ph, 32 lanes): FP16 sums over blocks of at
// most 16 products, each block's sum added to FP32 accumulators (avx512fp16/gemm_f16.cc,
// dwconv_f16.cc). GEMM over PackGemmWeightsF16 with tile {8, 32, 0, 16}; depthwise over
// PackDwConvWeightsF16 with channel_tile 32.
void gemm_f16_avx512fp16(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void dwconv_f16_avx512fp16(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_HALF_KERNELS_H_
