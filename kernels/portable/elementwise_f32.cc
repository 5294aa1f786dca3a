// Portable elementwise kernels: activations, residual add, SE scale, global average pool.
#include "kernels/portable/kernels_f32.h"

namespace scalert::kernels {

void activation_f32_portable(int64_t n, const float* x, float* y, Activation act) {
  for (int64_t i = 0; i < n; ++i) y[i] = ApplyActivation(x[i], act);
}

void add_f32_portable(int64_t n, const float* a, const float* b, float* y, Activation act) {
  for (int64_t i = 0; i < n; ++i) y[i] = ApplyActivation(a[i] + b[i], act);
}

void mul_f32_portable(int64_t n, const float* a, const float* b, float* y, Activation act) {
  for (int64_t i = 0; i < n; ++i) y[i] = ApplyActivation(a[i] * b[i], act);
}

void mul_channel_f32_portable(int64_t pixels, int32_t channels, const float* x, const float* s, float* y,
                              Activation act) {
  for (int64_t p = 0; p < pixels; ++p, x += channels, y += channels)
    for (int32_t c = 0; c < channels; ++c) y[c] = ApplyActivation(x[c] * s[c], act);
}

void global_avg_pool_f32_portable(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin,
                                  int32_t c_end) {
  // Sums in float per channel, one pass over rows so memory is read in order.
  for (int32_t c = c_begin; c < c_end; ++c) y[c] = 0.f;
  for (int64_t p = 0; p < pixels; ++p) {
    const float* row = x + p * channels;
    for (int32_t c = c_begin; c < c_end; ++c) y[c] += row[c];
  }
  const float scale = 1.f / static_cast<float>(pixels);
  for (int32_t c = c_begin; c < c_end; ++c) y[c] *= scale;
}

}  // namespace scalert::kernels
