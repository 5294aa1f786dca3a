// The 16-bit ColumnPatchRow at every level this CPU runs (AVX-512: 32 columns of an RGB 3-row
// window at a time) against column patches read pixel by pixel: odd widths around the 32-column
// step, channels 1-5, window heights 1-5 (only 3 x 3 channels takes the vector path), strides 1-2,
// dilation 1-2 in height, asymmetric padding, and two images, including the last row of the last
// image (where a full-width read would pass the input's end); every 16-bit pattern moves unchanged.
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/im2col.h"
#include "kernels/isa.h"

namespace scalert::kernels {
namespace {

TEST(ColumnPatchRowHalf, MatchesColumnsReadPixelByPixelAtEveryLevel) {
  int vector_cases = 0;
  for (Isa isa : SupportedIsas())
    for (int32_t c : {1, 3, 4, 5})
      for (int32_t kh : {1, 3, 5})
        for (int32_t stride : {1, 2})
          for (int32_t dilation : {1, 2})
            for (auto [h, w] : {std::pair{7, 9}, std::pair{5, 33}, std::pair{4, 70}, std::pair{3, 97}}) {
              ref::ConvGeometry g;
              g.batch = 2;
              g.in_h = h; g.in_w = w; g.in_c = c;
              g.kernel_h = kh;
              g.kernel_w = 3;
              g.stride_h = g.stride_w = stride;
              g.dilation_h = dilation;
              g.dilation_w = 1;
              const int32_t extent = (kh - 1) * dilation + 1;
              g.pad_top = extent / 2;
              g.pad_left = 1;
              g.out_h = (h + 2 * g.pad_top - extent) / stride + 1;
              g.out_w = (w + 2 - 3) / stride + 1;  // padding 1 both sides (a right padding column where stride fits)
              if (g.out_h < 1 || g.out_w < 1) continue;
              SCOPED_TRACE(::testing::Message() << IsaName(isa) << " c " << c << " kh " << kh << " stride " << stride
                                                << " dilation " << dilation << " " << h << "x" << w);
              std::vector<uint16_t> x(static_cast<size_t>(g.batch) * h * w * c);
              for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint16_t>(i * 40503u + 11u);
              const int64_t width = ColumnPatchWidth(g);
              const ColumnPatchRowHalfFn fn = FindColumnPatchRowHalf(isa);
              for (int32_t row = 0; row < g.batch * g.out_h; ++row) {
                std::vector<uint16_t> got(static_cast<size_t>(ColumnPatchFloats(g) + 5), 0x5555);
                fn(g, x.data(), row, got.data());
                const int32_t n = row / g.out_h, oy = row % g.out_h;
                for (int64_t j = 0; j < width; ++j)
                  for (int32_t ky = 0; ky < kh; ++ky)
                    for (int32_t ch = 0; ch < c; ++ch) {
                      const int32_t iy = oy * stride - g.pad_top + ky * dilation;
                      const int64_t ix = j - g.pad_left;
                      const uint16_t want = iy < 0 || iy >= h || ix < 0 || ix >= w
                                                ? uint16_t{0}
                                                : x[((static_cast<size_t>(n) * h + iy) * w + ix) * c + ch];
                      ASSERT_EQ(got[(j * kh + ky) * c + ch], want) << "row " << row << " column " << j << " ky " << ky
                                                                  << " channel " << ch;
                    }
                for (size_t i = static_cast<size_t>(ColumnPatchFloats(g)); i < got.size(); ++i)
                  ASSERT_EQ(got[i], 0x5555) << "wrote past the row's columns";
              }
              vector_cases += c == 3 && kh == 3;
            }
  EXPECT_GT(vector_cases, 0);
}

}  // namespace
}  // namespace scalert::kernels
