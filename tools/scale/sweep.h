// A family sweep (`scalert scale --phi 0:7 -o DIR`): one model file per member plus a summary
// table in markdown and CSV.
#ifndef SCALERT_TOOLS_SCALE_SWEEP_H_
#define SCALERT_TOOLS_SCALE_SWEEP_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/scale/scaler.h"

namespace scalert::scale {

struct SweepRow {
  std::string file;  // name inside the output directory
  ScaleSpec spec;
  int64_t params_trained = 0, params_stored = 0, macs = 0, weight_bytes = 0, peak_activation_bytes = 0;
  int32_t input_h = 0, input_w = 0;
  CostComparison cost;
};

// The file name of one member: "<family>_phi<P>.srm".
std::string SweepFileName(const ScaleSpec& spec);

// One row from a built member.
SweepRow MakeSweepRow(const ScaledModel& m, const CostComparison& cost);

std::string SweepMarkdown(const std::vector<SweepRow>& rows);
std::string SweepCsv(const std::vector<SweepRow>& rows);

// Resolves every member first (so a bad member writes nothing), then builds and writes each
// model atomically into `dir` (created if missing) and writes summary.md and summary.csv.
// `progress` (may be null) is called with each finished row.
absl::StatusOr<std::vector<SweepRow>> RunSweep(const ScaleRequest& request, const std::vector<double>& phis,
                                               const std::string& dir,
                                               const std::function<void(const SweepRow&)>& progress = nullptr);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_SWEEP_H_
