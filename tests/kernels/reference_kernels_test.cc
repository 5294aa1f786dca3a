// Reference kernels against hand-computed values and against independent formulations.
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"
#include "tests/testing/test_models.h"

namespace scalert::ref {
namespace {

using testing::RandomVector;

TEST(ReferenceConv2D, HandComputedValidAndPadded) {
  // 3x3 input 1..9, 2x2 kernel of ones.
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 1, 1, 1}, y(4);
  ConvGeometry g;
  g.in_h = g.in_w = 3;
  g.kernel_h = g.kernel_w = 2;
  g.out_h = g.out_w = 2;
  Conv2D(g, x.data(), w.data(), nullptr, y.data(), Activation::kNone);
  EXPECT_EQ(y, (std::vector<float>{12, 16, 24, 28}));
  // Stride 2, pad 1 all round, 3x3 kernel of ones, bias 1: sums of the clipped windows + 1.
  std::vector<float> w3(9, 1.f), b = {1.f}, y2(4);
  g.kernel_h = g.kernel_w = 3;
  g.stride_h = g.stride_w = 2;
  g.pad_top = g.pad_left = 1;
  Conv2D(g, x.data(), w3.data(), b.data(), y2.data(), Activation::kNone);
  EXPECT_EQ(y2, (std::vector<float>{1 + 12, 1 + 16, 1 + 24, 1 + 28}));
  // Fused ReLU6 clips.
  Conv2D(g, x.data(), w3.data(), b.data(), y2.data(), Activation::kRelu6);
  EXPECT_EQ(y2, (std::vector<float>{6, 6, 6, 6}));
}

// Independent formulation: copy into an explicitly zero-padded buffer, then a 'valid' conv
// written as im2col rows dotted with weight rows.
std::vector<float> ConvByExplicitPadding(const ConvGeometry& g, const std::vector<float>& x,
                                         const std::vector<float>& w, const std::vector<float>& b) {
  const int ph = g.in_h + 2 * g.kernel_h * g.dilation_h, pw = g.in_w + 2 * g.kernel_w * g.dilation_w;
  std::vector<float> padded(static_cast<size_t>(ph) * pw * g.in_c, 0.f);
  for (int y = 0; y < g.in_h; ++y)
    for (int xx = 0; xx < g.in_w; ++xx)
      for (int c = 0; c < g.in_c; ++c)
        padded[((y + g.pad_top) * pw + xx + g.pad_left) * g.in_c + c] = x[(y * g.in_w + xx) * g.in_c + c];
  std::vector<float> out(static_cast<size_t>(g.out_h) * g.out_w * g.out_c);
  std::vector<float> row;
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox) {
      row.clear();
      for (int ky = 0; ky < g.kernel_h; ++ky)
        for (int kx = 0; kx < g.kernel_w; ++kx)
          for (int c = 0; c < g.in_c; ++c)
            row.push_back(padded[((oy * g.stride_h + ky * g.dilation_h) * pw + ox * g.stride_w + kx * g.dilation_w) * g.in_c + c]);
      for (int oc = 0; oc < g.out_c; ++oc) {
        double acc = b[oc];
        for (size_t k = 0; k < row.size(); ++k) acc += row[k] * w[oc * row.size() + k];
        out[(oy * g.out_w + ox) * g.out_c + oc] = static_cast<float>(acc);
      }
    }
  return out;
}

TEST(ReferenceConv2D, MatchesExplicitPaddingFormulation) {
  for (int stride : {1, 2})
    for (int k : {1, 3, 5})
      for (int dil : {1, 2})
        for (auto [h, w] : {std::pair{7, 5}, std::pair{8, 11}}) {
          ConvGeometry g;
          g.in_h = h; g.in_w = w; g.in_c = 3; g.out_c = 5;
          g.kernel_h = g.kernel_w = k;
          g.stride_h = g.stride_w = stride;
          g.dilation_h = g.dilation_w = dil;
          g.pad_top = g.pad_left = (k - 1) * dil / 2;
          const int extent = (k - 1) * dil + 1;
          g.out_h = (h + 2 * g.pad_top - extent) / stride + 1;
          g.out_w = (w + 2 * g.pad_left - extent) / stride + 1;
          auto x = RandomVector(h * w * 3, 1), wt = RandomVector(5 * k * k * 3, 2), b = RandomVector(5, 3);
          std::vector<float> y(static_cast<size_t>(g.out_h) * g.out_w * 5);
          Conv2D(g, x.data(), wt.data(), b.data(), y.data(), Activation::kNone);
          auto want = ConvByExplicitPadding(g, x, wt, b);
          for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], want[i], 1e-5) << "k" << k << " s" << stride;
        }
}

TEST(ReferenceDepthwise, HandComputedWithMultiplier) {
  // 2x2 input, 2 channels, multiplier 2 -> 4 output channels; 2x2 kernel, valid.
  std::vector<float> x = {1, 10, 2, 20, 3, 30, 4, 40};
  // weights [1, 2, 2, 4]: channel oc uses input channel oc/2.
  std::vector<float> w(16);
  for (int tap = 0; tap < 4; ++tap)
    for (int oc = 0; oc < 4; ++oc) w[tap * 4 + oc] = oc % 2 == 0 ? 1.f : static_cast<float>(tap);
  ConvGeometry g;
  g.in_h = g.in_w = 2; g.in_c = 2; g.out_c = 4; g.kernel_h = g.kernel_w = 2; g.depth_multiplier = 2;
  std::vector<float> y(4);
  DepthwiseConv2D(g, x.data(), w.data(), nullptr, y.data(), Activation::kNone);
  // oc0: sum ch0 = 10; oc1: sum tap*ch0 = 0*1+1*2+2*3+3*4 = 20; oc2: sum ch1 = 100; oc3: 200.
  EXPECT_EQ(y, (std::vector<float>{10, 20, 100, 200}));
}

TEST(ReferenceFullyConnected, HandComputed) {
  std::vector<float> x = {1, 2, 3}, w = {1, 0, -1, 2, 2, 2}, b = {0.5f, -1.f}, y(2);
  FullyConnected(1, 3, 2, x.data(), w.data(), b.data(), y.data(), Activation::kNone);
  EXPECT_EQ(y, (std::vector<float>{-1.5f, 11.f}));
}

TEST(ReferencePooling, GlobalAverage) {
  std::vector<float> x = {1, 10, 2, 20, 3, 30, 6, 60}, y(2);  // 2x2, 2 channels
  GlobalAveragePool(1, 2, 2, 2, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{3, 30}));
}

TEST(ReferenceBinary, SqueezeExcitationBroadcast) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};  // [1,2,2,2]
  std::vector<float> s = {10, 100};                 // [1,1,1,2]
  std::vector<float> y(8);
  Binary(BinaryOp::kMul, {1, 2, 2, 2}, x.data(), {1, 1, 1, 2}, s.data(), {1, 2, 2, 2}, y.data(), Activation::kNone);
  EXPECT_EQ(y, (std::vector<float>{10, 200, 30, 400, 50, 600, 70, 800}));
  Binary(BinaryOp::kAdd, {1, 2, 2, 2}, x.data(), {2}, s.data(), {1, 2, 2, 2}, y.data(), Activation::kRelu6);
  EXPECT_EQ(y, (std::vector<float>{6, 6, 6, 6, 6, 6, 6, 6}));
  std::vector<float> a = {-1, 2}, b2 = {3}, y2(2);
  Binary(BinaryOp::kAdd, {2}, a.data(), {1}, b2.data(), {2}, y2.data(), Activation::kRelu);
  EXPECT_EQ(y2, (std::vector<float>{2, 5}));
}

TEST(ReferenceActivations, HandComputedPoints) {
  EXPECT_EQ(ApplyActivation(-1.f, Activation::kRelu), 0.f);
  EXPECT_EQ(ApplyActivation(7.f, Activation::kRelu6), 6.f);
  EXPECT_EQ(ApplyActivation(-7.f, Activation::kRelu6), 0.f);
  EXPECT_FLOAT_EQ(ApplyActivation(0.f, Activation::kSigmoid), 0.5f);
  EXPECT_FLOAT_EQ(ApplyActivation(0.f, Activation::kHardSigmoid), 0.5f);
  EXPECT_FLOAT_EQ(ApplyActivation(3.f, Activation::kHardSigmoid), 1.f);
  EXPECT_FLOAT_EQ(ApplyActivation(-3.f, Activation::kHardSigmoid), 0.f);
  EXPECT_FLOAT_EQ(ApplyActivation(1.f, Activation::kSwish), 0.7310585786f);
  EXPECT_FLOAT_EQ(ApplyActivation(1.f, Activation::kHardSwish), 4.f / 6.f);
  EXPECT_FLOAT_EQ(ApplyActivation(-4.f, Activation::kHardSwish), 0.f);
  std::vector<float> x = {-1, 0.5f}, y(2);
  HardSigmoid(2, x.data(), y.data(), 0.2f, 0.5f);
  EXPECT_FLOAT_EQ(y[0], 0.3f);
  EXPECT_FLOAT_EQ(y[1], 0.6f);
  Clamp(2, x.data(), y.data(), -0.5f, 0.25f);
  EXPECT_EQ(y, (std::vector<float>{-0.5f, 0.25f}));
}

TEST(ReferenceSoftmax, HandComputed) {
  std::vector<float> x = {1, 2, 3, 1000, 1000, 1000}, y(6);
  Softmax(2, 3, x.data(), y.data(), 1.f);
  const double e = std::exp(1.0), s = 1 + e + e * e;
  EXPECT_NEAR(y[0], 1 / s, 1e-7);
  EXPECT_NEAR(y[2], e * e / s, 1e-7);
  EXPECT_NEAR(y[3], 1.0 / 3, 1e-7);  // large inputs do not overflow
}

TEST(ReferenceTranspose, NchwToNhwc) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};  // [1, 2(C), 1(H), 3(W)]
  std::vector<float> y(6);
  Transpose({1, 2, 1, 3}, {0, 2, 3, 1}, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(ReferenceQuantize, RoundTripAndSaturation) {
  std::vector<float> x = {0.f, 0.26f, -1.f, 100.f, -100.f}, back(5);
  std::vector<int8_t> q(5);
  Quantize(5, x.data(), q.data(), 0.5f, 2);
  EXPECT_EQ(q, (std::vector<int8_t>{2, 3, 0, 127, -128}));
  Dequantize(5, q.data(), back.data(), 0.5f, 2);
  EXPECT_EQ(back, (std::vector<float>{0.f, 0.5f, -1.f, 62.5f, -65.f}));
}

// Every parity test compares through RelativeError: a NaN or Inf on either side must fail it
// (std::max(x, NaN) returns x, which once let an all-NaN output pass 24 parity checks).
TEST(ParityHelper, RelativeErrorIsInfiniteOnNanInfAndSizeMismatch) {
  const std::vector<float> ref = {1.f, -2.f, 3.f};
  EXPECT_EQ(testing::RelativeError(ref, ref), 0.0);
  EXPECT_NEAR(testing::RelativeError({1.f, -2.f, 3.3f}, ref), 0.1, 1e-6);
  const float nan = std::nanf(""), inf = INFINITY;
  EXPECT_TRUE(std::isinf(testing::RelativeError({nan, nan, nan}, ref)));
  EXPECT_TRUE(std::isinf(testing::RelativeError({1.f, nan, 3.f}, ref)));
  EXPECT_TRUE(std::isinf(testing::RelativeError(ref, {1.f, -2.f, nan})));
  EXPECT_TRUE(std::isinf(testing::RelativeError({1.f, inf, 3.f}, ref)));
  EXPECT_TRUE(std::isinf(testing::RelativeError({1.f, 2.f}, ref)));
  EXPECT_FALSE(testing::RelativeError({nan, nan, nan}, ref) < 1e-4);
}

}  // namespace
}  // namespace scalert::ref
