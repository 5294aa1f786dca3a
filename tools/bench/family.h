// Family mode (`scalert bench --family DIR`): benchmark every member of a folder written by
// `scalert scale --phi 0:7 -o DIR` and write a table (markdown, CSV, JSON) and a latency-vs-MACs
// chart (SVG) that a person can open.
#ifndef SCALERT_TOOLS_BENCH_FAMILY_H_
#define SCALERT_TOOLS_BENCH_FAMILY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/machine.h"
#include "tools/bench/options.h"
#include "tools/bench/runner.h"

namespace scalert::bench {

struct FamilyMember {
  std::string path, file;   // full path, file name
  std::string family;       // from the metadata ("" when absent)
  double phi = 0;
  int32_t input_h = 0, input_w = 0;
  int64_t params_trained = 0, params_stored = 0, macs = 0;
};

// Every *.srm file in `dir`, loaded for its metadata and counts, sorted by (phi, MACs, name).
// A missing directory, an empty one or a file that does not load is an error naming it.
absl::StatusOr<std::vector<FamilyMember>> ScanFamily(const std::string& dir);

struct FamilyReport {
  std::vector<FamilyMember> members;
  std::vector<CandidateResult> results;  // member-major; ratios against the first member
  MachineInfo machine;
  MachinePeaks peaks;
  RunSettings settings;
};

// Benchmarks the members one after another (the backends, precisions and threads of one
// member are interleaved); `progress` gets one line per step.
absl::StatusOr<FamilyReport> RunFamily(const std::vector<FamilyMember>& members, const BenchOptions& options,
                                       const MachineInfo& machine, const ProgressFn& progress);

std::string FamilyMarkdown(const FamilyReport& r);
std::string FamilyCsv(const FamilyReport& r);
// {"machine", "results": [same entries as bench --json], "members": [{"model", "phi", "input_h",
//  "input_w", "params_trained", "params_stored", "macs"}], "settings", "skipped", "notes"}.
std::string FamilyJson(const FamilyReport& r);
// Log-log chart: one line per backend/precision/threads, one point per member, labelled by phi.
std::string FamilySvg(const FamilyReport& r);

// Writes bench_family.{md,csv,json,svg} into `out_dir` (created if missing); returns their paths.
absl::StatusOr<std::vector<std::string>> WriteFamilyFiles(const FamilyReport& r, const std::string& out_dir);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_FAMILY_H_
