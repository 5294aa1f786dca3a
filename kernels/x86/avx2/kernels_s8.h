// AVX2 INT8 kernels (exact: int8 sign-extended to int16, vpmaddwd into int32, so no int16
// saturation can occur). Call only when CpuSupports(Isa::kAvx2).
#ifndef SCALERT_KERNELS_X86_AVX2_KERNELS_S8_H_
#define SCALERT_KERNELS_X86_AVX2_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Panel width of gemm_s8_avx2 (two ymm of int32 accumulators per row) and its row tile.
inline constexpr int32_t kAvx2GemmS8Panel = 16;
inline constexpr int32_t kAvx2GemmS8Rows = 4;

// B packed by PackGemmS8Pairs with nr = kAvx2GemmS8Panel.
void gemm_s8_avx2(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
// 8 channels per vector (channel_tile 8).
void dwconv_s8_avx2(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);
// int8 -> f32 (dequantize_s8.cc), bit for bit with dequantize_s8_portable.
void dequantize_s8_avx2(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX2_KERNELS_S8_H_
