// The INT8 depthwise kernel of the avx512 level: tiles of 32 channels, two taps at a time, four
// output pixels of a row together (each weight load serves four). The bytes of taps t and t + 1
// are interleaved (vpunpck{l,h}bw), sign-extended to int16 pairs and multiplied with the packed
// weight pairs (PackDwConvS8Pairs): 64 exact products per vpmaddwd + vpaddd into 32 int32 sums
// (|x| <= 128, |w| <= 127). The packed bias holds the input zero point (padding taps read it), so
// taps are summed as they are. The last channel tile reads and writes through masks. (The
// avx512vnni level has its own kernel, four taps per vpdpbusd: avx512vnni/dwconv_s8.cc.)
// Included by kernels/x86/avx512/dwconv_s8.cc only.
#ifndef SCALERT_KERNELS_X86_DWCONV_S8_PAIRS_AVX512_H_
#define SCALERT_KERNELS_X86_DWCONV_S8_PAIRS_AVX512_H_

#include <immintrin.h>

#include "kernels/dwconv_s8_taps.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {
namespace {

inline __m512i DotPairs(__m512i acc, __m512i x, __m512i w) { return _mm512_add_epi32(acc, _mm512_madd_epi16(x, w)); }

// Sums of kPixels output pixels of one channel tile: each weight pair is loaded once for all of
// them (a tile's weights are 2 vectors per pair, too many to keep in registers for 5x5).
template <int kPixels>
inline void DwS8Block(const int8_t* const* x, const int64_t* steps, int32_t taps, int32_t c0, __mmask32 mask,
                      const __m512i* w, __m512i* lo, __m512i* hi) {
  for (int k = 0; k < kPixels; ++k) lo[k] = hi[k] = _mm512_setzero_si512();
  const int32_t pairs = (taps + 1) / 2;
  for (int32_t q = 0; q < pairs; ++q) {
    const int32_t ta = 2 * q, tb = 2 * q + 1 < taps ? 2 * q + 1 : 2 * q;  // a missing tap has weight 0
    const __m512i wl = _mm512_loadu_si512(w + 2 * q), wh = _mm512_loadu_si512(w + 2 * q + 1);
    const int8_t* xa = x[ta] + c0;
    const int8_t* xb = x[tb] + c0;
    for (int k = 0; k < kPixels; ++k) {
      const __m256i a = _mm256_maskz_loadu_epi8(mask, xa + k * steps[ta]);
      const __m256i b = _mm256_maskz_loadu_epi8(mask, xb + k * steps[tb]);
      lo[k] = DotPairs(lo[k], _mm512_cvtepi8_epi16(_mm256_unpacklo_epi8(a, b)), wl);
      hi[k] = DotPairs(hi[k], _mm512_cvtepi8_epi16(_mm256_unpackhi_epi8(a, b)), wh);
    }
  }
}

void DwConvS8PairsAvx512(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const int32_t channels = p.channels, taps = p.taps, pairs = (taps + 1) / 2, out_c = args.geo.out_c;
  ForEachDwS8Run(args, row_begin, row_end, [&](const int8_t* const* x, const int64_t* steps, int32_t n, int8_t* y) {
    for (int32_t c0 = 0; c0 < channels; c0 += 32) {
      const __mmask32 mask = channels - c0 >= 32 ? ~__mmask32{0} : (~__mmask32{0}) >> (32 - (channels - c0));
      const __m512i* w = reinterpret_cast<const __m512i*>(p.w.data() + static_cast<int64_t>(c0) * pairs);
      const __m512i bias_lo = _mm512_loadu_si512(p.bias.data() + c0);
      const __m512i bias_hi = _mm512_loadu_si512(p.bias.data() + c0 + 16);
      const __m512 scale_lo = _mm512_loadu_ps(p.scale.data() + c0);
      const __m512 scale_hi = _mm512_loadu_ps(p.scale.data() + c0 + 16);
      auto store = [&](__m512i lo, __m512i hi, int8_t* dst) {
        const __m128i qlo = _mm512_cvtepi32_epi8(Requant16(_mm512_add_epi32(lo, bias_lo), scale_lo, args.out));
        const __m128i qhi = _mm512_cvtepi32_epi8(Requant16(_mm512_add_epi32(hi, bias_hi), scale_hi, args.out));
        // qlo holds channels 0-7, 16-23 and qhi 8-15, 24-31: back in order.
        const __m256i out = _mm256_set_m128i(_mm_unpackhi_epi64(qlo, qhi), _mm_unpacklo_epi64(qlo, qhi));
        _mm256_mask_storeu_epi8(dst + c0, mask, out);
      };
      const int8_t* taps_j[kMaxDwTaps];
      int32_t j = 0;
      for (; j + 4 <= n; j += 4) {
        for (int32_t t = 0; t < taps; ++t) taps_j[t] = x[t] + j * steps[t];
        __m512i lo[4], hi[4];
        DwS8Block<4>(taps_j, steps, taps, c0, mask, w, lo, hi);
        for (int k = 0; k < 4; ++k) store(lo[k], hi[k], y + static_cast<int64_t>(j + k) * out_c);
      }
      for (; j < n; ++j) {
        for (int32_t t = 0; t < taps; ++t) taps_j[t] = x[t] + j * steps[t];
        __m512i lo[1], hi[1];
        DwS8Block<1>(taps_j, steps, taps, c0, mask, w, lo, hi);
        store(lo[0], hi[0], y + static_cast<int64_t>(j) * out_c);
      }
    }
  });
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_DWCONV_S8_PAIRS_AVX512_H_
