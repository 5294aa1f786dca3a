// int8 -> f32 at the graph's boundaries on AVX-512, 16 values per vector (the tail masked):
// x - zero_point is exact in int32 and in float, so the one product rounds exactly as
// dequantize_s8_portable's does.
#include <immintrin.h>

#include "kernels/x86/avx512/kernels_s8.h"

namespace scalert::kernels {

void dequantize_s8_avx512(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y) {
  const __m512i zp = _mm512_set1_epi32(zero_point);
  const __m512 s = _mm512_set1_ps(scale);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = static_cast<__mmask16>(n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
    const __m512i v = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x + i)), zp);
    _mm512_mask_storeu_ps(y + i, mask, _mm512_mul_ps(_mm512_cvtepi32_ps(v), s));
  }
}

}  // namespace scalert::kernels
