// The INT8 elementwise kernels (Add, Mul by a per-channel gate, global mean, tables) against the
// reference of kernels/reference/quantized.h, bit for bit, over odd sizes and zero points.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/quantized.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert::kernels {
namespace {

using scalert::testing::RandomInt8;

TEST(ElementwiseS8Kernels, AddAndChannelMulMatchTheReference) {
  const auto add = testing::RunnableKernels<KernelOp::kAdd, KernelDType::kS8>();
  const auto mul = testing::RunnableKernels<KernelOp::kMulChannel, KernelDType::kS8>();
  ASSERT_FALSE(add.empty());
  ASSERT_FALSE(mul.empty());
  uint32_t seed = 3;
  for (int32_t pixels : {1, 7, 49})
    for (int32_t c : {1, 15, 24, 67})
      for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kRelu6}) {
        const ref::QParams aq{0.03f, static_cast<int32_t>(seed % 90) - 45}, bq{0.05f, static_cast<int32_t>(seed % 31) - 15},
            yq{0.07f, static_cast<int32_t>(seed % 41) - 20};
        const std::vector<int8_t> a = RandomInt8(static_cast<size_t>(pixels) * c, seed++);
        const std::vector<int8_t> b = RandomInt8(static_cast<size_t>(pixels) * c, seed++);
        const ref::Int8Bounds bounds = ref::FusedBounds(act, yq);
        const std::vector<int32_t> shape = {1, pixels, 1, c}, gate_shape = {1, 1, 1, c};
        std::vector<int8_t> want_add(a.size()), want_mul(a.size()), got(a.size());
        ref::BinaryS8(ref::BinaryOp::kAdd, shape, a.data(), aq, shape, b.data(), bq, shape, want_add.data(), yq, bounds);
        ref::BinaryS8(ref::BinaryOp::kMul, shape, a.data(), aq, gate_shape, b.data(), bq, shape, want_mul.data(), yq,
                      bounds);
        BinaryS8Params p{aq.zero_point, bq.zero_point, ref::BinaryFactors(ref::BinaryOp::kAdd, aq, bq, yq),
                         MakeRequantS8(yq, bounds)};
        for (const auto& k : add) {
          k.fn(static_cast<int64_t>(a.size()), a.data(), b.data(), got.data(), p);
          ASSERT_EQ(got, want_add) << k.name;
        }
        p.f = ref::BinaryFactors(ref::BinaryOp::kMul, aq, bq, yq);
        for (const auto& k : mul) {
          k.fn(pixels, c, a.data(), b.data(), got.data(), p);
          ASSERT_EQ(got, want_mul) << k.name;
        }
      }
}

// f32 -> int8 at the graph's boundaries: halves (ties to even), values past the range both ways,
// infinities and NaN (-> -128), odd lengths.
TEST(ElementwiseS8Kernels, QuantizeMatchesTheReference) {
  const auto quantize = testing::RunnableKernels<KernelOp::kQuantize, KernelDType::kS8>();
  ASSERT_FALSE(quantize.empty());
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-3.f, 3.f);
  for (int32_t n : {1, 15, 16, 17, 100})
    for (const ref::QParams q : {ref::QParams{0.01f, 0}, ref::QParams{0.023f, -37}, ref::QParams{0.5f, 127}}) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = u(rng);
      const float specials[] = {0.f, 0.5f * q.scale, 1.5f * q.scale, -2.5f * q.scale, 1e30f, -1e30f, INFINITY, -INFINITY, NAN};
      for (size_t i = 0; i < x.size() && i < std::size(specials); ++i) x[x.size() - 1 - i] = specials[i];
      std::vector<int8_t> want(x.size()), got(x.size());
      ref::Quantize(n, x.data(), want.data(), q.scale, q.zero_point);
      std::vector<int8_t> shifted(x.size());
      ref::Quantize(n, x.data(), shifted.data(), q.scale * 2, q.zero_point);
      if (n > 8) { ASSERT_NE(want, shifted); }  // the output depends on the scale
      for (const auto& k : quantize) {
        k.fn(n, x.data(), q.scale, q.zero_point, got.data());
        ASSERT_EQ(got, want) << k.name << " n=" << n << " zp=" << q.zero_point;
      }
    }
}

TEST(ElementwiseS8Kernels, GlobalMeanAndTablesMatchTheReference) {
  const auto pool = testing::RunnableKernels<KernelOp::kGlobalAvgPool, KernelDType::kS8>();
  const auto lookup = testing::RunnableKernels<KernelOp::kActivation, KernelDType::kS8>();
  ASSERT_FALSE(pool.empty());
  ASSERT_FALSE(lookup.empty());
  uint32_t seed = 11;
  for (auto [h, w] : {std::pair{1, 1}, std::pair{7, 9}, std::pair{14, 14}})
    for (int32_t c : {1, 17, 70, 130}) {
      const ref::QParams xq{0.02f, static_cast<int32_t>(seed % 100) - 50}, yq{0.01f, static_cast<int32_t>(seed % 21) - 10};
      const std::vector<int8_t> x = RandomInt8(static_cast<size_t>(h) * w * c, seed++);
      std::vector<int8_t> want(c), got(c, 0x55);
      ref::GlobalAveragePoolS8(1, h, w, c, x.data(), xq, yq, want.data());
      const float m = static_cast<float>(static_cast<double>(xq.scale) / (static_cast<double>(yq.scale) * h * w));
      for (const auto& k : pool) {
        // Two channel ranges, as threads split it.
        k.fn(int64_t{h} * w, c, x.data(), xq.zero_point, m, MakeRequantS8(yq, ref::Int8Bounds{}), got.data(), 0, c / 2);
        k.fn(int64_t{h} * w, c, x.data(), xq.zero_point, m, MakeRequantS8(yq, ref::Int8Bounds{}), got.data(), c / 2, c);
        ASSERT_EQ(got, want) << k.name << " " << h << "x" << w << " c " << c;
      }
      const ref::Int8Table table =
          ref::LookupTable([](float v) { return ApplyActivation(v, Activation::kSwish); }, xq, yq);
      std::vector<int8_t> want_t(x.size()), got_t(x.size());
      ref::TableLookupS8(static_cast<int64_t>(x.size()), x.data(), table, want_t.data());
      for (const auto& k : lookup) {
        k.fn(static_cast<int64_t>(x.size()), x.data(), table.data(), got_t.data());
        ASSERT_EQ(got_t, want_t) << k.name;
      }
    }
}

}  // namespace
}  // namespace scalert::kernels
