// AVX-512 FP32 kernels (x86-64: F, BW, DQ, VL). Call only when CpuSupports(Isa::kAvx512).
#ifndef SCALERT_KERNELS_X86_AVX512_KERNELS_F32_H_
#define SCALERT_KERNELS_X86_AVX512_KERNELS_F32_H_

#include "kernels/kernel_types.h"

namespace scalert::kernels {

void gemm_f32_avx512(const GemmArgs& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
// A read through GemmArgs::a_offsets (gemm_offsets_f32_tiles.h); weights packed as for gemm_f32_avx512.
void gemm_offsets_f32_avx512(const GemmArgs& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
// FP32 activations times BF16 weights packed by PackGemmWeightsBf16Pairs (gemm_f32_bf16w.cc).
void gemm_f32_bf16w_avx512(const GemmArgs& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void dwconv_f32_avx512(const DwConvArgs& args, int32_t row_begin, int32_t row_end);
void activation_f32_avx512(int64_t n, const float* x, float* y, Activation act);
void add_f32_avx512(int64_t n, const float* a, const float* b, float* y, Activation act);
void mul_f32_avx512(int64_t n, const float* a, const float* b, float* y, Activation act);
void mul_channel_f32_avx512(int64_t pixels, int32_t channels, const float* x, const float* s, float* y,
                          Activation act);
void global_avg_pool_f32_avx512(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin,
                              int32_t c_end);
void interleave3_f32_avx512(int64_t pixels, const float* x, int64_t plane_stride, float* y);
// kernels::ColumnPatchRow of 16-bit values (FP16 or BF16 bits); vectors for 3 channels and 3 rows.
void column_patch_row_16bit_avx512(const ref::ConvGeometry& g, const uint16_t* input, int32_t row, uint16_t* buf);
// The same for 16-bit values (FP16 or BF16 bits; Interleave3HalfFn).
void interleave3_16bit_avx512(int64_t pixels, const uint16_t* x, int64_t plane_stride, uint16_t* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512_KERNELS_F32_H_
