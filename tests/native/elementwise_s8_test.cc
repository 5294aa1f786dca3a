// The INT8 elementwise kernels (Add, Mul by a per-channel gate, global mean, tables) against the
// reference of kernels/reference/quantized.h, bit for bit, over odd sizes and zero points.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/quantized.h"
#include "kernels/portable/kernels_s8.h"
#include "kernels/registry.h"
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

// Lengths and channel counts around the 16-byte vectors (and the 64-channel passes of the mean):
// every kernel writes exactly its outputs (guard bytes past them stay untouched) and matches the
// reference for several zero points and scales.
constexpr int32_t kSizes[] = {1, 3, 15, 16, 17, 31, 33, 63, 64, 65, 100, 130};
constexpr int8_t kGuard = 0x5a;

std::vector<int8_t> Guarded(size_t n) { return std::vector<int8_t>(n + 16, kGuard); }
void ExpectGuardIntact(const std::vector<int8_t>& v, size_t n, const std::string& what) {
  for (size_t i = n; i < v.size(); ++i) ASSERT_EQ(v[i], kGuard) << what << ": wrote past the end at " << i;
}

TEST(ElementwiseS8Kernels, BinarySizesAroundTheVectorWidth) {
  const auto add = testing::RunnableKernels<KernelOp::kAdd, KernelDType::kS8>();
  const auto mul = testing::RunnableKernels<KernelOp::kMulChannel, KernelDType::kS8>();
  uint32_t seed = 101;
  for (int32_t c : kSizes)
    for (int32_t pixels : {1, 3})
      for (const auto& [azp, bzp, yzp, ys] : {std::tuple{0, 0, 0, 0.07f}, std::tuple{-128, 127, -5, 0.02f},
                                             std::tuple{37, -90, 100, 0.3f}}) {
        const ref::QParams aq{0.03f, azp}, bq{0.05f, bzp}, yq{ys, yzp};
        const size_t n = static_cast<size_t>(pixels) * c;
        const std::vector<int8_t> a = RandomInt8(n, seed++), b = RandomInt8(n, seed++);
        const std::vector<int32_t> shape = {1, pixels, 1, c}, gate_shape = {1, 1, 1, c};
        std::vector<int8_t> want_add(n), want_mul(n);
        ref::BinaryS8(ref::BinaryOp::kAdd, shape, a.data(), aq, shape, b.data(), bq, shape, want_add.data(), yq, {});
        ref::BinaryS8(ref::BinaryOp::kMul, shape, a.data(), aq, gate_shape, b.data(), bq, shape, want_mul.data(), yq,
                      {});
        BinaryS8Params p{azp, bzp, ref::BinaryFactors(ref::BinaryOp::kAdd, aq, bq, yq), MakeRequantS8(yq, {})};
        for (const auto& k : add) {
          std::vector<int8_t> got = Guarded(n);
          k.fn(static_cast<int64_t>(n), a.data(), b.data(), got.data(), p);
          ExpectGuardIntact(got, n, k.name);
          got.resize(n);
          ASSERT_EQ(got, want_add) << k.name << " n " << n << " zp " << azp;
        }
        p.f = ref::BinaryFactors(ref::BinaryOp::kMul, aq, bq, yq);
        for (const auto& k : mul) {
          std::vector<int8_t> got = Guarded(n);
          k.fn(pixels, c, a.data(), b.data(), got.data(), p);
          ExpectGuardIntact(got, n, k.name);
          got.resize(n);
          ASSERT_EQ(got, want_mul) << k.name << " " << pixels << "x" << c << " zp " << azp;
        }
      }
}

// The gate Mul runs over whole pixels (a vector spans pixels when the channels do not fill it):
// SE widths, channel counts of either parity and past the kernels' gate blocks, in place, zero
// points at the extremes, fused bounds, and factors large enough that products overflow int32
// when scaled (saturate high) or NaN (-> lo).
TEST(ElementwiseS8Kernels, ChannelMulAcrossPixelsInPlaceAndExtremes) {
  const auto mul = testing::RunnableKernels<KernelOp::kMulChannel, KernelDType::kS8>();
  ASSERT_FALSE(mul.empty());
  uint32_t seed = 404;
  for (int32_t c : {2, 5, 32, 33, 96, 144, 672, 1152, 2047, 2048, 2049, 4100})
    for (int32_t pixels : {1, 3, 29})
      for (const auto& [azp, bzp, yzp] : {std::tuple{-128, 127, 0}, std::tuple{127, -128, -128}, std::tuple{5, -3, 127}})
        for (Activation act : {Activation::kNone, Activation::kRelu6})
          for (float factor : {0.f, 1.f, 1e9f, NAN}) {  // 0: the reference's factor
            const ref::QParams aq{0.03f, azp}, bq{0.05f, bzp}, yq{0.02f, yzp};
            const size_t n = static_cast<size_t>(pixels) * c;
            const std::vector<int8_t> a = RandomInt8(n, seed++), b = RandomInt8(static_cast<size_t>(c), seed++);
            const ref::Int8Bounds bounds = ref::FusedBounds(act, yq);
            BinaryS8Params p{azp, bzp, ref::BinaryFactors(ref::BinaryOp::kMul, aq, bq, yq), MakeRequantS8(yq, bounds)};
            if (factor != 0.f) p.f.a = factor;
            std::vector<int8_t> want(n);
            mul_channel_s8_portable(pixels, c, a.data(), b.data(), want.data(), p);
            if (factor == 0.f) {  // the portable kernel is the reference's arithmetic
              std::vector<int8_t> ref_y(n);
              ref::BinaryS8(ref::BinaryOp::kMul, {1, pixels, 1, c}, a.data(), aq, {1, 1, 1, c}, b.data(), bq,
                            {1, pixels, 1, c}, ref_y.data(), yq, bounds);
              ASSERT_EQ(want, ref_y) << c;
            }
            for (const auto& k : mul) {
              std::vector<int8_t> got = Guarded(n);
              k.fn(pixels, c, a.data(), b.data(), got.data(), p);
              ExpectGuardIntact(got, n, k.name);
              got.resize(n);
              ASSERT_EQ(got, want) << k.name << " " << pixels << "x" << c << " zp " << azp << " f " << factor;
              std::vector<int8_t> in_place = a;  // y == x (the fused step gates in place)
              k.fn(pixels, c, in_place.data(), b.data(), in_place.data(), p);
              ASSERT_EQ(in_place, want) << k.name << " in place " << pixels << "x" << c;
            }
          }
}

TEST(ElementwiseS8Kernels, TablesAndQuantizeSizesAroundTheVectorWidth) {
  const auto lookup = testing::RunnableKernels<KernelOp::kActivation, KernelDType::kS8>();
  const auto quantize = testing::RunnableKernels<KernelOp::kQuantize, KernelDType::kS8>();
  uint32_t seed = 202;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-4.f, 4.f);
  for (int32_t n : kSizes) {
    for (Activation act : {Activation::kSigmoid, Activation::kSwish, Activation::kHardSwish}) {
      const ref::QParams xq{0.04f, static_cast<int32_t>(seed % 60) - 30}, yq{0.01f, static_cast<int32_t>(seed % 25) - 12};
      const ref::Int8Table table = ref::LookupTable([act](float v) { return ApplyActivation(v, act); }, xq, yq);
      const std::vector<int8_t> x = RandomInt8(static_cast<size_t>(n), seed++);
      std::vector<int8_t> want(static_cast<size_t>(n));
      ref::TableLookupS8(n, x.data(), table, want.data());
      for (const auto& k : lookup) {
        std::vector<int8_t> got = Guarded(static_cast<size_t>(n));
        k.fn(n, x.data(), table.data(), got.data());
        ExpectGuardIntact(got, static_cast<size_t>(n), k.name);
        got.resize(static_cast<size_t>(n));
        ASSERT_EQ(got, want) << k.name << " n " << n;
        std::vector<int8_t> in_place = x;  // y == x is allowed
        k.fn(n, in_place.data(), table.data(), in_place.data());
        ASSERT_EQ(in_place, want) << k.name << " in place, n " << n;
      }
    }
    for (const ref::QParams q : {ref::QParams{0.02f, 0}, ref::QParams{0.013f, -128}, ref::QParams{0.1f, 127},
                                 ref::QParams{0.031f, 55}}) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = u(rng);
      // Ties, infinities and NaN at the start (vector body) and the end (tail).
      const float specials[] = {NAN, INFINITY, -INFINITY, 0.5f * q.scale, -2.5f * q.scale, -0.f, 1e30f};
      for (size_t i = 0; i < x.size() && i < std::size(specials); ++i) {
        x[i] = specials[i];
        x[x.size() - 1 - i] = specials[std::size(specials) - 1 - i];
      }
      std::vector<int8_t> want(x.size());
      ref::Quantize(n, x.data(), want.data(), q.scale, q.zero_point);
      for (const auto& k : quantize) {
        std::vector<int8_t> got = Guarded(x.size());
        k.fn(n, x.data(), q.scale, q.zero_point, got.data());
        ExpectGuardIntact(got, x.size(), k.name);
        got.resize(x.size());
        ASSERT_EQ(got, want) << k.name << " n " << n << " zp " << q.zero_point;
      }
    }
  }
}

// Channel counts around 16 and 64, ranges split at odd channels, more than 256 pixels (sums past
// what an int16 holds; 667 pixels: the AVX-512 kernel's runs of 256 and a partial one), and inputs
// pinned at -128 and 127.
TEST(ElementwiseS8Kernels, GlobalMeanChannelsAndExtremes) {
  const auto pool = testing::RunnableKernels<KernelOp::kGlobalAvgPool, KernelDType::kS8>();
  uint32_t seed = 303;
  for (int32_t c : kSizes)
    for (auto [h, w] : {std::pair{1, 3}, std::pair{16, 16}, std::pair{17, 19}, std::pair{23, 29}})
      for (int fill : {0, -128, 127}) {
        const ref::QParams xq{0.02f, fill == 0 ? static_cast<int32_t>(seed % 200) - 100 : -fill / 2},
            yq{0.015f, static_cast<int32_t>(seed % 31) - 15};
        std::vector<int8_t> x = RandomInt8(static_cast<size_t>(h) * w * c, seed++);
        if (fill != 0) std::fill(x.begin(), x.end(), static_cast<int8_t>(fill));
        std::vector<int8_t> want(static_cast<size_t>(c));
        ref::GlobalAveragePoolS8(1, h, w, c, x.data(), xq, yq, want.data());
        const float m = static_cast<float>(static_cast<double>(xq.scale) / (static_cast<double>(yq.scale) * h * w));
        for (const auto& k : pool) {
          std::vector<int8_t> got = Guarded(static_cast<size_t>(c));
          const int32_t mid = c / 3;
          k.fn(int64_t{h} * w, c, x.data(), xq.zero_point, m, MakeRequantS8(yq, {}), got.data(), 0, mid);
          k.fn(int64_t{h} * w, c, x.data(), xq.zero_point, m, MakeRequantS8(yq, {}), got.data(), mid, c);
          ExpectGuardIntact(got, static_cast<size_t>(c), k.name);
          got.resize(static_cast<size_t>(c));
          ASSERT_EQ(got, want) << k.name << " " << h << "x" << w << " c " << c << " fill " << fill;
        }
      }
}

TEST(ElementwiseS8Kernels, ArmLevelsRunTheNeonKernels) {
#if defined(SCALERT_KERNELS_ARM)
  const std::pair<KernelOp, const char*> ops[] = {{KernelOp::kAdd, "add_s8_neon"},
                                                  {KernelOp::kMulChannel, "mul_channel_s8_neon"},
                                                  {KernelOp::kGlobalAvgPool, "global_avg_pool_s8_neon"},
                                                  {KernelOp::kActivation, "lookup_s8_neon"},
                                                  {KernelOp::kQuantize, "quantize_f32_s8_neon"}};
  for (Isa isa : {Isa::kNeon, Isa::kNeonFp16, Isa::kNeonDot, Isa::kNeonFhm, Isa::kNeonI8mm})
    for (const auto& [op, name] : ops) {
      const KernelEntry* e = KernelRegistry::Global().FindEntry(op, KernelDType::kS8, isa);
      ASSERT_NE(e, nullptr) << IsaName(isa);
      EXPECT_EQ(e->name, name) << IsaName(isa);
    }
#else
  GTEST_SKIP() << "not an arm64 build";
#endif
}

}  // namespace
}  // namespace scalert::kernels
