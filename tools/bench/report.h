// How bench results are shown: a fixed-width text table for people and the --json document
//   {"machine": {...}, "results": [{"model", "backend", "precision", "threads", "median_ms",
//    "mean_ms", "min_ms", "p90_ms", "p99_ms", "stddev_ms", "first_run_ms", "load_ms",
//    "prepare_ms", "peak_arena_bytes", "peak_rss_bytes", "ratio_to_baseline"}, ...],
//    "settings": {...}, "skipped": [...], "notes": [...]}
// plus "profiles" with --profile and "sustained" with --sustained.
#ifndef SCALERT_TOOLS_BENCH_REPORT_H_
#define SCALERT_TOOLS_BENCH_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/bench/machine.h"
#include "tools/bench/runner.h"

namespace scalert::bench {

// The keys of one entry of "results", in order (the documented, stable shape).
const std::vector<std::string>& ResultKeys();

// "fp32", or "fp16->fp32" when the backend ran another precision than was asked.
std::string PrecisionLabel(const CandidateResult& r);
// "model backend precision Nt".
std::string CandidateLabel(const CandidateResult& r);

// One entry of "results" (only for results without an error).
std::string ResultJson(const CandidateResult& r);

// Everything the command prints, as text (machine line, settings, table, baselines, skipped
// candidates, optional profile and sustained sections).
struct ReportInput {
  MachineInfo machine;
  MachinePeaks peaks;
  RunSettings settings;
  std::vector<CandidateResult> results;  // ratios computed
};
std::string TextReport(const ReportInput& in);
std::string JsonReport(const ReportInput& in);

// Text made safe for SVG/XML content and attribute values.
std::string XmlEscape(const std::string& s);
// The start of a chart: <svg> on a white background, a bold title and a grey subtitle at x = left.
std::string SvgOpen(double width, double height, double left, const std::string& title, const std::string& subtitle);

// Creates `out_dir` and writes each (file name, text) there atomically; returns the paths. The
// caller renders everything first, so a rendering problem leaves no file behind.
absl::StatusOr<std::vector<std::string>> WriteReportFiles(
    const std::string& out_dir, const std::vector<std::pair<std::string, std::string>>& files);

// The notes shown below the table (baseline choice, precision fallbacks, RSS meaning).
std::vector<std::string> ReportNotes(const ReportInput& in);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_REPORT_H_
