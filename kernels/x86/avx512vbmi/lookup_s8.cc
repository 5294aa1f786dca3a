// INT8 256-entry tables on AVX512-VBMI: two vpermi2b pick from the 128 entries of each half of
// the table (the low 7 bits of x), and the sign bit of x chooses the half: 64 bytes in 4 ops.
#include <immintrin.h>

#include "kernels/x86/avx512vbmi/kernels_s8.h"

namespace scalert::kernels {

void lookup_s8_avx512vbmi(int64_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  // table[q + 128]: entries 0-127 are q < 0 (sign bit set), 128-255 are q >= 0.
  const __m512i neg0 = _mm512_loadu_si512(table), neg1 = _mm512_loadu_si512(table + 64);
  const __m512i pos0 = _mm512_loadu_si512(table + 128), pos1 = _mm512_loadu_si512(table + 192);
  for (int64_t i = 0; i < n; i += 64) {
    const __mmask64 mask = n - i >= 64 ? ~__mmask64{0} : (~__mmask64{0}) >> (64 - (n - i));
    const __m512i v = _mm512_maskz_loadu_epi8(mask, x + i);
    // For q < 0, q + 128 = q & 127 (the low 7 bits); for q >= 0, q + 128 - 128 = q & 127 too.
    const __m512i from_neg = _mm512_permutex2var_epi8(neg0, v, neg1);
    const __m512i from_pos = _mm512_permutex2var_epi8(pos0, v, pos1);
    _mm512_mask_storeu_epi8(y + i, mask, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), from_pos, from_neg));
  }
}

}  // namespace scalert::kernels
