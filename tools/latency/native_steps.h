// What the native backend runs for a graph, through the public runtime API (Model +
// Interpreter): its step labels, which steps do no work of their own (their work runs in a
// later fused step), and, for profile-device, per-step median times.
#ifndef SCALERT_TOOLS_LATENCY_NATIVE_STEPS_H_
#define SCALERT_TOOLS_LATENCY_NATIVE_STEPS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/model.h"
#include "runtime/types.h"

namespace scalert::latency {

// Steps whose time is nothing next to a later step with the same label: a step under 1 us and
// under 5% of the step that ends its run of equal labels (what BuildProfile also merges).
std::vector<bool> FindEmptySteps(const std::vector<std::string>& labels, const std::vector<double>& step_ms);

struct NativePlan {
  std::vector<std::string> labels;  // one per node
  std::vector<bool> empty;          // empty when no fusion was looked for
  Precision effective_precision = Precision::kF32;
  int64_t footprint_bytes = 0;      // weights + planned activation arena: what one inference touches
};

// Prepares `model` on the native backend. With `find_empty`, runs it twice with profiling on to
// see which steps are empty (only their being empty is used, never their times).
absl::StatusOr<NativePlan> DescribeNativePlan(std::shared_ptr<const Model> model, int threads, Precision precision,
                                              bool find_empty);

// A graph built in memory as a Model (serialized and loaded, so it passes the same validation).
absl::StatusOr<std::shared_ptr<const Model>> ModelFromGraph(const Graph& g, const std::string& name);

struct StepTimingSettings {
  int warmup = 2;
  int min_runs = 5;
  int max_runs = 25;        // per kind of run (warm, cold)
  double min_time_s = 0.1;  // of profiled runs, per kind
  int unprofiled_runs = 3;  // whole-graph runs without the per-step clock, for the report
  // > 0: also time cold runs: before each, read this many bytes of another buffer (evicting the
  // weights from the caches, as a network larger than the cache finds them) and then the graph's
  // input (which the previous step of a network has just written).
  int64_t evict_bytes = 0;
  // Before each warm run, read this many bytes (a few times the L2): inside a network a step
  // finds its weights and input in the last-level cache at best, not in L2 as a block run back
  // to back would. 0: nothing.
  int64_t warm_evict_bytes = 0;
};

struct StepTiming {
  std::vector<std::string> labels;
  std::vector<double> step_ms;       // median over the warm profiled runs, per node
  std::vector<double> step_ms_cold;  // median over the cold runs (empty without eviction)
  std::vector<bool> empty;
  double measured_ms = 0;       // median of unprofiled whole runs (back to back)
  Precision effective_precision = Precision::kF32;
};

// Times one graph on the native backend: profiled runs (per-step medians from the difference
// of Executable::profile() after each run) alternated with unprofiled ones.
absl::StatusOr<StepTiming> TimeSteps(std::shared_ptr<const Model> model, int threads, Precision precision,
                                     const StepTimingSettings& settings);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_NATIVE_STEPS_H_
