// Input pointers for each tap of a depthwise window, shared by every ISA's depthwise kernel:
// taps that fall in the padding point at a zero vector, so the inner loops never branch.
#ifndef SCALERT_KERNELS_DWCONV_TAPS_H_
#define SCALERT_KERNELS_DWCONV_TAPS_H_

#include <cstdint>

#include "kernels/kernel_types.h"

namespace scalert::kernels {
// Anonymous: every ISA's translation unit compiles its own copy with its own flags, so the linker
// can never hand an AVX-512-compiled copy to a portable caller.
namespace {

// Largest kernel window (kh * kw) the native depthwise kernels accept.
inline constexpr int32_t kMaxDwTaps = 64;

// Per output row: where each kernel row starts in the input (null when it is padding).
struct DwRowTaps {
  const float* row[kMaxDwTaps];
};

inline void DwRowStarts(const DwConvArgs& a, int32_t row, DwRowTaps* r) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
    const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) r->row[ky] = nullptr;
    else if (a.input_rows) r->row[ky] = a.input_rows[static_cast<int64_t>(n) * g.in_h + iy];
    else r->row[ky] = a.input + (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w * g.in_c;
  }
}

// Where output row `row` starts.
inline float* DwOutputRow(const DwConvArgs& a, int32_t row) {
  const int64_t stride = a.output_row_stride ? a.output_row_stride : int64_t{a.geo.out_w} * a.geo.out_c;
  return a.output + static_cast<int64_t>(row - a.output_row_origin) * stride;
}

// Fills taps[kernel_h * kernel_w] for output column ox of the row described by `r`.
inline void DwPixelTaps(const DwConvArgs& a, const DwRowTaps& r, int32_t ox, const float** taps) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t ix0 = ox * g.stride_w - g.pad_left;
  for (int32_t ky = 0; ky < g.kernel_h; ++ky)
    for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
      const int32_t ix = ix0 + kx * g.dilation_w;
      *taps++ = r.row[ky] && ix >= 0 && ix < g.in_w ? r.row[ky] + static_cast<int64_t>(ix) * g.in_c : a.zero;
    }
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_DWCONV_TAPS_H_
