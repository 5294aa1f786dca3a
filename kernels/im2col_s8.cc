#include "kernels/im2col_s8.h"

#include <cstring>

namespace scalert::kernels {

void Im2ColRowS8(const ref::ConvGeometry& g, const int8_t* input, int8_t zero_point, int32_t row, int8_t* buf) {
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  for (int32_t ox = 0; ox < g.out_w; ++ox)
    for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
      const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      for (int32_t kx = 0; kx < g.kernel_w; ++kx, buf += g.in_c) {
        const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
        if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) std::memset(buf, zero_point, static_cast<size_t>(g.in_c));
        else std::memcpy(buf, input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c,
                         static_cast<size_t>(g.in_c));
      }
    }
}

}  // namespace scalert::kernels
