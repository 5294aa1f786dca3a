// Budget traces for `scalert bench --family DIR --budget-trace ...`: one time budget (ms) per
// frame, read from a file or generated (steady, sawtooth, throttling) across a latency range.
#ifndef SCALERT_TOOLS_BENCH_BUDGET_TRACE_H_
#define SCALERT_TOOLS_BENCH_BUDGET_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::bench {

struct BudgetTrace {
  std::string name;             // "sawtooth", or the file's name
  std::vector<double> budgets;  // ms per frame, each finite and > 0
};

// True for the generated kinds: steady, sawtooth, throttling.
bool IsGeneratedTrace(const std::string& name);

// A generated trace of `frames` budgets between lo_ms and hi_ms (0 < lo <= hi):
//   steady:     the geometric mean of lo and hi, +-3% jitter;
//   sawtooth:   ramps from lo to hi over a quarter of the frames (at least 8), then drops back;
//   throttling: hi for the first 20% of frames, then an exponential fall (time constant 10% of
//               the frames) to lo + 20% of the range, where it stays, +-5% jitter: a phone that
//               heats up and lowers its clocks leaves less time per frame.
// Jitter is seeded, so a trace is reproducible.
absl::StatusOr<BudgetTrace> GenerateTrace(const std::string& kind, int frames, double lo_ms, double hi_ms,
                                          uint32_t seed);

// Reads one budget in ms per line; blank lines and lines starting with '#' are skipped. A value
// that is not a finite number > 0 is an error naming the line.
absl::StatusOr<BudgetTrace> ReadTraceFile(const std::string& path);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_BUDGET_TRACE_H_
