// int8 -> f32 at the graph's boundaries on NEON, 16 values per block: x - zero_point is exact in
// int32 and in float, so the one product rounds exactly as dequantize_s8_portable's does
// (compiled without FMA contraction all the same).
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/neon/kernels_s8.h"

namespace scalert::kernels {
namespace {

inline void Dequantize16(const int8_t* x, int32x4_t zp, float32x4_t s, float* y) {
  const int8x16_t v = vld1q_s8(x);
  const int16x8_t lo = vmovl_s8(vget_low_s8(v)), hi = vmovl_s8(vget_high_s8(v));
  const int32x4_t q[4] = {vmovl_s16(vget_low_s16(lo)), vmovl_s16(vget_high_s16(lo)), vmovl_s16(vget_low_s16(hi)),
                          vmovl_s16(vget_high_s16(hi))};
  for (int j = 0; j < 4; ++j) vst1q_f32(y + 4 * j, vmulq_f32(vcvtq_f32_s32(vsubq_s32(q[j], zp)), s));
}

}  // namespace

void dequantize_s8_neon(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y) {
  const int32x4_t zp = vdupq_n_s32(zero_point);
  const float32x4_t s = vdupq_n_f32(scale);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) Dequantize16(x + i, zp, s, y + i);
  if (i < n) {
    // The tail through zero-padded copies: no read or write past the arrays.
    const size_t left = static_cast<size_t>(n - i);
    int8_t tx[16] = {};
    float ty[16];
    std::memcpy(tx, x + i, left);
    Dequantize16(tx, zp, s, ty);
    std::memcpy(y + i, ty, sizeof(float) * left);
  }
}

}  // namespace scalert::kernels
