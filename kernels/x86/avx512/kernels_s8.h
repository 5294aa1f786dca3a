// AVX-512 INT8 kernels (F, BW, VL; the GEMM also needs VNNI: kernels/x86/avx512vnni/).
#ifndef SCALERT_KERNELS_X86_AVX512_KERNELS_S8_H_
#define SCALERT_KERNELS_X86_AVX512_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Tiles of 32 channels (channel_tile 32, PackDwConvS8Pairs). Call only when CpuSupports(Isa::kAvx512).
void dwconv_s8_avx512(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);
void add_s8_avx512(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p);
void quantize_s8_avx512(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y);
void mul_channel_s8_avx512(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                           const BinaryS8Params& p);
void global_avg_pool_s8_avx512(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                               RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end);
void lookup_s8_avx512(int64_t n, const int8_t* x, const int8_t* table, int8_t* y);
// int8 -> f32 (dequantize_s8.cc), bit for bit with dequantize_s8_portable.
void dequantize_s8_avx512(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512_KERNELS_S8_H_
