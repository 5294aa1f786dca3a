#include "kernels/x86/avx512vnni/dwconv_s8.h"

#include <immintrin.h>

namespace scalert::kernels {

PackedDwConvS8 PackDwConvS8(const int8_t* weights, const int32_t* bias, const float* m, int32_t kh, int32_t kw,
                            int32_t channels) {
  PackedDwConvS8 p;
  p.channels = channels;
  p.c16 = (channels + 15) / 16 * 16;
  p.taps = kh * kw;
  p.w.assign(static_cast<size_t>(p.taps) * p.c16, 0);
  p.bias.assign(p.c16, 0);
  p.m.assign(p.c16, 0.f);
  for (int32_t t = 0; t < p.taps; ++t)
    for (int32_t c = 0; c < channels; ++c) p.w[static_cast<size_t>(t) * p.c16 + c] = weights[static_cast<int64_t>(t) * channels + c];
  for (int32_t c = 0; c < channels; ++c) {
    p.bias[c] = bias ? bias[c] : 0;
    p.m[c] = m[c];
  }
  return p;
}

void DwConvS8Avx512(const ref::ConvGeometry& g, const PackedDwConvS8& p, const int8_t* in, int32_t in_zp,
                    ref::QParams out, ref::Int8Bounds bounds, int32_t oy0, int32_t oy1, int8_t* y) {
  const __m512 lo = _mm512_set1_ps(static_cast<float>(bounds.lo - out.zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(bounds.hi - out.zero_point));
  const __m512i y_zp = _mm512_set1_epi32(out.zero_point);
  const __m512i x_zp = _mm512_set1_epi32(in_zp);
  const int32_t c = p.channels;
  for (int32_t n = 0; n < g.batch; ++n)
    for (int32_t oy = oy0; oy < oy1; ++oy)
      for (int32_t ox = 0; ox < g.out_w; ++ox) {
        int8_t* dst = y + ((static_cast<int64_t>(n) * g.out_h + oy) * g.out_w + ox) * c;
        for (int32_t c0 = 0; c0 < c; c0 += 16) {
          const __mmask16 mask = c - c0 >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (c - c0)) - 1);
          __m512i acc = _mm512_loadu_si512(p.bias.data() + c0);
          for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
            const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
              const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const int8_t* src = in + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * c + c0;
              const __m512i x = _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, src)), x_zp);
              const __m512i w = _mm512_loadu_si512(p.w.data() + static_cast<size_t>(ky * g.kernel_w + kx) * p.c16 + c0);
              acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(x, w));
            }
          }
          __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_loadu_ps(p.m.data() + c0));
          v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
          _mm512_mask_cvtepi32_storeu_epi8(dst + c0, mask, _mm512_add_epi32(_mm512_cvtps_epi32(v), y_zp));
        }
      }
}

}  // namespace scalert::kernels
