#include "runtime/family_policy.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace scalert {

const char* FamilyPolicyName(FamilyPolicy p) {
  switch (p) {
    case FamilyPolicy::kGreedy: return "greedy";
    case FamilyPolicy::kDynamic: return "dp";
    case FamilyPolicy::kStatic: return "static";
  }
  return "?";
}

bool ParseFamilyPolicy(const std::string& name, FamilyPolicy* out) {
  if (name == "greedy") *out = FamilyPolicy::kGreedy;
  else if (name == "dp") *out = FamilyPolicy::kDynamic;
  else if (name == "static") *out = FamilyPolicy::kStatic;
  else return false;
  return true;
}

MarginLearner::MarginLearner(int window, double quantile)
    : ratios_(static_cast<size_t>(std::max(window, 1)), 0.0),
      sorted_(ratios_.size(), 0.0),
      quantile_(std::clamp(quantile, 0.0, 1.0)) {}

void MarginLearner::Reset() {
  next_ = count_ = 0;
  margin_ = 1.0;
}

void MarginLearner::Observe(double predicted_ms, double observed_ms) {
  // Written as negations so that NaN is rejected too.
  if (!(predicted_ms > 0) || !(observed_ms > 0) || !std::isfinite(predicted_ms) || !std::isfinite(observed_ms))
    return;
  ratios_[next_] = observed_ms / predicted_ms;
  next_ = (next_ + 1) % ratios_.size();
  count_ = std::min(count_ + 1, ratios_.size());
  std::copy(ratios_.begin(), ratios_.begin() + static_cast<std::ptrdiff_t>(count_), sorted_.begin());
  std::sort(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(count_));
  const double pos = quantile_ * static_cast<double>(count_ - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, count_ - 1);
  const double q = sorted_[lo] + (pos - static_cast<double>(lo)) * (sorted_[hi] - sorted_[lo]);
  margin_ = std::clamp(q, 0.5, 4.0);
}

int GreedyChoose(const std::vector<double>& predicted_ms, double margin, double budget_ms) {
  int best = 0;
  for (size_t i = 0; i < predicted_ms.size(); ++i)
    if (predicted_ms[i] * margin <= budget_ms) best = static_cast<int>(i);
  return best;
}

void DpPlan(const DpProblem& p, DpScratch* scratch, std::vector<int>* plan_out) {
  const int n = static_cast<int>(p.predicted_ms.size());
  const int horizon = static_cast<int>(p.budgets_ms.size());
  std::vector<int>& plan = *plan_out;
  plan.assign(static_cast<size_t>(std::max(horizon, 0)), 0);
  if (n == 0 || horizon == 0) return;
  const bool capped = p.total_budget_ms > 0;
  const int buckets = capped ? std::max(p.time_buckets, 1) : 0;  // bucket index 0..buckets
  const double quantum = capped ? p.total_budget_ms / buckets : 1;
  const double none = -std::numeric_limits<double>::infinity();
  DpScratch local;
  DpScratch& s = scratch ? *scratch : local;
  const size_t layer = static_cast<size_t>(n) * static_cast<size_t>(buckets + 1);
  s.value.assign(layer * static_cast<size_t>(horizon), none);
  s.choice.assign(s.value.size(), -1);
  auto at = [&](int t, int j, int b) { return (static_cast<size_t>(t) * n + j) * (buckets + 1) + b; };
  auto frame_ms = [&](int prev, int j) {
    const bool switched = prev >= 0 && prev != j && static_cast<size_t>(prev) < p.switch_ms.size() &&
                          static_cast<size_t>(j) < p.switch_ms[prev].size();
    return p.predicted_ms[j] + (switched ? std::max(0.0, p.switch_ms[prev][j]) : 0.0);
  };
  // Nearest bucket: a plan may exceed the cap by at most half a bucket per frame.
  auto cost_buckets = [&](double ms) { return capped ? static_cast<int>(std::lround(ms / quantum)) : 0; };
  auto gain = [&](int t, int j, double ms) {
    const double acc = static_cast<size_t>(j) < p.accuracy.size() ? p.accuracy[j] : j;
    // A late frame earns no accuracy, and the later the worse: when every member misses, the
    // cheapest wins.
    return ms > p.budgets_ms[t] ? -(p.miss_penalty + ms - p.budgets_ms[t]) : acc;
  };

  for (int j = 0; j < n; ++j) {
    const double ms = frame_ms(p.previous, j);
    const int c = cost_buckets(ms);
    if (c <= buckets) s.value[at(0, j, c)] = gain(0, j, ms);
  }
  for (int t = 1; t < horizon; ++t)
    for (int k = 0; k < n; ++k)
      for (int b = 0; b <= buckets; ++b) {
        const double v = s.value[at(t - 1, k, b)];
        if (v == none) continue;
        for (int j = 0; j < n; ++j) {
          const double ms = frame_ms(k, j);
          const int nb = b + cost_buckets(ms);
          if (nb > buckets) continue;
          const double w = v + gain(t, j, ms);
          if (w > s.value[at(t, j, nb)]) {
            s.value[at(t, j, nb)] = w;
            s.choice[at(t, j, nb)] = k;
          }
        }
      }
  int bj = -1, bb = -1;
  double best = none;
  for (int j = 0; j < n; ++j)
    for (int b = 0; b <= buckets; ++b)
      if (s.value[at(horizon - 1, j, b)] > best) {
        best = s.value[at(horizon - 1, j, b)];
        bj = j;
        bb = b;
      }
  if (bj < 0) return;  // nothing fits the total budget: the cheapest member throughout
  for (int t = horizon - 1; t >= 0; --t) {
    plan[t] = bj;
    if (t == 0) break;
    const int k = s.choice[at(t, bj, bb)];
    bb -= cost_buckets(frame_ms(k, bj));
    bj = k;
  }
}

void ForecastBudgets(const std::vector<double>& history, int horizon, std::vector<double>* out) {
  out->clear();
  if (history.empty() || horizon <= 0) return;
  const size_t n = history.size();
  const size_t k = std::min<size_t>(n - 1, 4);
  const double last = history.back();
  const double slope = k > 0 ? (last - history[n - 1 - k]) / static_cast<double>(k) : 0.0;
  const auto [lo, hi] = std::minmax_element(history.begin(), history.end());
  for (int i = 0; i < horizon; ++i) out->push_back(std::clamp(last + slope * i, *lo, *hi));
}

double EfficientNetAccuracyProxy(int64_t macs) {
  // Tan & Le 2019, Table 2 (arXiv v5): FLOPs (multiply-adds) and ImageNet top-1 of B0..B7.
  static const double kGmacs[] = {0.39, 0.70, 1.0, 1.8, 4.2, 9.9, 19, 37};
  static const double kTop1[] = {77.1, 79.1, 80.1, 81.6, 82.9, 83.6, 84.0, 84.3};
  constexpr int kN = 8;
  if (macs <= 0) return 0;
  const double x = std::log(static_cast<double>(macs) / 1e9);
  int seg = 0;  // segment [seg, seg + 1] containing x, or the end one beyond the table
  while (seg < kN - 2 && x > std::log(kGmacs[seg + 1])) ++seg;
  const double x0 = std::log(kGmacs[seg]), x1 = std::log(kGmacs[seg + 1]);
  const double y = kTop1[seg] + (x - x0) * (kTop1[seg + 1] - kTop1[seg]) / (x1 - x0);
  return std::clamp(y, 0.0, 100.0);
}

}  // namespace scalert
