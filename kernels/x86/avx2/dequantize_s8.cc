// int8 -> f32 at the graph's boundaries on AVX2, 8 values per vector: x - zero_point is exact in
// int32 and in float, so the one product rounds exactly as dequantize_s8_portable's does.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/avx2/kernels_s8.h"

namespace scalert::kernels {

void dequantize_s8_avx2(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y) {
  const __m256i zp = _mm256_set1_epi32(zero_point);
  const __m256 s = _mm256_set1_ps(scale);
  auto convert = [&](const int8_t* p) {
    int64_t bytes;
    std::memcpy(&bytes, p, sizeof(bytes));
    const __m256i v = _mm256_sub_epi32(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bytes)), zp);
    return _mm256_mul_ps(_mm256_cvtepi32_ps(v), s);
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, convert(x + i));
  if (i < n) {
    // The tail through a zero-padded copy: no read or write past the arrays.
    const size_t left = static_cast<size_t>(n - i);
    int8_t tx[8] = {};
    float ty[8];
    std::memcpy(tx, x + i, left);
    _mm256_storeu_ps(ty, convert(tx));
    std::memcpy(y + i, ty, sizeof(float) * left);
  }
}

}  // namespace scalert::kernels
