// Budget-trace replay (`scalert bench --family DIR --budget-trace ...`): the family is prepared
// and calibrated once, then each trace is run, frame by frame and for real, by the greedy and DP
// policies and by every member alone (static). Reports deadline misses, the mean accuracy proxy,
// switches and latency for each, whether each policy beats the static members as issue 21 asks,
// a table (markdown, CSV, JSON) and an SVG plot of member and latency over time.
#ifndef SCALERT_TOOLS_BENCH_REPLAY_H_
#define SCALERT_TOOLS_BENCH_REPLAY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/family.h"
#include "tools/bench/budget_trace.h"
#include "tools/bench/family.h"
#include "tools/bench/machine.h"
#include "tools/bench/options.h"

namespace scalert::bench {

struct ReplayFrame {
  int member = 0;
  double budget_ms = 0, total_ms = 0;
  bool met = false, switched = false;
};

// One way of running a trace: a policy ("greedy", "dp") or one member alone ("static φ2").
struct ReplayMode {
  std::string name;
  bool is_policy = false;
  int static_member = -1;
  std::vector<ReplayFrame> frames;
  // Summary of `frames`.
  int misses = 0, switches = 0;  // switches between frames of the trace (not into its first)
  double mean_accuracy = 0;  // mean over frames of the accuracy proxy of the member that ran
  double mean_ms = 0, p90_ms = 0;
};

// Does a policy beat the static members, as issue 21's acceptance puts it? It must miss fewer
// deadlines than every static member whose accuracy proxy is higher than the policy's mean,
// and reach a higher mean accuracy proxy than every static member that misses fewer.
struct Dominance {
  std::string policy;
  bool holds = true;
  std::vector<std::string> violations;  // one sentence per static member that breaks it
};

struct ReplayTraceResult {
  BudgetTrace trace;
  std::vector<ReplayMode> modes;       // greedy, dp, then static members cheapest first
  std::vector<Dominance> dominance;    // for greedy and dp
};

struct ReplayReport {
  MachineInfo machine;
  std::string backend;
  int threads = 1;
  int horizon = 8;
  std::vector<FamilyMember> members;   // as scanned (phi, file, counts)
  std::vector<FamilyMemberInfo> info;  // as the family sees them (latency, accuracy, arena)
  std::vector<std::vector<double>> switch_ms;
  int64_t arena_bytes = 0;
  bool shares_arena = false;
  std::vector<ReplayTraceResult> traces;
};

// Fills a mode's summary (misses, switches, mean accuracy, latency) from its frames.
void SummarizeMode(const std::vector<double>& accuracy, ReplayMode* mode);
// The acceptance check for one policy against the static modes of the same trace.
Dominance CheckDominance(const ReplayMode& policy, const std::vector<ReplayMode>& modes);

// Prepares and calibrates the family, builds the traces (generated ones span 1.2x the cheapest
// member's calibrated latency to 1.2x the largest's) and replays each.
absl::StatusOr<ReplayReport> RunReplay(const std::vector<FamilyMember>& members, const BenchOptions& options,
                                       const MachineInfo& machine, const ProgressFn& progress);

std::string ReplayMarkdown(const ReplayReport& r);
std::string ReplayCsv(const ReplayReport& r);  // one row per trace, mode and frame
std::string ReplayJson(const ReplayReport& r);
// Two panels over frames: budget and the policies' latencies (members' calibrated latencies as
// dashed lines), and which member each policy ran.
std::string ReplaySvg(const ReplayReport& r, const ReplayTraceResult& t);

// Writes bench_replay.{md,csv,json} and bench_replay_<trace>.svg into `out_dir`.
absl::StatusOr<std::vector<std::string>> WriteReplayFiles(const ReplayReport& r, const std::string& out_dir);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_REPLAY_H_
