// Statistics bench prints, checked against values computed by hand.
#include "tools/bench/stats.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/bench/mini_json.h"

namespace scalert::bench {
namespace {

TEST(BenchStatsTest, FiveSamplesInAnyOrder) {
  // Sorted: 1 2 3 4 5. Mean 3; squared deviations 4+1+0+1+4 = 10, / (n-1) = 2.5.
  LatencyStats s = Summarize({4, 1, 3, 5, 2});
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  // p90: rank 0.9 * 4 = 3.6 -> 4 + 0.6 * (5 - 4); p99: rank 3.96.
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.p99, 4.96);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.5));
}

TEST(BenchStatsTest, EvenCountMedianInterpolates) {
  LatencyStats s = Summarize({10, 2, 4, 8});
  EXPECT_DOUBLE_EQ(s.median, 6);  // between 4 and 8
  EXPECT_DOUBLE_EQ(s.mean, 6);
  // Deviations -4 -2 2 4 -> 40 / 3.
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(40.0 / 3.0));
  // p90: rank 2.7 -> 8 + 0.7 * 2.
  EXPECT_DOUBLE_EQ(s.p90, 9.4);
}

TEST(BenchStatsTest, SingleAndEmptySamples) {
  LatencyStats one = Summarize({7.5});
  EXPECT_EQ(one.count, 1u);
  EXPECT_DOUBLE_EQ(one.median, 7.5);
  EXPECT_DOUBLE_EQ(one.p99, 7.5);
  EXPECT_DOUBLE_EQ(one.stddev, 0);
  LatencyStats none = Summarize({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_DOUBLE_EQ(none.median, 0);
  EXPECT_DOUBLE_EQ(none.mean, 0);
}

TEST(BenchStatsTest, PercentileEnds) {
  const std::vector<double> sorted = {1, 3, 9};
  EXPECT_DOUBLE_EQ(Percentile(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(Percentile(sorted, 100), 9);
  EXPECT_DOUBLE_EQ(Percentile(sorted, 75), 6);  // rank 1.5
  EXPECT_DOUBLE_EQ(Percentile({}, 50), 0);
}

TEST(BenchStatsTest, SustainedBucketsAndDrift) {
  // 20 runs: the first ten end in second 0 at 10 ms, the next ten in second 1 at 12 ms.
  std::vector<double> ms, end_s;
  for (int i = 0; i < 20; ++i) {
    ms.push_back(i < 10 ? 10.0 : 12.0);
    end_s.push_back(0.05 + 0.1 * i);
  }
  ms[3] = 30;  // one outlier in the first second moves the mean, not the median
  SustainedSeries s = Sustained(ms, end_s);
  ASSERT_EQ(s.per_second_median_ms.size(), 2u);
  EXPECT_DOUBLE_EQ(s.per_second_median_ms[0], 10);
  EXPECT_DOUBLE_EQ(s.per_second_median_ms[1], 12);
  // 10% of 20 runs = the first two (10, 10) and the last two (12, 12): +20%.
  EXPECT_DOUBLE_EQ(s.first10_median_ms, 10);
  EXPECT_DOUBLE_EQ(s.last10_median_ms, 12);
  EXPECT_DOUBLE_EQ(s.drift_pct, 20);
}

TEST(BenchStatsTest, SustainedFewRunsUsesAtLeastOne) {
  SustainedSeries s = Sustained({4, 5, 8}, {0.5, 2.5, 2.9});
  ASSERT_EQ(s.per_second_median_ms.size(), 2u);  // seconds 0 and 2; the empty second 1 is skipped
  EXPECT_DOUBLE_EQ(s.per_second_median_ms[1], 6.5);
  EXPECT_DOUBLE_EQ(s.first10_median_ms, 4);
  EXPECT_DOUBLE_EQ(s.last10_median_ms, 8);
  EXPECT_DOUBLE_EQ(s.drift_pct, 100);
}

TEST(MiniJsonTest, ReadsWhatItShould) {
  testing::JsonValue v;
  ASSERT_TRUE(testing::JsonReader::Parse(R"({"a": [1, 2.5, "x\"y"], "b": {"c": null, "d": true}})", &v));
  ASSERT_EQ(v.keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(v.get("a")->array[2].string, "x\"y");
  EXPECT_TRUE(v.get("b")->get("d")->boolean);
  EXPECT_FALSE(testing::JsonReader::Parse(R"({"a": })", &v));
  EXPECT_FALSE(testing::JsonReader::Parse(R"({"a": 1} x)", &v));
}

}  // namespace
}  // namespace scalert::bench
