// The member-picking policies as pure functions over synthetic latencies (no clock involved).
#include "runtime/family_policy.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace scalert {
namespace {

TEST(FamilyPolicy, NamesRoundTrip) {
  for (FamilyPolicy p : {FamilyPolicy::kGreedy, FamilyPolicy::kDynamic, FamilyPolicy::kStatic}) {
    FamilyPolicy q;
    ASSERT_TRUE(ParseFamilyPolicy(FamilyPolicyName(p), &q));
    EXPECT_EQ(p, q);
  }
  FamilyPolicy q;
  EXPECT_FALSE(ParseFamilyPolicy("fastest", &q));
}

TEST(GreedyChoose, LargestMemberThatFitsWithTheMargin) {
  const std::vector<double> ms = {5, 10, 20, 40};
  EXPECT_EQ(GreedyChoose(ms, 1.0, 100), 3);
  EXPECT_EQ(GreedyChoose(ms, 1.0, 25), 2);
  EXPECT_EQ(GreedyChoose(ms, 1.0, 20), 2);   // exactly on the budget fits
  EXPECT_EQ(GreedyChoose(ms, 1.5, 25), 1);   // 20 x 1.5 = 30 does not
  EXPECT_EQ(GreedyChoose(ms, 1.0, 1), 0);    // nothing fits: the cheapest
  EXPECT_EQ(GreedyChoose(ms, 1.0, std::numeric_limits<double>::quiet_NaN()), 0);
}

TEST(MarginLearner, LearnsTheQuantileOfObservedOverPredicted) {
  MarginLearner m(10, 0.9);
  EXPECT_DOUBLE_EQ(m.margin(), 1.0);
  for (int i = 0; i < 10; ++i) m.Observe(10, 15);
  EXPECT_NEAR(m.margin(), 1.5, 1e-12);
  // Ratios 1.0 .. 1.9: the 0.9 quantile interpolates between the two largest.
  for (int i = 0; i < 10; ++i) m.Observe(10, 10 + i);
  EXPECT_NEAR(m.margin(), 1.81, 1e-9);
  // A slow spell raises it; once the window holds only fast frames it falls back.
  for (int i = 0; i < 3; ++i) m.Observe(10, 30);
  EXPECT_GT(m.margin(), 2.5);
  for (int i = 0; i < 10; ++i) m.Observe(10, 10);
  EXPECT_NEAR(m.margin(), 1.0, 1e-12);
}

TEST(MarginLearner, IgnoresBadSamplesClampsAndResets) {
  MarginLearner m(4, 0.5);
  m.Observe(10, std::numeric_limits<double>::quiet_NaN());
  m.Observe(0, 10);
  m.Observe(10, -1);
  m.Observe(10, std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(m.margin(), 1.0);
  m.Observe(1, 100);
  EXPECT_DOUBLE_EQ(m.margin(), 4.0);
  m.Observe(100, 1);
  m.Observe(100, 1);
  m.Observe(100, 1);
  EXPECT_DOUBLE_EQ(m.margin(), 0.5);
  m.Reset();
  EXPECT_DOUBLE_EQ(m.margin(), 1.0);
}

DpProblem TwoMembers(std::vector<double> budgets, double switch_cost) {
  DpProblem p;
  p.predicted_ms = {5, 20};
  p.accuracy = {77, 82};
  p.switch_ms = {{0, switch_cost}, {switch_cost, 0}};
  p.budgets_ms = std::move(budgets);
  p.previous = 0;
  return p;
}

std::vector<int> Plan(const DpProblem& p) {
  std::vector<int> plan;
  DpScratch scratch;
  DpPlan(p, &scratch, &plan);
  return plan;
}

TEST(DpPlan, WithoutSwitchCostsItIsGreedyPerFrame) {
  EXPECT_EQ(Plan(TwoMembers({10, 30, 10, 30}, 0)), (std::vector<int>{0, 1, 0, 1}));
}

TEST(DpPlan, SkipsAnUpgradeWhoseSwitchCostWouldMissTheDeadline) {
  // Upgrading for frame 1 costs 20 + 15 > 30: a miss, so it stays on member 0 ...
  EXPECT_EQ(Plan(TwoMembers({10, 30, 10, 10}, 15)), (std::vector<int>{0, 0, 0, 0}));
  // ... but a long enough high-budget spell pays for the switch after the first frame.
  EXPECT_EQ(Plan(TwoMembers({40, 30, 30, 30}, 15)), (std::vector<int>{1, 1, 1, 1}));
  // Switching down before a low-budget frame is planned, not discovered late.
  DpProblem p = TwoMembers({40, 40, 12, 12}, 5);
  p.previous = 1;
  EXPECT_EQ(Plan(p), (std::vector<int>{1, 1, 0, 0}));
}

TEST(DpPlan, TotalBudgetCapsTheHorizonsRunningTime) {
  DpProblem p = TwoMembers({30, 30, 30, 30}, 0);
  EXPECT_EQ(Plan(p), (std::vector<int>{1, 1, 1, 1}));
  p.total_budget_ms = 50;  // 2 x 20 + 2 x 5 fits, 3 x 20 + 5 does not
  std::vector<int> plan = Plan(p);
  int big = 0;
  for (int m : plan) big += m;
  EXPECT_EQ(big, 2);
  p.total_budget_ms = 10;  // not even 4 x 5: the cheapest throughout
  EXPECT_EQ(Plan(p), (std::vector<int>{0, 0, 0, 0}));
}

TEST(DpPlan, WhenEveryMemberMissesTheCheapestRuns) {
  EXPECT_EQ(Plan(TwoMembers({1, 1}, 0)), (std::vector<int>{0, 0}));
}

TEST(DpPlan, EmptyInputsGiveAnEmptyPlan) {
  DpProblem p;
  EXPECT_TRUE(Plan(p).empty());
}

TEST(ForecastBudgets, ExtendsTheRecentTrendWithinTheSeenRange) {
  std::vector<double> f;
  ForecastBudgets({20, 20, 20}, 3, &f);
  EXPECT_EQ(f, (std::vector<double>{20, 20, 20}));
  ForecastBudgets({10, 20, 30, 40, 50}, 4, &f);
  EXPECT_EQ(f, (std::vector<double>{50, 50, 50, 50}));  // rising, clamped to the max seen
  ForecastBudgets({50, 40, 30, 20, 10}, 3, &f);
  EXPECT_EQ(f, (std::vector<double>{10, 10, 10}));
  ForecastBudgets({10, 50, 40, 30, 20}, 3, &f);  // the trend of the last four frames
  EXPECT_EQ(f, (std::vector<double>{20, 22.5, 25}));
  ForecastBudgets({7}, 2, &f);
  EXPECT_EQ(f, (std::vector<double>{7, 7}));
  ForecastBudgets({}, 2, &f);
  EXPECT_TRUE(f.empty());
}

TEST(AccuracyProxy, EfficientNetPaperPointsAndInterpolation) {
  EXPECT_NEAR(EfficientNetAccuracyProxy(390'000'000), 77.1, 1e-9);
  EXPECT_NEAR(EfficientNetAccuracyProxy(1'800'000'000), 81.6, 1e-9);
  EXPECT_NEAR(EfficientNetAccuracyProxy(37'000'000'000), 84.3, 1e-9);
  // Halfway in log(MACs) between B0 and B1.
  EXPECT_NEAR(EfficientNetAccuracyProxy(static_cast<int64_t>(std::sqrt(0.39e9 * 0.70e9))), 78.1, 1e-6);
  double last = 0;
  for (int64_t macs = 50'000'000; macs < 100'000'000'000; macs *= 2) {
    const double a = EfficientNetAccuracyProxy(macs);
    EXPECT_GT(a, last) << macs;
    EXPECT_LE(a, 100.0);
    last = a;
  }
  EXPECT_EQ(EfficientNetAccuracyProxy(0), 0);
  EXPECT_GE(EfficientNetAccuracyProxy(1), 0);
}

}  // namespace
}  // namespace scalert
