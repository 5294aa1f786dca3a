// The family's input resize: half-pixel bilinear on NHWC floats.
#include "runtime/resize_bilinear.h"

#include <vector>

#include "gtest/gtest.h"

namespace scalert {
namespace {

TEST(ResizeBilinear, EqualSizesCopy) {
  std::vector<float> src = {1, 2, 3, 4, 5, 6}, dst(6, 0);
  ResizeBilinearNhwc(src.data(), 1, 2, 3, dst.data(), 1, 2);
  EXPECT_EQ(src, dst);
}

TEST(ResizeBilinear, UpsamplesWithHalfPixelCenters) {
  std::vector<float> src = {0, 1}, dst(4, -1);
  ResizeBilinearNhwc(src.data(), 1, 2, 1, dst.data(), 1, 4);
  EXPECT_EQ(dst, (std::vector<float>{0, 0.25f, 0.75f, 1}));
}

TEST(ResizeBilinear, DownsamplesEachChannelByAveragingPairs) {
  // 2 channels, 4 columns, 2 rows -> 1 row, 2 columns.
  std::vector<float> src = {0, 10, 1, 11, 2, 12, 3, 13,  //
                            4, 14, 5, 15, 6, 16, 7, 17};
  std::vector<float> dst(4, -1);
  ResizeBilinearNhwc(src.data(), 2, 4, 2, dst.data(), 1, 2);
  EXPECT_EQ(dst, (std::vector<float>{2.5f, 12.5f, 4.5f, 14.5f}));
}

TEST(ResizeBilinear, ConstantImageStaysConstantAtAnySize) {
  std::vector<float> src(7 * 5 * 3, 0.25f);
  for (auto [h, w] : {std::pair{1, 1}, {3, 9}, {16, 11}, {7, 5}}) {
    std::vector<float> dst(static_cast<size_t>(h) * w * 3, -1);
    ResizeBilinearNhwc(src.data(), 7, 5, 3, dst.data(), h, w);
    for (float v : dst) EXPECT_FLOAT_EQ(v, 0.25f) << h << "x" << w;
  }
}

}  // namespace
}  // namespace scalert
