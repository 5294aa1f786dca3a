// NEON elementwise kernels: activations, residual add, SE scale, global average pool. Tails use
// partial loads and stores so no kernel reads or writes past its tensors.
#include "kernels/arm/neon/kernels_f32.h"
#include "kernels/arm/neon/vector_math_neon.h"

namespace scalert::kernels {
namespace {

using neon::Activate;
using neon::LoadPartial;
using neon::StorePartial;

template <typename Op>
inline void BinaryLoop(int64_t n, const float* a, const float* b, float* y, Activation act, Op op) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t r0 = op(vld1q_f32(a + i), vld1q_f32(b + i));
    const float32x4_t r1 = op(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    vst1q_f32(y + i, Activate(r0, act));
    vst1q_f32(y + i + 4, Activate(r1, act));
  }
  for (; i < n; i += 4) {
    const int lanes = n - i < 4 ? static_cast<int>(n - i) : 4;
    StorePartial(y + i, Activate(op(LoadPartial(a + i, lanes), LoadPartial(b + i, lanes)), act), lanes);
  }
}

}  // namespace

void activation_f32_neon(int64_t n, const float* x, float* y, Activation act) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t r0 = Activate(vld1q_f32(x + i), act), r1 = Activate(vld1q_f32(x + i + 4), act);
    vst1q_f32(y + i, r0);
    vst1q_f32(y + i + 4, r1);
  }
  for (; i < n; i += 4) {
    const int lanes = n - i < 4 ? static_cast<int>(n - i) : 4;
    StorePartial(y + i, Activate(LoadPartial(x + i, lanes), act), lanes);
  }
}

void add_f32_neon(int64_t n, const float* a, const float* b, float* y, Activation act) {
  BinaryLoop(n, a, b, y, act, [](float32x4_t u, float32x4_t v) { return vaddq_f32(u, v); });
}

void mul_f32_neon(int64_t n, const float* a, const float* b, float* y, Activation act) {
  BinaryLoop(n, a, b, y, act, [](float32x4_t u, float32x4_t v) { return vmulq_f32(u, v); });
}

void mul_channel_f32_neon(int64_t pixels, int32_t channels, const float* x, const float* s, float* y,
                          Activation act) {
  for (int64_t p = 0; p < pixels; ++p, x += channels, y += channels) {
    int32_t c = 0;
    for (; c + 4 <= channels; c += 4) vst1q_f32(y + c, Activate(vmulq_f32(vld1q_f32(x + c), vld1q_f32(s + c)), act));
    if (c < channels) {
      const int lanes = channels - c;
      StorePartial(y + c, Activate(vmulq_f32(LoadPartial(x + c, lanes), LoadPartial(s + c, lanes)), act), lanes);
    }
  }
}

void global_avg_pool_f32_neon(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin,
                              int32_t c_end) {
  const float32x4_t scale = vdupq_n_f32(1.f / static_cast<float>(pixels));
  int32_t c = c_begin;
  // 16 channels per pass: four independent sums hide the add latency.
  for (; c + 16 <= c_end; c += 16) {
    float32x4_t s0 = vdupq_n_f32(0.f), s1 = s0, s2 = s0, s3 = s0;
    const float* p = x + c;
    for (int64_t i = 0; i < pixels; ++i, p += channels) {
      s0 = vaddq_f32(s0, vld1q_f32(p));
      s1 = vaddq_f32(s1, vld1q_f32(p + 4));
      s2 = vaddq_f32(s2, vld1q_f32(p + 8));
      s3 = vaddq_f32(s3, vld1q_f32(p + 12));
    }
    vst1q_f32(y + c, vmulq_f32(s0, scale));
    vst1q_f32(y + c + 4, vmulq_f32(s1, scale));
    vst1q_f32(y + c + 8, vmulq_f32(s2, scale));
    vst1q_f32(y + c + 12, vmulq_f32(s3, scale));
  }
  for (; c < c_end; c += 4) {
    const int lanes = c_end - c < 4 ? c_end - c : 4;
    float32x4_t s = vdupq_n_f32(0.f);
    const float* p = x + c;
    for (int64_t i = 0; i < pixels; ++i, p += channels) s = vaddq_f32(s, LoadPartial(p, lanes));
    StorePartial(y + c, vmulq_f32(s, scale), lanes);
  }
}

}  // namespace scalert::kernels
