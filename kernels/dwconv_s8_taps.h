// Input pointers for each tap of an INT8 depthwise window, shared by every ISA's INT8 depthwise
// kernel: taps in the padding point at DwConvS8Args::zero (bytes equal to the input zero point,
// which the packed bias accounts for, so they add exactly what the reference's skipped taps add:
// nothing) and the channel loops never branch.
#ifndef SCALERT_KERNELS_DWCONV_S8_TAPS_H_
#define SCALERT_KERNELS_DWCONV_S8_TAPS_H_

#include <cstdint>

#include "kernels/dwconv_taps.h"
#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {
// Anonymous, like dwconv_taps.h: each ISA's translation unit keeps its own copy.
namespace {

// Calls run(taps, steps, n, dst) for runs of output pixels of rows [row_begin, row_end) (rows
// counted over batch * out_h): taps[kernel_h * kernel_w] point at the channels of each tap's
// input pixel for the run's first pixel, taps[t] + j * steps[t] at those of its pixel j, and
// dst at the first pixel's output channels (pixel j at dst + j * out_c). Pixels whose window lies
// inside the image columns come as one run per row (steps[t] = stride * in_c, or 0 for a tap in
// a padding row); the others, checked tap by tap, as runs of one.
template <typename RunFn>
inline void ForEachDwS8Run(const DwConvS8Args& a, int32_t row_begin, int32_t row_end, RunFn run) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t taps_n = g.kernel_h * g.kernel_w;
  const int8_t* rows[kMaxDwTaps];
  const int8_t* base[kMaxDwTaps];  // tap t of the pixel with ix0 = 0 (or the zero vector)
  int64_t step[kMaxDwTaps];        // bytes per input column (0 for a padding row)
  int64_t pixel_step[kMaxDwTaps];  // bytes per output column
  const int8_t* taps[kMaxDwTaps];
  // Output columns whose every tap is inside the image columns.
  const int32_t span = (g.kernel_w - 1) * g.dilation_w;
  int32_t ox_lo = (g.pad_left + g.stride_w - 1) / g.stride_w;
  int32_t ox_hi = g.in_w - 1 - span + g.pad_left < 0 ? 0 : (g.in_w - 1 - span + g.pad_left) / g.stride_w + 1;
  if (ox_hi > g.out_w) ox_hi = g.out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / g.out_h, oy = row % g.out_h;
    for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
      const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      rows[ky] = iy < 0 || iy >= g.in_h ? nullptr : a.input + (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w * g.in_c;
      for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
        const int32_t t = ky * g.kernel_w + kx;
        base[t] = rows[ky] ? rows[ky] + static_cast<int64_t>(kx) * g.dilation_w * g.in_c : a.zero;
        step[t] = rows[ky] ? g.in_c : 0;
        pixel_step[t] = step[t] * g.stride_w;
      }
    }
    int8_t* out_row = a.output + static_cast<int64_t>(row) * g.out_w * g.out_c;
    auto checked = [&](int32_t ox) {
      const int32_t ix0 = ox * g.stride_w - g.pad_left;
      const int8_t** t = taps;
      for (int32_t ky = 0; ky < g.kernel_h; ++ky)
        for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
          const int32_t ix = ix0 + kx * g.dilation_w;
          *t++ = rows[ky] && ix >= 0 && ix < g.in_w ? rows[ky] + static_cast<int64_t>(ix) * g.in_c : a.zero;
        }
      run(static_cast<const int8_t* const*>(taps), static_cast<const int64_t*>(pixel_step), 1,
          out_row + static_cast<int64_t>(ox) * g.out_c);
    };
    for (int32_t ox = 0; ox < ox_lo; ++ox) checked(ox);
    if (ox_lo < ox_hi) {
      const int64_t ix0 = static_cast<int64_t>(ox_lo) * g.stride_w - g.pad_left;
      for (int32_t t = 0; t < taps_n; ++t) taps[t] = base[t] + ix0 * step[t];
      run(static_cast<const int8_t* const*>(taps), static_cast<const int64_t*>(pixel_step), ox_hi - ox_lo,
          out_row + static_cast<int64_t>(ox_lo) * g.out_c);
    }
    for (int32_t ox = ox_hi; ox < g.out_w; ++ox) checked(ox);
  }
}

// The same, one pixel at a time: pixel(taps, dst) for every output pixel.
template <typename PixelFn>
inline void ForEachDwS8Pixel(const DwConvS8Args& a, int32_t row_begin, int32_t row_end, PixelFn pixel) {
  const int32_t taps_n = a.geo.kernel_h * a.geo.kernel_w;
  const int32_t out_c = a.geo.out_c;
  ForEachDwS8Run(a, row_begin, row_end, [&](const int8_t* const* x, const int64_t* steps, int32_t n, int8_t* y) {
    const int8_t* taps[kMaxDwTaps];
    for (int32_t j = 0; j < n; ++j) {
      for (int32_t t = 0; t < taps_n; ++t) taps[t] = x[t] + j * steps[t];
      pixel(static_cast<const int8_t* const*>(taps), y + static_cast<int64_t>(j) * out_c);
    }
  });
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_DWCONV_S8_TAPS_H_
