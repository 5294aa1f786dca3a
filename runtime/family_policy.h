// Policies that pick a family member for each frame, as pure functions over predicted latencies
// (no clock, no models), so they are unit-tested with synthetic numbers. The Family object
// (family.h) measures and feeds them.
//
// Members are indexed 0..n-1 from the cheapest to the most accurate.
#ifndef SCALERT_RUNTIME_FAMILY_POLICY_H_
#define SCALERT_RUNTIME_FAMILY_POLICY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace scalert {

enum class FamilyPolicy {
  kGreedy,   // the most accurate member whose predicted latency x margin fits this frame's budget
  kDynamic,  // dynamic programming over a horizon of frames, with switch costs and a total budget
  kStatic,   // always the same member (a baseline for comparisons)
};
const char* FamilyPolicyName(FamilyPolicy p);
bool ParseFamilyPolicy(const std::string& name, FamilyPolicy* out);

// Learns a multiplicative safety margin from observed / predicted latency ratios: the q-quantile
// of the last `window` ratios (1 until the first observation), clamped to [0.5, 4]. A busy or
// throttled CPU raises it within a few frames; it falls back once frames are fast again.
class MarginLearner {
 public:
  explicit MarginLearner(int window = 32, double quantile = 0.9);
  void Observe(double predicted_ms, double observed_ms);  // ignores non-finite or non-positive values
  double margin() const { return margin_; }
  void Reset();

 private:
  std::vector<double> ratios_;  // ring buffer
  std::vector<double> sorted_;  // scratch, preallocated: Observe does not allocate
  size_t next_ = 0, count_ = 0;
  double quantile_;
  double margin_ = 1.0;
};

// Greedy: the highest index i with predicted_ms[i] * margin <= budget_ms; 0 when none fits.
int GreedyChoose(const std::vector<double>& predicted_ms, double margin, double budget_ms);

// One horizon for the dynamic-programming policy.
struct DpProblem {
  std::vector<double> predicted_ms;               // per member, margin already applied
  std::vector<std::vector<double>> switch_ms;     // [from][to]: extra time of the first run after a switch
  std::vector<double> accuracy;                   // per member (the objective)
  std::vector<double> budgets_ms;                 // per frame of the horizon (forecast); size = horizon
  int previous = -1;                              // member that ran last (-1: none, no switch cost)
  double total_budget_ms = 0;                     // cap on the horizon's summed time; <= 0: none
  double miss_penalty = 1000;                     // gain lost by a predicted deadline miss
  int time_buckets = 128;                         // resolution of the total-budget dimension
};

// Scratch for DpPlan so that repeated calls do not allocate (sized on first use).
struct DpScratch {
  std::vector<double> value;
  std::vector<int32_t> choice;
};

// Maximizes the horizon's summed gain, where a frame's time is predicted_ms[j] plus
// switch_ms[prev][j] when the member changes, and its gain is accuracy[j] when that time meets
// the frame's budget, else -(miss_penalty + overrun ms) (a late frame is worth nothing, and the
// cheapest member wins when every one misses); subject to the summed
// time staying within total_budget_ms (discretized into time_buckets). Writes the member for
// each frame of the horizon into *plan (the caller runs the first and re-plans next frame). When
// no plan meets the total budget, every frame gets member 0. Allocates only while the scratch
// and *plan grow.
void DpPlan(const DpProblem& p, DpScratch* scratch, std::vector<int>* plan);

// Forecast of the next `horizon` budgets (into *out; [0] is the last budget itself) from the
// recent ones, oldest first: the last budget extended by the recent linear trend, clamped to
// [min, max] of the history. Empty history: an empty forecast.
void ForecastBudgets(const std::vector<double>& history, int horizon, std::vector<double>* out);

// Accuracy proxy for a network of `macs` multiply-accumulates: ImageNet top-1 (%) of
// EfficientNet-B0..B7 against their FLOPs (which the paper counts as multiply-adds), from Tan &
// Le, "EfficientNet: Rethinking Model Scaling for CNNs", ICML 2019, Table 2 (arXiv:1905.11946v5),
// interpolated linearly in log(MACs); beyond the ends, the end segments' slopes, clamped to
// [0, 100]. A proxy for ranking members, not a prediction of a given model's accuracy.
double EfficientNetAccuracyProxy(int64_t macs);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_FAMILY_POLICY_H_
