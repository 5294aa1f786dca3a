// Portable INT8 kernels: plain C++ (vectorised by the compiler where it can), bit for bit with
// kernels/reference/quantized.h; the fallback at every level and the only INT8 path without SIMD.
#ifndef SCALERT_KERNELS_PORTABLE_KERNELS_S8_H_
#define SCALERT_KERNELS_PORTABLE_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Tiles the portable INT8 kernels are registered with.
inline constexpr int32_t kPortableGemmS8Panel = 16;
inline constexpr int32_t kPortableDwS8ChannelTile = 16;

void gemm_s8_portable(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void dwconv_s8_portable(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);
void add_s8_portable(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p);
void mul_channel_s8_portable(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                             const BinaryS8Params& p);
void global_avg_pool_s8_portable(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                                 RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end);
void lookup_s8_portable(int64_t n, const int8_t* x, const int8_t* table, int8_t* y);
// The boundaries, as ref::Quantize / ref::Dequantize: q = clamp(nearbyint(x / scale) + zp) (NaN
// -> -128), x = scale * float(q - zp).
void quantize_s8_portable(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y);
void dequantize_s8_portable(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_PORTABLE_KERNELS_S8_H_
