#include "tools/bench/report.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/model_format.h"
#include "runtime/version.h"
#include "tools/bench/profile.h"
#include "tools/json.h"

namespace scalert::bench {
namespace {

using tools::JsonArray;
using tools::JsonObject;
using tools::JsonString;

// Keeps the end of a path (the file name), marking the cut with ASCII so widths stay aligned.
std::string Shorten(const std::string& s, size_t width) {
  return s.size() <= width ? s : "..." + s.substr(s.size() - (width - 3));
}

// Milliseconds with 4 significant digits: 0.005213, 0.4217, 12.35, 1234.
std::string Ms(double v) {
  return v >= 1000 ? absl::StrFormat("%.0f", v) : absl::StrFormat("%.4g", v);
}

JsonObject CandidateJson(const CandidateResult& r) {
  JsonObject o;
  o.Str("model", r.spec.model).Str("backend", r.spec.backend);
  return o;
}

}  // namespace

const std::vector<std::string>& ResultKeys() {
  static const std::vector<std::string> keys = {
      "model",  "backend", "isa", "fusion", "precision", "threads",      "median_ms", "mean_ms",          "min_ms",         "p90_ms",
      "p99_ms", "stddev_ms", "first_run_ms", "load_ms", "prepare_ms", "peak_arena_bytes", "peak_rss_bytes",
      "ratio_to_baseline"};
  return keys;
}

namespace {
// fp32, the default, asked of a lowered file (`scalert quantize`) runs it at the file's own
// precision: not a fallback.
bool RanAsAsked(const CandidateResult& r) {
  return r.effective_precision == r.spec.precision || r.spec.precision == Precision::kF32;
}
}  // namespace

std::string PrecisionLabel(const CandidateResult& r) {
  if (!r.error.empty()) return PrecisionName(r.spec.precision);
  if (RanAsAsked(r)) return PrecisionName(r.effective_precision);
  return absl::StrCat(PrecisionName(r.spec.precision), "->", PrecisionName(r.effective_precision));
}

std::string CandidateLabel(const CandidateResult& r) {
  return absl::StrCat(r.spec.model, " ", r.spec.label(), " ", PrecisionLabel(r), " ", r.spec.threads, "t");
}

std::string ResultJson(const CandidateResult& r) {
  // "precision" is what ran (effective); a fallback is listed under "notes".
  return JsonObject()
      .Str("model", r.spec.model)
      .Str("backend", r.spec.backend)
      .Str("isa", r.spec.max_isa)
      .Str("fusion", r.spec.fusion)
      .Str("precision", PrecisionName(r.effective_precision))
      .Int("threads", r.spec.threads)
      .Num("median_ms", r.stats.median)
      .Num("mean_ms", r.stats.mean)
      .Num("min_ms", r.stats.min)
      .Num("p90_ms", r.stats.p90)
      .Num("p99_ms", r.stats.p99)
      .Num("stddev_ms", r.stats.stddev)
      .Num("first_run_ms", r.first_run_ms)
      .Num("load_ms", r.load_ms)
      .Num("prepare_ms", r.prepare_ms)
      .Int("peak_arena_bytes", r.arena_bytes)
      .Int("peak_rss_bytes", r.peak_rss_bytes)
      .Num("ratio_to_baseline", r.ratio_to_baseline)
      .str();
}

std::vector<std::string> ReportNotes(const ReportInput& in) {
  std::vector<std::string> notes;
  std::vector<int> baselines;
  for (const CandidateResult& r : in.results)
    if (r.error.empty() && std::find(baselines.begin(), baselines.end(), r.baseline) == baselines.end())
      baselines.push_back(r.baseline);
  for (int b : baselines) {
    const CandidateResult& base = in.results[static_cast<size_t>(b)];
    const bool is_xnnpack = base.spec.backend == "xnnpack" && base.effective_precision == Precision::kF32;
    notes.push_back(absl::StrCat("ratio baseline for ", base.spec.threads, " thread(s): ", CandidateLabel(base),
                                 is_xnnpack ? " (xnnpack FP32 of the first model)"
                                            : " (no xnnpack FP32 candidate of the first model: its first candidate)"));
  }
  for (const CandidateResult& r : in.results)
    if (r.error.empty() && !RanAsAsked(r))
      notes.push_back(absl::StrCat(r.spec.model, " ", r.spec.label(), ": asked for ", PrecisionName(r.spec.precision),
                                   ", the backend ran ", PrecisionName(r.effective_precision)));
  return notes;
}

std::string TextReport(const ReportInput& in) {
  std::string s = absl::StrCat("machine: ", MachineLine(in.machine), "\n");
  absl::StrAppend(&s, PeaksText(in.peaks));
  if (in.settings.sustained_s > 0)
    absl::StrAppend(&s, absl::StrFormat("scalert %s; sustained %g s after %d warm-up runs, candidates interleaved\n",
                                        SCALERT_VERSION_STRING, in.settings.sustained_s, in.settings.warmup));
  else
    absl::StrAppend(&s, absl::StrFormat("scalert %s; %d warm-up runs, then at least %d runs and %g s per candidate, "
                                        "candidates interleaved\n",
                                        SCALERT_VERSION_STRING, in.settings.warmup, in.settings.min_iters,
                                        in.settings.min_time_s));
  // The backend column is as wide as its widest label (variants like native[avx2,fusion=off]).
  size_t bw = 9;
  for (const CandidateResult& r : in.results) bw = std::max(bw, r.spec.label().size());
  const int backend_width = static_cast<int>(bw);
  absl::StrAppend(&s, "\n", absl::StrFormat("%-28s %-*s %-10s %3s %9s %9s %9s %9s %9s %8s %9s %8s %9s %10s %10s %6s %6s\n",
                                            "model", backend_width, "backend", "precision", "thr", "median", "mean", "min", "p90",
                                            "p99", "stddev", "first", "load", "prepare", "arena", "peak RSS",
                                            "ratio", "runs"));
  for (const CandidateResult& r : in.results) {
    if (!r.error.empty()) continue;
    absl::StrAppend(&s, absl::StrFormat("%-28s %-*s %-10s %3d %9s %9s %9s %9s %9s %8s %9s %8s %9s %10s "
                                        "%10s %6.2f %6d\n",
                                        Shorten(r.spec.model, 28), backend_width, r.spec.label(), PrecisionLabel(r), r.spec.threads,
                                        Ms(r.stats.median), Ms(r.stats.mean), Ms(r.stats.min), Ms(r.stats.p90),
                                        Ms(r.stats.p99), Ms(r.stats.stddev), Ms(r.first_run_ms), Ms(r.load_ms),
                                        Ms(r.prepare_ms),
                                        HumanBytes(r.arena_bytes), HumanBytes(r.peak_rss_bytes), r.ratio_to_baseline,
                                        r.stats.count));
  }
  absl::StrAppend(&s, "(times in ms; first = the cold first run; ratio = median / baseline median; peak RSS = process "
                      "peak once that candidate was set up, all earlier candidates included)\n");
  for (const std::string& n : ReportNotes(in)) absl::StrAppend(&s, "note: ", n, "\n");
  for (const CandidateResult& r : in.results)
    if (!r.error.empty()) absl::StrAppend(&s, "skipped: ", CandidateLabel(r), ": ", r.error, "\n");

  if (in.settings.profile) {
    for (const CandidateResult& r : in.results) {
      if (!r.error.empty()) continue;
      absl::StrAppend(&s, "\nprofile: ", CandidateLabel(r), " (mean of ", r.profile_runs, " profiled runs)\n");
      if (r.profile.empty()) {
        absl::StrAppend(&s, "  this backend reports no per-step profile\n");
        continue;
      }
      absl::StrAppend(&s, FormatProfile(BuildProfile(r.profile, in.peaks, r.spec.threads, r.model ? &r.model->graph() : nullptr)));
    }
  }
  if (in.settings.sustained_s > 0) {
    for (const CandidateResult& r : in.results) {
      if (!r.error.empty()) continue;
      SustainedSeries ss = Sustained(r.samples_ms, r.sample_end_s);
      absl::StrAppend(&s, absl::StrFormat("\nsustained: %s\n  first 10%% median %.3f ms, last 10%% median %.3f ms, "
                                          "drift %+.1f%%\n  per-second medians (ms):",
                                          CandidateLabel(r), ss.first10_median_ms, ss.last10_median_ms, ss.drift_pct));
      for (size_t k = 0; k < ss.per_second_median_ms.size(); ++k)
        absl::StrAppend(&s, k % 10 == 0 ? "\n   " : "", absl::StrFormat(" %8.3f", ss.per_second_median_ms[k]));
      s += "\n";
    }
  }
  return s;
}

std::string JsonReport(const ReportInput& in) {
  std::vector<std::string> results, skipped, notes, profiles, sustained;
  for (const CandidateResult& r : in.results) {
    if (!r.error.empty()) {
      skipped.push_back(CandidateJson(r)
                            .Str("precision", PrecisionName(r.spec.precision))
                            .Int("threads", r.spec.threads)
                            .Str("error", r.error)
                            .str());
      continue;
    }
    results.push_back(ResultJson(r));
    if (in.settings.profile)
      profiles.push_back(CandidateJson(r)
                             .Str("precision", PrecisionName(r.effective_precision))
                             .Int("threads", r.spec.threads)
                             .Int("runs", r.profile_runs)
                             .Raw("ops", ProfileJson(BuildProfile(r.profile, in.peaks, r.spec.threads, r.model ? &r.model->graph() : nullptr)))
                             .str());
    if (in.settings.sustained_s > 0) {
      SustainedSeries ss = Sustained(r.samples_ms, r.sample_end_s);
      std::vector<std::string> per_second;
      for (double v : ss.per_second_median_ms) per_second.push_back(tools::JsonNumber(v));
      sustained.push_back(CandidateJson(r)
                              .Str("precision", PrecisionName(r.effective_precision))
                              .Int("threads", r.spec.threads)
                              .Raw("per_second_median_ms", JsonArray(per_second))
                              .Num("first10_median_ms", ss.first10_median_ms)
                              .Num("last10_median_ms", ss.last10_median_ms)
                              .Num("drift_pct", ss.drift_pct)
                              .str());
    }
  }
  for (const std::string& n : ReportNotes(in)) notes.push_back(JsonString(n));
  JsonObject o;
  o.Raw("machine", MachineJson(in.machine, in.peaks)).Raw("results", JsonArray(results));
  o.Raw("settings", JsonObject()
                        .Int("warmup", in.settings.warmup)
                        .Int("min_iters", in.settings.min_iters)
                        .Num("min_time_s", in.settings.min_time_s)
                        .Num("sustained_s", in.settings.sustained_s)
                        .str());
  o.Raw("skipped", JsonArray(skipped)).Raw("notes", JsonArray(notes));
  if (in.settings.profile) o.Raw("profiles", JsonArray(profiles));
  if (in.settings.sustained_s > 0) o.Raw("sustained", JsonArray(sustained));
  return o.str();
}

std::string XmlEscape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '<') r += "&lt;";
    else if (c == '>') r += "&gt;";
    else if (c == '&') r += "&amp;";
    else if (c == '"') r += "&quot;";
    else r += c;
  }
  return r;
}

std::string SvgOpen(double width, double height, double left, const std::string& title, const std::string& subtitle) {
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%.0f\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>\n"
      "<text x=\"%.0f\" y=\"44\" font-size=\"11\" fill=\"#555\">%s</text>\n",
      width, height, width, height, left, XmlEscape(title), left, XmlEscape(subtitle));
}

absl::StatusOr<std::vector<std::string>> WriteReportFiles(
    const std::string& out_dir, const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(out_dir, ": cannot create the directory: ", ec.message()));
  std::vector<std::string> written;
  for (const auto& [name, text] : files) {
    const std::string path = (std::filesystem::path(out_dir) / name).string();
    if (absl::Status s = WriteFileAtomically(path, text.data(), text.size()); !s.ok()) return s;
    written.push_back(path);
  }
  return written;
}

}  // namespace scalert::bench
