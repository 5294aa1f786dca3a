#include "kernels/im2col_s8.h"

namespace scalert::kernels {
namespace {

// Byte loops, not memcpy: the spans are a few bytes (3 channels x 3 taps for a stem), where a
// library call per span costs more than the copy.
inline void CopyBytes(int8_t* dst, const int8_t* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}
inline void FillBytes(int8_t* dst, int8_t v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = v;
}

}  // namespace

void Im2ColRowS8(const ref::ConvGeometry& g, const int8_t* input, int8_t zero_point, int32_t row, int8_t* buf) {
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  const int64_t span = static_cast<int64_t>(g.kernel_w) * g.in_c;
  for (int32_t ox = 0; ox < g.out_w; ++ox) {
    const int32_t ix0 = ox * g.stride_w - g.pad_left;
    const bool inside_x = ix0 >= 0 && ix0 + (g.kernel_w - 1) * g.dilation_w < g.in_w;
    for (int32_t ky = 0; ky < g.kernel_h; ++ky, buf += span) {
      const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      if (iy < 0 || iy >= g.in_h) {
        FillBytes(buf, zero_point, span);
        continue;
      }
      const int8_t* src_row = input + (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w * g.in_c;
      if (inside_x && g.dilation_w == 1) {  // the kernel row is one contiguous span
        CopyBytes(buf, src_row + static_cast<int64_t>(ix0) * g.in_c, span);
        continue;
      }
      for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
        const int32_t ix = ix0 + kx * g.dilation_w;
        int8_t* dst = buf + static_cast<int64_t>(kx) * g.in_c;
        if (ix < 0 || ix >= g.in_w) FillBytes(dst, zero_point, g.in_c);
        else CopyBytes(dst, src_row + static_cast<int64_t>(ix) * g.in_c, g.in_c);
      }
    }
  }
}

}  // namespace scalert::kernels
