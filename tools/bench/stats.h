// Summary statistics of a latency sample: what `scalert bench` prints for every candidate.
#ifndef SCALERT_TOOLS_BENCH_STATS_H_
#define SCALERT_TOOLS_BENCH_STATS_H_

#include <cstddef>
#include <vector>

namespace scalert::bench {

struct LatencyStats {
  size_t count = 0;
  double median = 0, mean = 0, min = 0, max = 0, p90 = 0, p99 = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 for a single sample
};

// Percentile q in [0, 100] of `sorted` (ascending), interpolating linearly between the two
// closest ranks (rank = q/100 * (n - 1)), as numpy's default does. 0 for an empty sample.
double Percentile(const std::vector<double>& sorted, double q);

// Statistics of `samples` (any order). All zero for an empty sample.
LatencyStats Summarize(std::vector<double> samples);

// Median of `samples` (any order); 0 for an empty sample.
double Median(std::vector<double> samples);

// Latency over time for sustained mode (a phone that heats up and throttles).
struct SustainedSeries {
  std::vector<double> per_second_median_ms;  // bucket k holds runs that ended in [k, k+1) s
  double first10_median_ms = 0;  // median of the first 10% of runs (at least one run)
  double last10_median_ms = 0;   // median of the last 10% of runs
  double drift_pct = 0;          // (last10 - first10) / first10 * 100; positive = slower
};

// `ms[i]` is run i's latency and `end_s[i]` when it ended (seconds since the start, ascending).
// Empty buckets (a run longer than a second) repeat no value: they are skipped.
SustainedSeries Sustained(const std::vector<double>& ms, const std::vector<double>& end_s);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_STATS_H_
