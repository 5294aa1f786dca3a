// Runs benchmark candidates (model x backend x precision x threads) the way a comparison
// stays fair on a noisy machine: every candidate is loaded and prepared, run once cold, warmed
// up, then timed in interleaved rounds (A B A B ...) until every candidate has both a minimum
// number of runs and a minimum accumulated time.
#ifndef SCALERT_TOOLS_BENCH_RUNNER_H_
#define SCALERT_TOOLS_BENCH_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/model.h"
#include "runtime/types.h"
#include "tools/bench/stats.h"

namespace scalert::bench {

struct CandidateSpec {
  std::string model;    // path as given
  std::string backend;
  Precision precision = Precision::kF32;  // requested
  int threads = 1;
  std::string max_isa;  // native only: --isa cap ("" = best)
  std::string fusion;   // native only: --fusion policy ("" = the default)
  // The backend with its variant, e.g. "native[avx2,fusion=off]", for tables and notes.
  std::string label() const;
};

struct RunSettings {
  int64_t warmup = 3;
  int64_t min_iters = 10;
  double min_time_s = 1.0;   // per candidate, summed over its timed runs
  double sustained_s = 0;    // > 0: run all candidates for this wall time instead
  bool profile = false;      // after timing, a separate profiled pass of min_iters runs
  uint32_t seed = 0;         // random inputs in [-1, 1)
};

struct CandidateResult {
  CandidateSpec spec;
  std::string error;                 // non-empty: the candidate was skipped, this says why
  Precision effective_precision = Precision::kF32;  // what the backend actually ran
  LatencyStats stats;                // over the timed runs (cold and warm-up runs excluded)
  std::vector<double> samples_ms;    // timed runs in order
  std::vector<double> sample_end_s;  // when each timed run ended, seconds since timing began
  double first_run_ms = 0;           // the first Invoke after Prepare (cold caches, lazy setup)
  double load_ms = 0;                // Model::Load of this file (once per file, shared)
  double prepare_ms = 0;             // Interpreter::Create: passes, packing, memory plan
  int64_t arena_bytes = 0;           // Executable::arena_bytes()
  int64_t peak_rss_bytes = 0;        // process peak RSS once this candidate was set up
  std::vector<StepProfile> profile;  // per step, from the profiled pass (if asked)
  int64_t profile_runs = 0;
  std::shared_ptr<const Model> model;  // kept with --profile: fused blocks' bytes need the graph
  // Filled by ComputeRatios.
  int baseline = -1;                 // index of the baseline result
  double ratio_to_baseline = 0;
};

// Called with a short status text ("setting up 2/4: ...", "timing: round 7") while it runs.
using ProgressFn = std::function<void(const std::string&)>;

// Checks the settings: warmup >= 0, min_iters >= 1, min_time > 0, sustained >= 0.
absl::Status ValidateSettings(const RunSettings& s);

// Runs every candidate. Model files that cannot be loaded are an error for the whole call;
// a candidate its backend refuses (precision, op) is returned with `error` set and no timings.
absl::StatusOr<std::vector<CandidateResult>> RunCandidates(const std::vector<CandidateSpec>& specs,
                                                           const RunSettings& settings,
                                                           const ProgressFn& progress = nullptr);

// The baseline for each result: the first model's xnnpack FP32 (effective) candidate with the
// same threads; else the first model's first candidate with the same threads; else the first
// result. Sets `baseline` and `ratio_to_baseline` (median / baseline median) on results
// without an error.
void ComputeRatios(std::vector<CandidateResult>* results);

// Process peak resident set size in bytes (getrusage).
int64_t ProcessPeakRssBytes();

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_RUNNER_H_
