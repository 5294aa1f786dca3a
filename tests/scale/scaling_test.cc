// The scaling rules as pure functions.
#include "tools/scale/scaling.h"

#include <cmath>

#include <gtest/gtest.h>

namespace scalert::scale {
namespace {

TEST(MakeDivisible, RoundsToNearestMultiple) {
  EXPECT_EQ(MakeDivisible(32, 8), 32);
  EXPECT_EQ(MakeDivisible(35.2, 8), 32);  // 32 * 1.1
  EXPECT_EQ(MakeDivisible(36, 8), 40);    // halfway rounds up, as int(v + d/2)
  EXPECT_EQ(MakeDivisible(44.8, 8), 48);  // 32 * 1.4
  EXPECT_EQ(MakeDivisible(3, 8), 8);      // never below the divisor
  EXPECT_EQ(MakeDivisible(24 * 0.35, 8), 8);
  EXPECT_EQ(MakeDivisible(17, 1), 17);
  EXPECT_EQ(MakeDivisible(10, 4, 12), 12);  // explicit minimum
}

TEST(MakeDivisible, NeverBelowNinetyPercentAndAlwaysAMultiple) {
  for (int divisor : {1, 2, 4, 8, 16, 32})
    for (double v = 1; v < 2000; v += 0.37) {
      int32_t r = MakeDivisible(v, divisor);
      EXPECT_GE(r, 0.9 * v) << "value " << v << " divisor " << divisor;
      EXPECT_EQ(r % divisor, 0) << "value " << v << " divisor " << divisor;
      EXPECT_GE(r, divisor);
    }
}

TEST(MakeDivisible, AddsADivisorWhenRoundingDownLosesMoreThanTenPercent) {
  // 27 -> nearest multiple of 16 is 32 (fine); 23 -> 16 would lose 30%, so 32.
  EXPECT_EQ(MakeDivisible(23, 16), 32);
  // 100 with divisor 64: nearest 128 (int(100 + 32) // 64 * 64 = 128).
  EXPECT_EQ(MakeDivisible(100, 64), 128);
  // 90 with divisor 64: nearest 64, which is 71% of 90 -> 128.
  EXPECT_EQ(MakeDivisible(90, 64), 128);
}

TEST(ScaleRepeats, RoundsUp) {
  EXPECT_EQ(ScaleRepeats(1, 1.0), 1);
  EXPECT_EQ(ScaleRepeats(3, 1.1), 4);  // 3.3 -> 4
  EXPECT_EQ(ScaleRepeats(2, 1.1), 3);  // 2.2 -> 3
  EXPECT_EQ(ScaleRepeats(4, 3.1), 13);  // 12.4 -> 13
  EXPECT_EQ(ScaleRepeats(4, 0.5), 2);
  EXPECT_EQ(ScaleRepeats(1, 0.1), 1);  // never zero
  for (int n = 1; n < 10; ++n)
    for (double d = 0.1; d < 5; d += 0.13) EXPECT_GE(ScaleRepeats(n, d), n * d - 1e-9);
}

TEST(ScaleResolution, MultipleOfEight) {
  EXPECT_EQ(ScaleResolution(224, 1.0), 224);
  EXPECT_EQ(ScaleResolution(224, 1.15), 256);  // 257.6
  EXPECT_EQ(ScaleResolution(224, 0.571), 128);  // 127.9
  EXPECT_EQ(ScaleResolution(224, 0.01), 8);
  for (double m = 0.2; m < 4; m += 0.07) {
    int32_t r = ScaleResolution(224, m);
    EXPECT_EQ(r % 8, 0);
    EXPECT_LE(std::abs(r - 224 * m), 4.0 + 1e-9);
  }
}

TEST(Compound, MultipliersAndFlopsFactor) {
  CompoundCoefficients c;  // 1.2, 1.1, 1.15
  Multipliers m = CompoundMultipliers(0, c);
  EXPECT_DOUBLE_EQ(m.depth, 1);
  EXPECT_DOUBLE_EQ(m.width, 1);
  EXPECT_DOUBLE_EQ(m.resolution, 1);
  m = CompoundMultipliers(2, c);
  EXPECT_DOUBLE_EQ(m.depth, 1.44);
  EXPECT_DOUBLE_EQ(m.width, 1.21);
  EXPECT_NEAR(m.resolution, 1.3225, 1e-12);
  EXPECT_NEAR(FlopsGrowthPerPhi(c), 1.2 * 1.21 * 1.3225, 1e-12);  // ~1.92, "about 2" in the paper
  EXPECT_NEAR(PredictedFlopsFactor(3, c), std::pow(1.92027, 3), 1e-3);
  EXPECT_NEAR(IdealCostFactor(m), PredictedFlopsFactor(2, c), 1e-12);
}

TEST(Presets, OfficialCoefficients) {
  struct P { const char* name; double w, d; int r; };
  const P expected[] = {{"b0", 1.0, 1.0, 224}, {"b1", 1.0, 1.1, 240}, {"b2", 1.1, 1.2, 260},
                        {"b3", 1.2, 1.4, 300}, {"b4", 1.4, 1.8, 380}, {"b5", 1.6, 2.2, 456},
                        {"b6", 1.8, 2.6, 528}, {"b7", 2.0, 3.1, 600}, {"lite0", 1.0, 1.0, 224},
                        {"lite1", 1.0, 1.1, 240}, {"lite2", 1.1, 1.2, 260}, {"lite3", 1.2, 1.4, 280},
                        {"lite4", 1.4, 1.8, 300}};
  for (const P& e : expected) {
    const Preset* p = FindPreset(e.name);
    ASSERT_NE(p, nullptr) << e.name;
    EXPECT_EQ(p->width, e.w) << e.name;
    EXPECT_EQ(p->depth, e.d) << e.name;
    EXPECT_EQ(p->resolution, e.r) << e.name;
    EXPECT_STREQ(p->family, e.name[0] == 'b' ? "efficientnet" : "efficientnet_lite");
  }
  EXPECT_EQ(Presets().size(), 13u);
  EXPECT_EQ(FindPreset("b8"), nullptr);
  EXPECT_EQ(FindPreset(""), nullptr);
}

TEST(ParseResolution, AcceptsNAndHxW) {
  auto r = ParseResolution("224");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 224);
  EXPECT_EQ(r->second, 224);
  r = ParseResolution("240x320");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, 240);
  EXPECT_EQ(r->second, 320);
  for (const char* bad : {"", "x", "1.15", "-224", "224x", "x224", "224x224x3", "abc", "99999999999"}) {
    auto b = ParseResolution(bad);
    EXPECT_FALSE(b.ok()) << bad;
  }
  EXPECT_NE(std::string(ParseResolution("1.15").status().message()).find("--rho"), std::string::npos);
}

TEST(ParsePhiList, NumbersAndRanges) {
  auto p = ParsePhiList("3");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, std::vector<double>{3});
  p = ParsePhiList("1.5");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, std::vector<double>{1.5});
  p = ParsePhiList("0:7");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 8u);
  EXPECT_EQ(p->front(), 0);
  EXPECT_EQ(p->back(), 7);
  for (const char* bad : {"", "a", "7:0", "-1:3", "0:", ":3", "1.5:3", "nan"}) EXPECT_FALSE(ParsePhiList(bad).ok()) << bad;
}

}  // namespace
}  // namespace scalert::scale
