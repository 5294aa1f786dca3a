// AArch64 Advanced SIMD (NEON) INT8 kernels, every AArch64 CPU. Call only when
// CpuSupports(Isa::kNeon).
#ifndef SCALERT_KERNELS_ARM_NEON_KERNELS_S8_H_
#define SCALERT_KERNELS_ARM_NEON_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

inline constexpr int32_t kNeonDwS8ChannelTile = 16;

// Depthwise over PackDwConvS8Halves with channel_tile 16.
void dwconv_s8_neon(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);

// Elementwise (elementwise_s8.cc), bit for bit with kernels/portable/elementwise_s8.cc.
void add_s8_neon(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p);
void mul_channel_s8_neon(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                         const BinaryS8Params& p);
void global_avg_pool_s8_neon(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                             RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end);
void lookup_s8_neon(int64_t n, const int8_t* x, const int8_t* table, int8_t* y);
void quantize_s8_neon(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y);
// int8 -> f32 (dequantize_s8.cc).
void dequantize_s8_neon(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEON_KERNELS_S8_H_
