// The INT8 reference kernels against their specification (kernels/reference/quantized.h): hand
// values for rounding and saturation, and agreement within one unit with the float kernels run
// on the dequantized operands.
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/float_formats.h"
#include "kernels/reference/quantized.h"
#include "tests/testing/test_models.h"

namespace scalert::ref {
namespace {

std::vector<int8_t> RandomS8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(-128, 127);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(u(rng));
  return v;
}

std::vector<float> Dequantized(const std::vector<int8_t>& q, QParams p) {
  std::vector<float> f(q.size());
  for (size_t i = 0; i < q.size(); ++i) f[i] = p.scale * static_cast<float>(q[i] - p.zero_point);
  return f;
}

// Largest |a - b| in units of the output; fails on a disagreement beyond one unit.
int MaxUnitDiff(const std::vector<int8_t>& got, const std::vector<float>& real, QParams y, Int8Bounds b = {}) {
  int worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double want = std::min<double>(b.hi, std::max<double>(b.lo, std::nearbyint(real[i] / y.scale) + y.zero_point));
    worst = std::max(worst, static_cast<int>(std::abs(got[i] - want)));
  }
  return worst;
}

TEST(Int8Requantize, RoundsHalfToEvenAndSaturates) {
  const Int8Bounds all;
  EXPECT_EQ(Requantize(5, 0.5f, 0, all), 2);    // 2.5 -> 2
  EXPECT_EQ(Requantize(7, 0.5f, 0, all), 4);    // 3.5 -> 4
  EXPECT_EQ(Requantize(-5, 0.5f, 0, all), -2);  // -2.5 -> -2
  EXPECT_EQ(Requantize(5, 0.5f, 10, all), 12);
  EXPECT_EQ(Requantize(1 << 30, 1.f, 0, all), 127);
  EXPECT_EQ(Requantize(-(1 << 30), 1.f, 3, all), -128);
}

TEST(Int8Requantize, FusedReluAndRelu6AreClamps) {
  const QParams y{0.05f, -20};
  EXPECT_EQ(FusedBounds(Activation::kRelu, y).lo, -20);
  EXPECT_EQ(FusedBounds(Activation::kRelu, y).hi, 127);
  EXPECT_EQ(FusedBounds(Activation::kRelu6, y).hi, 100);  // -20 + 6 / 0.05
  EXPECT_EQ(FusedBounds(Activation::kNone, y).lo, -128);
  const QParams tiny{1.f, 120};
  EXPECT_EQ(FusedBounds(Activation::kRelu6, tiny).hi, 126);
}

TEST(Int8Requantize, ReductionBoundFitsInt32) {
  EXPECT_LE(kMaxInt8ReductionTerms * 255 * 128, int64_t{1} << 31);
  EXPECT_GT((kMaxInt8ReductionTerms + 2) * 255 * 128, int64_t{1} << 31);
}

struct ConvCase {
  int32_t h, w, c, out_c, k, stride, pad, dilation, multiplier;
  bool depthwise;
};

TEST(Int8Conv, AgreesWithFloatConvOfDequantizedValuesWithinOneUnit) {
  const std::vector<ConvCase> cases = {
      {7, 5, 3, 8, 3, 2, 1, 1, 1, false}, {6, 6, 17, 5, 1, 1, 0, 1, 1, false}, {9, 4, 4, 3, 3, 1, 2, 2, 1, false},
      {7, 5, 11, 11, 3, 1, 1, 1, 1, true}, {8, 9, 6, 12, 5, 2, 2, 1, 2, true}, {5, 5, 1, 1, 3, 2, 0, 1, 1, true}};
  uint32_t seed = 1;
  for (const ConvCase& cc : cases) {
    for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
      ConvGeometry g;
      g.in_h = cc.h; g.in_w = cc.w; g.in_c = cc.c;
      g.kernel_h = g.kernel_w = cc.k;
      g.stride_h = g.stride_w = cc.stride;
      g.dilation_h = g.dilation_w = cc.dilation;
      g.pad_top = g.pad_left = cc.pad;
      g.depth_multiplier = cc.multiplier;
      g.out_c = cc.depthwise ? cc.c * cc.multiplier : cc.out_c;
      const int32_t extent = (cc.k - 1) * cc.dilation + 1;
      g.out_h = (cc.h + 2 * cc.pad - extent) / cc.stride + 1;
      g.out_w = (cc.w + 2 * cc.pad - extent) / cc.stride + 1;
      const int32_t taps = cc.k * cc.k * (cc.depthwise ? 1 : cc.c);
      const QParams xq{0.02f, -7}, yq{0.05f, 3};
      std::vector<float> wscale(g.out_c);
      for (int32_t o = 0; o < g.out_c; ++o) wscale[o] = 0.004f + 0.001f * static_cast<float>(o % 5);
      const size_t wn = static_cast<size_t>(g.out_c) * taps;
      std::vector<int8_t> x = RandomS8(static_cast<size_t>(cc.h) * cc.w * cc.c, seed++), w = RandomS8(wn, seed++);
      std::vector<int32_t> bias(g.out_c);
      for (int32_t o = 0; o < g.out_c; ++o) bias[o] = (o * 397) % 2001 - 1000;
      std::vector<float> m(g.out_c), wf(wn), bf(g.out_c);
      for (int32_t o = 0; o < g.out_c; ++o) {
        m[o] = RequantScale(xq.scale, wscale[o], yq.scale);
        bf[o] = static_cast<float>(bias[o]) * xq.scale * wscale[o];
      }
      for (size_t i = 0; i < wn; ++i) {
        const size_t o = cc.depthwise ? i % g.out_c : i / taps;
        wf[i] = static_cast<float>(w[i]) * wscale[o];
      }
      const size_t yn = static_cast<size_t>(g.out_h) * g.out_w * g.out_c;
      std::vector<int8_t> y(yn);
      std::vector<float> yf(yn);
      const std::vector<float> xf = Dequantized(x, xq);
      const Int8Bounds bounds = FusedBounds(act, yq);
      if (cc.depthwise) {
        DepthwiseConv2DS8(g, x.data(), xq.zero_point, w.data(), bias.data(), m.data(), yq, bounds, y.data());
        DepthwiseConv2D(g, xf.data(), wf.data(), bf.data(), yf.data(), act);
      } else {
        Conv2DS8(g, x.data(), xq.zero_point, w.data(), bias.data(), m.data(), yq, bounds, y.data());
        Conv2D(g, xf.data(), wf.data(), bf.data(), yf.data(), act);
      }
      EXPECT_LE(MaxUnitDiff(y, yf, yq, bounds), 1) << "case " << seed;
      // The output depends on the input: a different input changes it.
      std::vector<int8_t> y2(yn);
      std::vector<int8_t> x2 = RandomS8(x.size(), seed + 1000);
      if (cc.depthwise) DepthwiseConv2DS8(g, x2.data(), xq.zero_point, w.data(), bias.data(), m.data(), yq, bounds, y2.data());
      else Conv2DS8(g, x2.data(), xq.zero_point, w.data(), bias.data(), m.data(), yq, bounds, y2.data());
      EXPECT_NE(y, y2);
    }
  }
}

TEST(Int8FullyConnected, AgreesWithFloatWithinOneUnit) {
  const int32_t batch = 2, in_c = 37, out_c = 9;
  const QParams xq{0.03f, 5}, yq{0.1f, -2};
  std::vector<int8_t> x = RandomS8(batch * in_c, 3), w = RandomS8(out_c * in_c, 4);
  std::vector<float> m(out_c), wf(w.size());
  for (int32_t o = 0; o < out_c; ++o) m[o] = RequantScale(xq.scale, 0.01f, yq.scale);
  for (size_t i = 0; i < w.size(); ++i) wf[i] = 0.01f * w[i];
  std::vector<int8_t> y(batch * out_c);
  std::vector<float> yf(y.size());
  FullyConnectedS8(batch, in_c, out_c, x.data(), xq.zero_point, w.data(), nullptr, m.data(), yq, {}, y.data());
  const std::vector<float> xf = Dequantized(x, xq);
  FullyConnected(batch, in_c, out_c, xf.data(), wf.data(), nullptr, yf.data(), Activation::kNone);
  EXPECT_LE(MaxUnitDiff(y, yf, yq), 1);
}

TEST(Int8Elementwise, MeanAddMulAndTablesAgreeWithFloatWithinOneUnit) {
  const QParams aq{0.02f, -3}, bq{0.05f, 10}, yq{0.04f, 1};
  const std::vector<int32_t> shape = {1, 3, 4, 5}, bshape = {1, 1, 1, 5};
  std::vector<int8_t> a = RandomS8(60, 7), b = RandomS8(5, 8), y(60);
  const std::vector<float> af = Dequantized(a, aq), bf = Dequantized(b, bq);
  std::vector<float> yf(60);
  for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kMul}) {
    BinaryS8(op, shape, a.data(), aq, bshape, b.data(), bq, shape, y.data(), yq, {});
    Binary(op, shape, af.data(), bshape, bf.data(), shape, yf.data(), Activation::kNone);
    EXPECT_LE(MaxUnitDiff(y, yf, yq), 1);
  }
  std::vector<int8_t> pooled(5);
  std::vector<float> pooled_f(5);
  GlobalAveragePoolS8(1, 3, 4, 5, a.data(), aq, yq, pooled.data());
  GlobalAveragePool(1, 3, 4, 5, af.data(), pooled_f.data());
  EXPECT_LE(MaxUnitDiff(pooled, pooled_f, yq), 1);
  for (Activation act : {Activation::kSigmoid, Activation::kSwish, Activation::kHardSwish, Activation::kRelu6}) {
    const QParams out{act == Activation::kSigmoid ? 1.f / 256 : 0.02f, act == Activation::kSigmoid ? -128 : -10};
    const Int8Table t = LookupTable([act](float v) { return ApplyActivation(v, act); }, aq, out);
    TableLookupS8(60, a.data(), t, y.data());
    for (size_t i = 0; i < 60; ++i) yf[i] = ApplyActivation(af[i], act);
    EXPECT_LE(MaxUnitDiff(y, yf, out), 0) << static_cast<int>(act);  // the table is exact by construction
  }
}

TEST(FloatFormats, Bf16RoundsToNearestEvenAndKeepsNaN) {
  EXPECT_EQ(F32ToBf16(1.f), 0x3f80);
  // 1 + 2^-8 is halfway between two bf16 values: ties to the even one (1.0).
  EXPECT_EQ(F32ToBf16(1.f + std::ldexp(1.f, -8)), 0x3f80);
  EXPECT_EQ(F32ToBf16(1.f + 3 * std::ldexp(1.f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(Bf16ToF32(F32ToBf16(NAN))));
  EXPECT_TRUE(std::isinf(RoundToBf16(3.4e38f)));  // rounds past the largest bf16
  EXPECT_EQ(RoundToF16(1.f / 3), 0.333251953125f);
  EXPECT_EQ(RoundToBf16(-2.5f), -2.5f);
}

}  // namespace
}  // namespace scalert::ref
