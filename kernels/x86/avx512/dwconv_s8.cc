// INT8 depthwise convolution on AVX-512: 16 channels per vector, (x - x_zp) * w in int32 per
// tap; the last channel tile reads its bytes through a mask (nothing past a pixel is touched).
#include <immintrin.h>

#include "kernels/dwconv_s8_taps.h"
#include "kernels/x86/avx512/kernels_s8.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {

void dwconv_s8_avx512(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const int32_t channels = p.channels, taps = p.taps, padded = p.padded;
  const __m512i zp = _mm512_set1_epi32(args.input_zero_point);
  ForEachDwS8Pixel(args, row_begin, row_end, [&](const int8_t* const* x, int8_t* y) {
    for (int32_t c0 = 0; c0 < channels; c0 += 16) {
      const __mmask16 mask = Mask16(channels - c0);
      __m512i acc = _mm512_setzero_si512();
      const int32_t* w = p.w.data() + c0;
      for (int32_t t = 0; t < taps; ++t, w += padded) {
        const __m512i v = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x[t] + c0));
        acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(_mm512_sub_epi32(v, zp), _mm512_loadu_si512(w)));
      }
      StoreRequant16Avx512(acc, p.bias.data() + c0, p.scale.data() + c0, args.out, y + c0, channels - c0);
    }
  });
}

}  // namespace scalert::kernels
