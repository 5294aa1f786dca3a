// The INT8 epilogue on NEON (kernel_types_s8.h), bit for bit with the reference and the x86
// kernels: float(acc) * m[c] in single precision (files using it compile with
// -ffp-contract=off), clamped to [lo, hi] with NaN going to lo (a compare and select: FMAX would
// keep the NaN), rounded to nearest even by FCVTNS, plus the zero point; the clamped value is
// within [-128, 127] after the zero point, so the saturating narrows below never saturate.
#ifndef SCALERT_KERNELS_ARM_NEON_REQUANT_S8_NEON_H_
#define SCALERT_KERNELS_ARM_NEON_REQUANT_S8_NEON_H_

#include <arm_neon.h>

#include <cstring>

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {
namespace {

struct RequantS8Neon {
  float32x4_t lo, hi;
  int32x4_t zero_point;
  explicit RequantS8Neon(const RequantS8& o)
      : lo(vdupq_n_f32(o.lo)), hi(vdupq_n_f32(o.hi)), zero_point(vdupq_n_s32(o.zero_point)) {}

  // acc holds the bias already.
  int32x4_t operator()(int32x4_t acc, float32x4_t scale) const {
    return RoundClamp(vmulq_f32(vcvtq_f32_s32(acc), scale));
  }
  // RoundClampS8 of four values: v clamped (NaN -> lo), rounded, plus the zero point.
  int32x4_t RoundClamp(float32x4_t v) const {
    v = vbslq_f32(vcgtq_f32(v, lo), v, lo);
    v = vminq_f32(v, hi);
    return vaddq_s32(vcvtnq_s32_f32(v), zero_point);
  }
};

// Four requantized int32 vectors (each within [-128, 127]) as 16 bytes, in order.
inline int8x16_t NarrowS8(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
  const int16x8_t lo = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
  const int16x8_t hi = vcombine_s16(vqmovn_s32(c), vqmovn_s32(d));
  return vcombine_s8(vqmovn_s16(lo), vqmovn_s16(hi));
}

// Stores the first `cols` (1-16) bytes of y, nothing past them.
inline void StoreS8(int8_t* c, int8x16_t y, int32_t cols) {
  if (cols >= 16) {
    vst1q_s8(c, y);
    return;
  }
  int8_t t[16];
  vst1q_s8(t, y);
  std::memcpy(c, t, static_cast<size_t>(cols));
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEON_REQUANT_S8_NEON_H_
