#include "tools/bench/stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace scalert::bench {

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 100.0);
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

LatencyStats Summarize(std::vector<double> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  s.min = samples.front();
  s.max = samples.back();
  s.median = Percentile(samples, 50);
  s.p90 = Percentile(samples, 90);
  s.p99 = Percentile(samples, 99);
  double sum = 0;
  for (double v : samples) sum += v;
  s.mean = sum / static_cast<double>(s.count);
  if (s.count > 1) {
    double sq = 0;
    for (double v : samples) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(s.count - 1));
  }
  return s;
}

double Median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return Percentile(samples, 50);
}

SustainedSeries Sustained(const std::vector<double>& ms, const std::vector<double>& end_s) {
  SustainedSeries r;
  const size_t n = std::min(ms.size(), end_s.size());
  if (n == 0) return r;
  std::vector<double> bucket;
  int64_t current = static_cast<int64_t>(std::floor(end_s[0]));
  for (size_t i = 0; i < n; ++i) {
    const int64_t sec = static_cast<int64_t>(std::floor(end_s[i]));
    if (sec != current) {
      r.per_second_median_ms.push_back(Median(bucket));
      bucket.clear();
      current = sec;
    }
    bucket.push_back(ms[i]);
  }
  r.per_second_median_ms.push_back(Median(bucket));
  const size_t tenth = std::max<size_t>(1, n / 10);
  r.first10_median_ms = Median(std::vector<double>(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(tenth)));
  r.last10_median_ms = Median(std::vector<double>(ms.begin() + static_cast<std::ptrdiff_t>(n - tenth),
                                                  ms.begin() + static_cast<std::ptrdiff_t>(n)));
  r.drift_pct = r.first10_median_ms > 0 ? (r.last10_median_ms - r.first10_median_ms) / r.first10_median_ms * 100 : 0;
  return r;
}

}  // namespace scalert::bench
