// AVX2 depthwise convolution: per output pixel, 16 then 8 channels at a time (masked tail) over
// the packed taps; 3x3 and 5x5 windows get fully unrolled tap loops.
#include <algorithm>

#include "kernels/dwconv_taps.h"
#include "kernels/packing.h"
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/avx2/vector_math_avx2.h"

namespace scalert::kernels {
namespace {

using avx2::Activate;
using avx2::TailMask;

// kTaps > 0: the window size known at compile time; 0: `taps_n` at run time.
template <int kTaps>
void Rows(const DwConvArgs& a, int32_t row_begin, int32_t row_end, int32_t taps_n) {
  if (kTaps > 0) taps_n = kTaps;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(taps_n);
  const float* taps[kMaxDwTaps];
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      DwPixelTaps(a, rows, ox, taps);
      float* out = out_row + static_cast<int64_t>(ox) * c;
      const float* w = a.packed;
      int32_t c0 = 0;
      for (; c0 + 16 <= c; c0 += 16, w += 2 * ts) {
        __m256 acc0 = _mm256_load_ps(w), acc1 = _mm256_load_ps(w + ts);
        for (int32_t t = 0; t < taps_n; ++t) {
          acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(taps[t] + c0), _mm256_load_ps(w + 8 * (t + 1)), acc0);
          acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(taps[t] + c0 + 8), _mm256_load_ps(w + ts + 8 * (t + 1)), acc1);
        }
        _mm256_storeu_ps(out + c0, Activate(acc0, a.act));
        _mm256_storeu_ps(out + c0 + 8, Activate(acc1, a.act));
      }
      if (c0 + 8 <= c) {
        __m256 acc = _mm256_load_ps(w);
        for (int32_t t = 0; t < taps_n; ++t)
          acc = _mm256_fmadd_ps(_mm256_loadu_ps(taps[t] + c0), _mm256_load_ps(w + 8 * (t + 1)), acc);
        _mm256_storeu_ps(out + c0, Activate(acc, a.act));
        c0 += 8;
        w += ts;
      }
      if (c0 < c) {
        const __m256i mask = TailMask(c - c0);
        __m256 acc = _mm256_load_ps(w);
        for (int32_t t = 0; t < taps_n; ++t)
          acc = _mm256_fmadd_ps(_mm256_maskload_ps(taps[t] + c0, mask), _mm256_load_ps(w + 8 * (t + 1)), acc);
        _mm256_maskstore_ps(out + c0, mask, Activate(acc, a.act));
      }
    }
  }
}

}  // namespace

void dwconv_f32_avx2(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const int32_t taps_n = a.geo.kernel_h * a.geo.kernel_w;
  switch (taps_n) {
    case 9: Rows<9>(a, row_begin, row_end, taps_n); break;
    case 25: Rows<25>(a, row_begin, row_end, taps_n); break;
    default: Rows<0>(a, row_begin, row_end, taps_n); break;
  }
}

}  // namespace scalert::kernels
