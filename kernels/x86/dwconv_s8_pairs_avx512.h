// The INT8 depthwise kernel of the AVX-512 levels, written once: tiles of 32 channels, two taps
// at a time. The bytes of taps t and t + 1 are interleaved (vpunpck{l,h}bw), sign-extended to
// int16 pairs and multiplied with the packed weight pairs (PackDwConvS8Pairs): 64 exact products
// per instruction into 32 int32 sums (|x| <= 128, |w| <= 127), by vpmaddwd + vpaddd, or by one
// vpdpwssd where AVX512-VNNI exists. The packed bias holds the input zero point (padding taps
// read it), so taps are summed as they are. The last channel tile reads and writes through masks.
// Included by kernels/x86/avx512/dwconv_s8.cc and kernels/x86/avx512vnni/dwconv_s8.cc only.
#ifndef SCALERT_KERNELS_X86_DWCONV_S8_PAIRS_AVX512_H_
#define SCALERT_KERNELS_X86_DWCONV_S8_PAIRS_AVX512_H_

#include <immintrin.h>

#include "kernels/dwconv_s8_taps.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {
namespace {

template <bool kVnni>
inline __m512i DotPairs(__m512i acc, __m512i x, __m512i w) {
#if defined(__AVX512VNNI__)
  if constexpr (kVnni) return _mm512_dpwssd_epi32(acc, x, w);
#endif
  return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w));
}

template <bool kVnni>
void DwConvS8PairsAvx512(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const int32_t channels = p.channels, taps = p.taps, pairs = (taps + 1) / 2;
  ForEachDwS8Pixel(args, row_begin, row_end, [&](const int8_t* const* x, int8_t* y) {
    for (int32_t c0 = 0; c0 < channels; c0 += 32) {
      const __mmask32 mask = channels - c0 >= 32 ? ~__mmask32{0} : (~__mmask32{0}) >> (32 - (channels - c0));
      const __m512i* w = reinterpret_cast<const __m512i*>(p.w.data() + static_cast<int64_t>(c0) * pairs);
      // Two sets of sums (even and odd pairs of taps) halve the dependency chains.
      __m512i lo = _mm512_setzero_si512(), hi = _mm512_setzero_si512();
      __m512i lo1 = _mm512_setzero_si512(), hi1 = _mm512_setzero_si512();
      int32_t q = 0;
      for (; 2 * q + 3 < taps; q += 2) {
        const __m256i a = _mm256_maskz_loadu_epi8(mask, x[2 * q] + c0);
        const __m256i b = _mm256_maskz_loadu_epi8(mask, x[2 * q + 1] + c0);
        const __m256i a1 = _mm256_maskz_loadu_epi8(mask, x[2 * q + 2] + c0);
        const __m256i b1 = _mm256_maskz_loadu_epi8(mask, x[2 * q + 3] + c0);
        lo = DotPairs<kVnni>(lo, _mm512_cvtepi8_epi16(_mm256_unpacklo_epi8(a, b)), _mm512_loadu_si512(w + 2 * q));
        hi = DotPairs<kVnni>(hi, _mm512_cvtepi8_epi16(_mm256_unpackhi_epi8(a, b)), _mm512_loadu_si512(w + 2 * q + 1));
        lo1 = DotPairs<kVnni>(lo1, _mm512_cvtepi8_epi16(_mm256_unpacklo_epi8(a1, b1)), _mm512_loadu_si512(w + 2 * q + 2));
        hi1 = DotPairs<kVnni>(hi1, _mm512_cvtepi8_epi16(_mm256_unpackhi_epi8(a1, b1)), _mm512_loadu_si512(w + 2 * q + 3));
      }
      for (; q < pairs; ++q) {
        const __m256i a = _mm256_maskz_loadu_epi8(mask, x[2 * q] + c0);
        const __m256i b = 2 * q + 1 < taps ? _mm256_maskz_loadu_epi8(mask, x[2 * q + 1] + c0) : a;  // weight 0
        lo = DotPairs<kVnni>(lo, _mm512_cvtepi8_epi16(_mm256_unpacklo_epi8(a, b)), _mm512_loadu_si512(w + 2 * q));
        hi = DotPairs<kVnni>(hi, _mm512_cvtepi8_epi16(_mm256_unpackhi_epi8(a, b)), _mm512_loadu_si512(w + 2 * q + 1));
      }
      lo = _mm512_add_epi32(lo, lo1);
      hi = _mm512_add_epi32(hi, hi1);
      const __m128i qlo = _mm512_cvtepi32_epi8(Requant16(_mm512_add_epi32(lo, _mm512_loadu_si512(p.bias.data() + c0)),
                                                         _mm512_loadu_ps(p.scale.data() + c0), args.out));
      const __m128i qhi =
          _mm512_cvtepi32_epi8(Requant16(_mm512_add_epi32(hi, _mm512_loadu_si512(p.bias.data() + c0 + 16)),
                                         _mm512_loadu_ps(p.scale.data() + c0 + 16), args.out));
      // qlo holds channels 0-7, 16-23 and qhi 8-15, 24-31: back in order.
      const __m256i out = _mm256_set_m128i(_mm_unpackhi_epi64(qlo, qhi), _mm_unpacklo_epi64(qlo, qhi));
      _mm256_mask_storeu_epi8(y + c0, mask, out);
    }
  });
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_DWCONV_S8_PAIRS_AVX512_H_
