// Im2ColRowS8 against patches read pixel by pixel: its 16-byte fast path (spans of at most 16
// bytes, the stem's 9) and the general path, at odd sizes, channels 1-7, kernels 1-5, strides 1-2,
// dilation 1-2, asymmetric padding and two images, including the last row of the last image
// (where a 16-byte read would pass the input's end).
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/im2col_s8.h"

namespace scalert::kernels {
namespace {

TEST(Im2ColRowS8, MatchesPatchesReadPixelByPixel) {
  int cases = 0;
  for (int32_t c : {1, 3, 4, 7})
    for (int32_t k : {1, 3, 5})
      for (int32_t stride : {1, 2})
        for (int32_t dilation : {1, 2})
          for (auto [h, w] : {std::pair{7, 9}, std::pair{12, 5}}) {
            ref::ConvGeometry g;
            g.batch = 2;
            g.in_h = h; g.in_w = w; g.in_c = c;
            g.kernel_h = g.kernel_w = k;
            g.stride_h = g.stride_w = stride;
            g.dilation_h = g.dilation_w = dilation;
            const int32_t extent = (k - 1) * dilation + 1;
            g.pad_top = extent / 2;
            g.pad_left = (extent - 1) / 2;  // asymmetric when the extent is even
            g.out_h = (h + 2 * g.pad_top - extent) / stride + 1;
            g.out_w = (w + g.pad_left + extent / 2 - extent) / stride + 1;
            if (g.out_h < 1 || g.out_w < 1) continue;
            std::vector<int8_t> x(static_cast<size_t>(g.batch) * h * w * c);
            for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(i * 37 % 251 - 125);
            const int8_t zp = -3;
            const int64_t patch = static_cast<int64_t>(k) * k * c;
            for (int32_t row = 0; row < g.batch * g.out_h; ++row) {
              std::vector<int8_t> got(static_cast<size_t>(patch * g.out_w), 0x55);
              Im2ColRowS8(g, x.data(), zp, row, got.data());
              const int32_t n = row / g.out_h, oy = row % g.out_h;
              for (int32_t ox = 0; ox < g.out_w; ++ox)
                for (int32_t ky = 0; ky < k; ++ky)
                  for (int32_t kx = 0; kx < k; ++kx)
                    for (int32_t ci = 0; ci < c; ++ci) {
                      const int32_t iy = oy * stride - g.pad_top + ky * dilation;
                      const int32_t ix = ox * stride - g.pad_left + kx * dilation;
                      const bool in = iy >= 0 && iy < h && ix >= 0 && ix < w;
                      const int8_t want = in ? x[((static_cast<size_t>(n) * h + iy) * w + ix) * c + ci] : zp;
                      ASSERT_EQ(got[static_cast<size_t>(ox * patch + (ky * k + kx) * c + ci)], want)
                          << "c " << c << " k " << k << " stride " << stride << " dilation " << dilation << " "
                          << h << "x" << w << " row " << row << " ox " << ox;
                    }
            }
            ++cases;
          }
  EXPECT_GT(cases, 80);
}

}  // namespace
}  // namespace scalert::kernels
