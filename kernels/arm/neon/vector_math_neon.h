// AArch64 Advanced SIMD vector activations for 4 floats. Include only on AArch64.
#ifndef SCALERT_KERNELS_ARM_NEON_VECTOR_MATH_NEON_H_
#define SCALERT_KERNELS_ARM_NEON_VECTOR_MATH_NEON_H_

#include <arm_neon.h>

#include "kernels/activation.h"

namespace scalert::kernels::neon {
// Anonymous: a translation unit compiled with other flags (FP16, dot product) gets its own copy.
namespace {

// 1 / (1 + exp(-x)): exp(-x) = 2^n exp(r) with n = round(-x log2 e) and |r| <= ln2 / 2, exp(r) by
// a degree-5 minimax polynomial, 2^n from the exponent bits; x clamped to [-87, 87]. (The x86
// kernels use a table of 2^(j/L) and a cubic instead, kernels/x86/vector_math.h: on NEON a
// one-register table lookup of floats has no single instruction.) The reciprocal is FRECPE (8 bits) plus two Newton steps (FRECPS),
// ~23 bits; a divide would cost as much as the rest. `low` receives max(x, -87) for swish.
inline float32x4_t SigmoidClamped(float32x4_t x, float32x4_t* low) {
  const float32x4_t magic = vdupq_n_f32(12583039.f);  // 1.5 * 2^23 + 127
  *low = vmaxq_f32(x, vdupq_n_f32(-87.f));
  const float32x4_t z = vminq_f32(*low, vdupq_n_f32(87.f));
  const float32x4_t nm = vfmsq_f32(magic, z, vdupq_n_f32(1.44269504088896341f));  // magic - z log2e
  const float32x4_t n = vsubq_f32(nm, magic);
  const float32x4_t rn = vfmaq_f32(z, n, vdupq_n_f32(0.693147182f));  // -r = z + n ln2
  float32x4_t p = vdupq_n_f32(-0.008290315f);
  p = vfmaq_f32(vdupq_n_f32(0.04189793f), p, rn);
  p = vfmaq_f32(vdupq_n_f32(-0.16667636f), p, rn);
  p = vfmaq_f32(vdupq_n_f32(0.4999915f), p, rn);
  p = vfmaq_f32(vdupq_n_f32(-0.9999997f), p, rn);
  p = vfmaq_f32(vdupq_n_f32(1.f), p, rn);
  const float32x4_t scale = vreinterpretq_f32_s32(vshlq_n_s32(vreinterpretq_s32_f32(nm), 23));
  const float32x4_t d = vfmaq_f32(vdupq_n_f32(1.f), p, scale);  // 1 + exp(-x)
  float32x4_t r = vrecpeq_f32(d);
  r = vmulq_f32(r, vrecpsq_f32(d, r));
  r = vmulq_f32(r, vrecpsq_f32(d, r));
  return r;
}

inline float32x4_t Sigmoid(float32x4_t x) {
  float32x4_t low;
  return SigmoidClamped(x, &low);
}

inline float32x4_t Swish(float32x4_t x) {
  float32x4_t low;
  const float32x4_t s = SigmoidClamped(x, &low);
  return vmulq_f32(low, s);
}

// Applies `act` (a run-time value: callers hoist the switch by calling this once per tile).
inline float32x4_t Activate(float32x4_t x, Activation act) {
  switch (act) {
    case Activation::kNone: return x;
    case Activation::kRelu: return vmaxq_f32(x, vdupq_n_f32(0.f));
    case Activation::kRelu6: return vminq_f32(vmaxq_f32(x, vdupq_n_f32(0.f)), vdupq_n_f32(6.f));
    case Activation::kSigmoid: return Sigmoid(x);
    case Activation::kHardSigmoid:
      return vminq_f32(vmaxq_f32(vfmaq_f32(vdupq_n_f32(0.5f), x, vdupq_n_f32(1.f / 6)), vdupq_n_f32(0.f)),
                       vdupq_n_f32(1.f));
    case Activation::kSwish: return Swish(x);
    case Activation::kHardSwish: {
      const float32x4_t t = vminq_f32(vmaxq_f32(vaddq_f32(x, vdupq_n_f32(3.f)), vdupq_n_f32(0.f)), vdupq_n_f32(6.f));
      return vmulq_f32(vmulq_f32(x, t), vdupq_n_f32(1.f / 6));
    }
  }
  return x;
}

// Applies `act` to n registers with the switch outside the loop, so register tiles stay in
// registers.
template <int n>
inline void ActivateAll(float32x4_t* v, Activation act) {
  switch (act) {
    case Activation::kNone: return;
    case Activation::kRelu:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = vmaxq_f32(v[i], vdupq_n_f32(0.f));
      return;
    case Activation::kRelu6:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = vminq_f32(vmaxq_f32(v[i], vdupq_n_f32(0.f)), vdupq_n_f32(6.f));
      return;
    default:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = Activate(v[i], act);
      return;
  }
}

// Loads / stores the first `n` (0..4) lanes; the other lanes read as 0 and are not written, so
// channel tails never touch memory past a tensor.
inline float32x4_t LoadPartial(const float* p, int n) {
  float32x4_t v = vdupq_n_f32(0.f);
  switch (n) {
    case 4: return vld1q_f32(p);
    case 3: v = vld1q_lane_f32(p + 2, v, 2); [[fallthrough]];
    case 2: v = vld1q_lane_f32(p + 1, v, 1); [[fallthrough]];
    case 1: v = vld1q_lane_f32(p, v, 0); [[fallthrough]];
    default: return v;
  }
}
inline void StorePartial(float* p, float32x4_t v, int n) {
  switch (n) {
    case 4: vst1q_f32(p, v); return;
    case 3: vst1q_lane_f32(p + 2, v, 2); [[fallthrough]];
    case 2: vst1q_lane_f32(p + 1, v, 1); [[fallthrough]];
    case 1: vst1q_lane_f32(p, v, 0); [[fallthrough]];
    default: return;
  }
}

}  // namespace
}  // namespace scalert::kernels::neon

#endif  // SCALERT_KERNELS_ARM_NEON_VECTOR_MATH_NEON_H_
