// AVX2 elementwise kernels: activations, residual add, SE scale, global average pool. Tails use
// masked loads and stores so no kernel reads or writes past its tensors.
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/avx2/vector_math_avx2.h"

namespace scalert::kernels {
namespace {

using avx2::Activate;
using avx2::TailMask;

template <typename Op>
inline void BinaryLoop(int64_t n, const float* a, const float* b, float* y, Activation act, Op op) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, Activate(op(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)), act));
  if (i < n) {
    const __m256i m = TailMask(static_cast<int>(n - i));
    _mm256_maskstore_ps(y + i, m, Activate(op(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m)), act));
  }
}

}  // namespace

void activation_f32_avx2(int64_t n, const float* x, float* y, Activation act) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, Activate(_mm256_loadu_ps(x + i), act));
  if (i < n) {
    const __m256i m = TailMask(static_cast<int>(n - i));
    _mm256_maskstore_ps(y + i, m, Activate(_mm256_maskload_ps(x + i, m), act));
  }
}

void add_f32_avx2(int64_t n, const float* a, const float* b, float* y, Activation act) {
  BinaryLoop(n, a, b, y, act, [](__m256 u, __m256 v) { return _mm256_add_ps(u, v); });
}

void mul_f32_avx2(int64_t n, const float* a, const float* b, float* y, Activation act) {
  BinaryLoop(n, a, b, y, act, [](__m256 u, __m256 v) { return _mm256_mul_ps(u, v); });
}

void mul_channel_f32_avx2(int64_t pixels, int32_t channels, const float* x, const float* s, float* y,
                          Activation act) {
  for (int64_t p = 0; p < pixels; ++p, x += channels, y += channels) {
    int32_t c = 0;
    for (; c + 8 <= channels; c += 8)
      _mm256_storeu_ps(y + c, Activate(_mm256_mul_ps(_mm256_loadu_ps(x + c), _mm256_loadu_ps(s + c)), act));
    if (c < channels) {
      const __m256i m = TailMask(channels - c);
      _mm256_maskstore_ps(y + c, m,
                          Activate(_mm256_mul_ps(_mm256_maskload_ps(x + c, m), _mm256_maskload_ps(s + c, m)), act));
    }
  }
}

void global_avg_pool_f32_avx2(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin,
                              int32_t c_end) {
  const __m256 scale = _mm256_set1_ps(1.f / static_cast<float>(pixels));
  int32_t c = c_begin;
  // 32 channels per pass: four independent sums hide the add latency.
  for (; c + 32 <= c_end; c += 32) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    const float* p = x + c;
    for (int64_t i = 0; i < pixels; ++i, p += channels) {
      s0 = _mm256_add_ps(s0, _mm256_loadu_ps(p));
      s1 = _mm256_add_ps(s1, _mm256_loadu_ps(p + 8));
      s2 = _mm256_add_ps(s2, _mm256_loadu_ps(p + 16));
      s3 = _mm256_add_ps(s3, _mm256_loadu_ps(p + 24));
    }
    _mm256_storeu_ps(y + c, _mm256_mul_ps(s0, scale));
    _mm256_storeu_ps(y + c + 8, _mm256_mul_ps(s1, scale));
    _mm256_storeu_ps(y + c + 16, _mm256_mul_ps(s2, scale));
    _mm256_storeu_ps(y + c + 24, _mm256_mul_ps(s3, scale));
  }
  for (; c < c_end; c += 8) {
    const int lanes = c_end - c < 8 ? c_end - c : 8;
    const __m256i m = TailMask(lanes);
    __m256 s = _mm256_setzero_ps();
    const float* p = x + c;
    for (int64_t i = 0; i < pixels; ++i, p += channels) s = _mm256_add_ps(s, _mm256_maskload_ps(p, m));
    _mm256_maskstore_ps(y + c, m, _mm256_mul_ps(s, scale));
  }
}

}  // namespace scalert::kernels
