// The candidate space and the choice: hardware-friendly rounding holds for every candidate,
// duplicates after rounding are dropped, the Pareto front and the budgeted choice are right on
// hand-made sets, and the chart is well-formed SVG.
#include "tools/search/search_space.h"

#include "gtest/gtest.h"
#include "tools/scale/network_builder.h"
#include "tools/search/pareto_svg.h"

namespace scalert::search {
namespace {

TEST(SearchSpaceTest, RoundingHelpers) {
  EXPECT_EQ(RoundToMultiple(250, 32), 256);
  EXPECT_EQ(RoundToMultiple(10, 32), 32);
  EXPECT_EQ(RoundToMultiple(227, 8), 224);
  EXPECT_EQ(ChannelDivisorForIsa("avx2"), 8);
  EXPECT_EQ(ChannelDivisorForIsa("avx512"), 16);
  EXPECT_EQ(ChannelDivisorForIsa("neon"), 8);
}

TEST(SearchSpaceTest, MobileNetCandidatesAreHardwareFriendly) {
  SpaceOptions o;
  o.family = "mobilenet_v2";
  o.width_min = 0.3;
  o.width_max = 1.0;
  o.width_step = 0.1;
  o.res_multiple = 32;
  o.divisor = 16;
  auto specs = EnumerateSpace(o);
  ASSERT_TRUE(specs.ok()) << specs.status();
  EXPECT_GT(specs->size(), 20u);
  for (const scale::ScaleSpec& s : *specs) {
    EXPECT_EQ(s.network.input_h % 32, 0);
    EXPECT_GE(s.network.input_h, 96);
    EXPECT_LE(s.network.input_h, 320);
    auto plan = scale::PlanNetwork(s.network);
    ASSERT_TRUE(plan.ok());
    for (const scale::BlockPlan& b : plan->blocks) {
      EXPECT_EQ(b.out % 16, 0) << DescribeSpec(s);
      EXPECT_EQ(b.expanded % 16, 0) << DescribeSpec(s);
    }
  }
}

TEST(SearchSpaceTest, EfficientNetCoefficients) {
  SpaceOptions o;
  o.family = "efficientnet";
  o.phi_max = 2;
  o.phi_step = 0.5;
  auto fixed = EnumerateSpace(o);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->size(), 5u);  // phi 0, 0.5, ..., 2
  for (const scale::ScaleSpec& s : *fixed) {
    EXPECT_EQ(s.network.input_h % 8, 0);
    EXPECT_DOUBLE_EQ(s.coefficients.alpha, 1.2);
  }
  o.free_coefficients = true;
  auto free = EnumerateSpace(o);
  ASSERT_TRUE(free.ok());
  EXPECT_GT(free->size(), fixed->size() * 5);
  for (const scale::ScaleSpec& s : *free) {
    const auto& c = s.coefficients;
    EXPECT_NEAR(c.alpha * c.beta * c.beta * c.gamma * c.gamma, 2.0, 1e-9);
    EXPECT_GE(c.gamma, 1.0);
  }
  o.res_multiple = 12;
  EXPECT_FALSE(EnumerateSpace(o).ok());
}

TEST(SearchSpaceTest, DuplicatesAfterRoundingAreKeptOnce) {
  SpaceOptions o;
  o.family = "mobilenet_v2";
  o.width_min = 0.5;
  o.width_max = 0.51;
  o.width_step = 0.005;  // 0.5, 0.505, 0.51 all round to the same channels
  o.res_min = 224;
  o.res_max = 224;
  auto specs = EnumerateSpace(o);
  ASSERT_TRUE(specs.ok());
  EXPECT_EQ(specs->size(), 1u);
}

TEST(ParetoTest, FrontAndChoice) {
  // latency, accuracy, memory, utility
  std::vector<Scored> c = {{10, 70, 5, 0}, {12, 69, 5, 0}, {15, 75, 9, 0}, {8, 65, 3, 0}, {20, 74, 12, 0},
                           {25, 78, 20, 0}};
  const std::vector<size_t> front = ParetoFront(c);
  EXPECT_EQ(front, (std::vector<size_t>{3, 0, 2, 5}));
  EXPECT_EQ(Choose(c, 16, false), 2);
  EXPECT_EQ(Choose(c, 9, false), 3);
  EXPECT_EQ(Choose(c, 5, false), -1);
  EXPECT_EQ(Choose(c, 0, false), 5);
  for (Scored& s : c) s.utility = Utility(s, 0.5, 0.1);
  EXPECT_DOUBLE_EQ(c[0].utility, 70 - 5 - 0.5);
  EXPECT_EQ(Choose(c, 0, true), 2);  // 75 - 7.5 - 0.9 beats 70 - 5 - 0.5 and 78 - 12.5 - 2
  EXPECT_EQ(Choose(c, 9.5, true), 3);
}

TEST(ParetoTest, ChartIsWellFormed) {
  ChartInput in;
  in.title = "a <b> & c";
  in.candidates = {{10, 70, 5, 0}, {15, 75, 9, 0}};
  in.front = {0, 1};
  in.chosen = {1, -1, 7};
  in.budgets_ms = {16};
  const std::string svg = ParetoSvg(in);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("a &lt;b&gt; &amp; c"), std::string::npos);
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("budget 16 ms"), std::string::npos);
  EXPECT_NE(svg.find("chosen"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  ChartInput empty;
  EXPECT_NE(ParetoSvg(empty).find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace scalert::search
