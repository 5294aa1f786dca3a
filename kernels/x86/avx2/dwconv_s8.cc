// INT8 depthwise convolution on AVX2: 8 channels per vector, x * w in int32 per tap by vpmaddwd
// (exact: kernel_types_s8.h); the packed bias holds the input zero point.
#include <immintrin.h>

#include <cstring>

#include "kernels/dwconv_s8_taps.h"
#include "kernels/x86/avx2/kernels_s8.h"
#include "kernels/x86/requant_s8_avx2.h"

namespace scalert::kernels {

void dwconv_s8_avx2(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const int32_t channels = p.channels, taps = p.taps, padded = p.padded;
  ForEachDwS8Pixel(args, row_begin, row_end, [&](const int8_t* const* x, int8_t* y) {
    int32_t c0 = 0;
    for (; c0 + 8 <= channels; c0 += 8) {
      __m256i acc = _mm256_setzero_si256();  // the epilogue adds the bias
      const int32_t* w = p.w.data() + c0;
      for (int32_t t = 0; t < taps; ++t, w += padded) {
        const __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[t] + c0)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(v,
                                                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
      }
      StoreRequant8Avx2(acc, p.bias.data() + c0, p.scale.data() + c0, args.out, y + c0, 8);
    }
    if (c0 < channels) {  // the last partial tile: bytes copied so nothing is read past a pixel
      const int32_t count = channels - c0;
      __m256i acc = _mm256_setzero_si256();
      const int32_t* w = p.w.data() + c0;
      for (int32_t t = 0; t < taps; ++t, w += padded) {
        int64_t bytes = 0;
        std::memcpy(&bytes, x[t] + c0, static_cast<size_t>(count));
        const __m256i v = _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bytes));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(v,
                                                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
      }
      StoreRequant8Avx2(acc, p.bias.data() + c0, p.scale.data() + c0, args.out, y + c0, count);
    }
  });
}

}  // namespace scalert::kernels
