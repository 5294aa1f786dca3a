// Packed weight layouts: how a GEMM's columns are cut into panels for a kernel's tile, and that
// every weight lands where the panel walk expects it.
#include "kernels/packing.h"

#include <vector>

#include "gtest/gtest.h"

namespace scalert::kernels {
namespace {

std::vector<int32_t> Panels(int32_t n, int32_t nr, int32_t nr_min) {
  std::vector<int32_t> widths;
  for (int32_t n0 = 0; n0 < n; n0 += widths.back()) widths.push_back(GemmPanelWidth(n, n0, nr, nr_min));
  return widths;
}

TEST(GemmPanels, LeftoverColumnsUseTheNarrowestPanelsThatFit) {
  // A 32-wide AVX-512 kernel with 8-wide (ymm) panels: 24 and 40 channels waste nothing.
  EXPECT_EQ(Panels(24, 32, 8), (std::vector<int32_t>{16, 8}));
  EXPECT_EQ(Panels(40, 32, 8), (std::vector<int32_t>{32, 8}));
  EXPECT_EQ(Panels(112, 32, 8), (std::vector<int32_t>{32, 32, 32, 16}));
  EXPECT_EQ(Panels(61, 32, 8), (std::vector<int32_t>{32, 16, 8, 8}));  // the last 5 columns masked
  EXPECT_EQ(Panels(3, 32, 8), (std::vector<int32_t>{8}));
  // A 16-wide AVX2 kernel: 16-wide panels, then one 8-wide.
  EXPECT_EQ(Panels(40, 16, 8), (std::vector<int32_t>{16, 16, 8}));
  EXPECT_EQ(Panels(20, 16, 8), (std::vector<int32_t>{16, 8}));
}

TEST(GemmPanels, PackedWeightsFollowThePanelWalk) {
  const int32_t n = 40, k = 3;
  std::vector<float> w(n * k), bias(n);
  for (int32_t j = 0; j < n; ++j) {
    bias[j] = -1.f - j;
    for (int32_t kk = 0; kk < k; ++kk) w[j * k + kk] = 100.f * j + kk;
  }
  const TileShape tile{12, 32, 0, 8};
  PackedGemm p = PackGemmWeights(w.data(), bias.data(), n, k, tile);
  EXPECT_EQ(p.nr, 32);
  EXPECT_EQ(p.nr_min, 8);
  for (int32_t n0 = 0, width = 0; n0 < n; n0 += width) {
    width = GemmPanelWidth(n, n0, p.nr, p.nr_min);
    for (int32_t kk = 0; kk < k; ++kk)
      for (int32_t j = 0; j < width; ++j)
        ASSERT_EQ(p.b.data()[static_cast<int64_t>(n0) * k + kk * width + j], 100.f * (n0 + j) + kk)
            << "panel at " << n0 << " row " << kk << " column " << j;
  }
  for (int32_t j = 0; j < n; ++j) EXPECT_EQ(p.bias.data()[j], bias[j]);
}

}  // namespace
}  // namespace scalert::kernels
