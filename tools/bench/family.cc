#include "tools/bench/family.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tools/bench/report.h"
#include "tools/json.h"
#include "tools/model_summary.h"

namespace scalert::bench {
namespace {

namespace fs = std::filesystem;
using tools::JsonArray;
using tools::JsonObject;

std::string SeriesLabel(const CandidateResult& r) {
  return absl::StrCat(r.spec.label(), " ", PrecisionName(r.effective_precision), " ", r.spec.threads, "t");
}

// Series labels in first-seen order.
std::vector<std::string> SeriesOrder(const FamilyReport& r) {
  std::vector<std::string> order;
  for (const CandidateResult& c : r.results) {
    if (!c.error.empty()) continue;
    std::string s = SeriesLabel(c);
    if (std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
  }
  return order;
}

const CandidateResult* Find(const FamilyReport& r, const std::string& path, const std::string& series) {
  for (const CandidateResult& c : r.results)
    if (c.error.empty() && c.spec.model == path && SeriesLabel(c) == series) return &c;
  return nullptr;
}

std::string Resolution(const FamilyMember& m) {
  return m.input_h ? absl::StrCat(m.input_h, "x", m.input_w) : "?";
}

std::string ShortCount(double v) {
  if (v >= 1e9) return absl::StrFormat("%.3g G", v / 1e9);
  if (v >= 1e6) return absl::StrFormat("%.3g M", v / 1e6);
  if (v >= 1e3) return absl::StrFormat("%.3g k", v / 1e3);
  return absl::StrFormat("%.3g", v);
}

// Log-scale ticks at 1, 2, 5 x 10^k (only 10^k when the range spans many decades), and the
// axis range snapped outward to ticks so every point sits inside.
std::vector<double> LogTicks(double lo, double hi, double* axis_lo, double* axis_hi) {
  if (!(lo > 0)) lo = 1e-3;
  if (!(hi > lo)) hi = lo * 1.0001;
  const bool decades_only = std::log10(hi / lo) > 3;
  std::vector<double> steps = decades_only ? std::vector<double>{1} : std::vector<double>{1, 2, 5};
  std::vector<double> all;
  for (int e = static_cast<int>(std::floor(std::log10(lo))) - 1; e <= static_cast<int>(std::ceil(std::log10(hi))) + 1; ++e)
    for (double s : steps) all.push_back(s * std::pow(10.0, e));
  double a = all.front(), b = all.back();
  for (double t : all)
    if (t <= lo * (1 + 1e-9)) a = t;
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (*it >= hi * (1 - 1e-9)) b = *it;
  if (b <= a) b = a * 10;
  *axis_lo = a;
  *axis_hi = b;
  std::vector<double> ticks;
  for (double t : all)
    if (t >= a * (1 - 1e-9) && t <= b * (1 + 1e-9)) ticks.push_back(t);
  return ticks;
}

}  // namespace

absl::StatusOr<std::vector<FamilyMember>> ScanFamily(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return absl::NotFoundError(absl::StrCat(dir, ": not a directory"));
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".srm" && e.is_regular_file()) paths.push_back(e.path().string());
  if (ec) return absl::InternalError(absl::StrCat(dir, ": cannot list: ", ec.message()));
  if (paths.empty()) return absl::NotFoundError(absl::StrCat(dir, ": no .srm model files (expected the output of "
                                                             "`scalert scale --phi 0:7 -o ", dir, "`)"));
  std::vector<FamilyMember> members;
  for (const std::string& p : paths) {
    auto m = Model::Load(p);
    if (!m.ok()) return m.status();
    const Graph& g = (*m)->graph();
    tools::ModelTotals t = tools::ComputeTotals(g);
    FamilyMember fm;
    fm.path = p;
    fm.file = fs::path(p).filename().string();
    fm.family = g.metadata.family;
    fm.phi = g.metadata.phi;
    fm.input_h = g.metadata.input_h;
    fm.input_w = g.metadata.input_w;
    if (fm.input_h == 0 && !g.inputs.empty() && g.tensors[g.inputs[0]].shape.size() == 4) {
      fm.input_h = g.tensors[g.inputs[0]].shape[1];
      fm.input_w = g.tensors[g.inputs[0]].shape[2];
    }
    fm.params_trained = t.params_trained;
    fm.params_stored = t.params_stored;
    fm.macs = t.macs;
    members.push_back(fm);
  }
  std::sort(members.begin(), members.end(), [](const FamilyMember& a, const FamilyMember& b) {
    if (a.phi != b.phi) return a.phi < b.phi;
    if (a.macs != b.macs) return a.macs < b.macs;
    return a.file < b.file;
  });
  return members;
}

absl::StatusOr<FamilyReport> RunFamily(const std::vector<FamilyMember>& members, const BenchOptions& options,
                                       const MachineInfo& machine, const ProgressFn& progress) {
  FamilyReport rep;
  rep.members = members;
  rep.machine = machine;
  rep.settings = options.settings;
  for (size_t i = 0; i < members.size(); ++i) {
    const FamilyMember& m = members[i];
    const std::string head = absl::StrFormat("[%d/%d] phi %g %s %s", i + 1, members.size(), m.phi, m.file,
                                             Resolution(m));
    auto member_progress = [&](const std::string& msg) {
      if (progress) progress(absl::StrCat(head, ": ", msg));
    };
    auto results = RunCandidates(ExpandCandidates({m.path}, options), options.settings, member_progress);
    if (!results.ok()) return results.status();
    for (CandidateResult& c : *results) rep.results.push_back(std::move(c));
  }
  ComputeRatios(&rep.results);
  return rep;
}

std::string FamilyMarkdown(const FamilyReport& r) {
  const std::vector<std::string> series = SeriesOrder(r);
  std::string s = absl::StrCat("Machine: ", MachineLine(r.machine), "\n\n");
  absl::StrAppend(&s, absl::StrFormat("Median latency in ms (%d warm-up runs, then at least %d runs and %g s per "
                                      "candidate; ratio to %s in parentheses).\n\n",
                                      r.settings.warmup, r.settings.min_iters, r.settings.min_time_s,
                                      r.results.empty() || r.results[0].baseline < 0
                                          ? std::string("the first member")
                                          : CandidateLabel(r.results[static_cast<size_t>(r.results[0].baseline)])));
  absl::StrAppend(&s, "| φ | model | resolution | params | MACs |");
  for (const std::string& ser : series) absl::StrAppend(&s, " ", ser, " |");
  absl::StrAppend(&s, "\n|---:|---|---:|---:|---:|");
  for (size_t k = 0; k < series.size(); ++k) s += "---:|";
  s += "\n";
  for (const FamilyMember& m : r.members) {
    absl::StrAppend(&s, absl::StrFormat("| %g | %s | %s | %s | %s |", m.phi, m.file, Resolution(m),
                                        tools::WithCommas(m.params_trained), ShortCount(static_cast<double>(m.macs))));
    for (const std::string& ser : series) {
      const CandidateResult* c = Find(r, m.path, ser);
      absl::StrAppend(&s, c ? absl::StrFormat(" %.2f (%.2f) |", c->stats.median, c->ratio_to_baseline)
                            : std::string(" — |"));
    }
    s += "\n";
  }
  for (const CandidateResult& c : r.results)
    if (!c.error.empty()) absl::StrAppend(&s, "\nSkipped: ", CandidateLabel(c), ": ", c.error, "\n");
  return s;
}

std::string FamilyCsv(const FamilyReport& r) {
  std::string s =
      "phi,model,input_h,input_w,params_trained,params_stored,macs,backend,precision,threads,median_ms,mean_ms,"
      "min_ms,p90_ms,p99_ms,stddev_ms,first_run_ms,load_ms,prepare_ms,peak_arena_bytes,peak_rss_bytes,"
      "ratio_to_baseline\n";
  for (const FamilyMember& m : r.members)
    for (const CandidateResult& c : r.results) {
      if (c.spec.model != m.path || !c.error.empty()) continue;
      absl::StrAppend(&s, absl::StrFormat("%g,%s,%d,%d,%d,%d,%d,%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,"
                                          "%d,%d,%.6g\n",
                                          m.phi, m.file, m.input_h, m.input_w, m.params_trained, m.params_stored,
                                          m.macs, c.spec.label(), PrecisionName(c.effective_precision),
                                          c.spec.threads, c.stats.median, c.stats.mean, c.stats.min, c.stats.p90,
                                          c.stats.p99, c.stats.stddev, c.first_run_ms, c.load_ms, c.prepare_ms,
                                          c.arena_bytes, c.peak_rss_bytes, c.ratio_to_baseline));
    }
  return s;
}

std::string FamilyJson(const FamilyReport& r) {
  ReportInput in{r.machine, r.peaks, r.settings, r.results};
  std::vector<std::string> results, skipped, notes, members;
  for (const CandidateResult& c : r.results) {
    if (c.error.empty()) results.push_back(ResultJson(c));
    else
      skipped.push_back(JsonObject()
                            .Str("model", c.spec.model)
                            .Str("backend", c.spec.backend)
                            .Str("precision", PrecisionName(c.spec.precision))
                            .Int("threads", c.spec.threads)
                            .Str("error", c.error)
                            .str());
  }
  for (const FamilyMember& m : r.members)
    members.push_back(JsonObject()
                          .Str("model", m.path)
                          .Str("family", m.family)
                          .Num("phi", m.phi)
                          .Int("input_h", m.input_h)
                          .Int("input_w", m.input_w)
                          .Int("params_trained", m.params_trained)
                          .Int("params_stored", m.params_stored)
                          .Int("macs", m.macs)
                          .str());
  for (const std::string& n : ReportNotes(in)) notes.push_back(tools::JsonString(n));
  return JsonObject()
      .Raw("machine", MachineJson(r.machine, r.peaks))
      .Raw("results", JsonArray(results))
      .Raw("members", JsonArray(members))
      .Raw("settings", JsonObject()
                           .Int("warmup", r.settings.warmup)
                           .Int("min_iters", r.settings.min_iters)
                           .Num("min_time_s", r.settings.min_time_s)
                           .str())
      .Raw("skipped", JsonArray(skipped))
      .Raw("notes", JsonArray(notes))
      .str();
}

std::string FamilySvg(const FamilyReport& r) {
  const double W = 820, H = 520, left = 80, right = 200, top = 64, bottom = 64;
  const double pw = W - left - right, ph = H - top - bottom;
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  double xlo = 0, xhi = 0, ylo = 0, yhi = 0;
  bool any = false;
  std::map<std::string, int64_t> macs_of;
  for (const FamilyMember& m : r.members) macs_of[m.path] = m.macs;
  for (const CandidateResult& c : r.results) {
    if (!c.error.empty()) continue;
    const double x = static_cast<double>(std::max<int64_t>(1, macs_of[c.spec.model])), y = std::max(c.stats.median, 1e-6);
    if (!any) { xlo = xhi = x; ylo = yhi = y; any = true; }
    xlo = std::min(xlo, x); xhi = std::max(xhi, x); ylo = std::min(ylo, y); yhi = std::max(yhi, y);
  }
  double ax0, ax1, ay0, ay1;
  const std::vector<double> xt = LogTicks(any ? xlo : 1e8, any ? xhi : 1e9, &ax0, &ax1);
  const std::vector<double> yt = LogTicks(any ? ylo : 1, any ? yhi : 10, &ay0, &ay1);
  auto X = [&](double v) { return left + pw * (std::log10(v) - std::log10(ax0)) / (std::log10(ax1) - std::log10(ax0)); };
  auto Y = [&](double v) { return top + ph * (1 - (std::log10(v) - std::log10(ay0)) / (std::log10(ay1) - std::log10(ay0))); };

  std::string family = r.members.empty() || r.members[0].family.empty() ? "model family" : r.members[0].family;
  std::string s = SvgOpen(W, H, left, "Median latency vs MACs: " + family, MachineLine(r.machine));
  // Grid and ticks.
  for (double t : xt)
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                                        X(t), top, X(t), top + ph, X(t), top + ph + 18, ShortCount(t)));
  for (double t : yt)
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                                        left, Y(t), left + pw, Y(t), left - 8, Y(t) + 4, t));
  absl::StrAppend(&s, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                                      "stroke=\"#333\"/>\n",
                                      left, top, pw, ph));
  absl::StrAppend(&s, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">multiply-accumulates per "
                                      "inference (log scale)</text>\n",
                                      left + pw / 2, H - 18));
  absl::StrAppend(&s, absl::StrFormat("<text transform=\"translate(20 %.1f) rotate(-90)\" text-anchor=\"middle\">median "
                                      "latency, ms (log scale)</text>\n",
                                      top + ph / 2));
  // One polyline per series, points labelled with phi.
  const std::vector<std::string> series = SeriesOrder(r);
  for (size_t k = 0; k < series.size(); ++k) {
    const char* color = colors[k % 8];
    std::string points, marks;
    for (const FamilyMember& m : r.members) {
      const CandidateResult* c = Find(r, m.path, series[k]);
      if (!c) continue;
      const double x = X(static_cast<double>(std::max<int64_t>(1, m.macs))), y = Y(std::max(c->stats.median, 1e-6));
      absl::StrAppend(&points, absl::StrFormat("%.1f,%.1f ", x, y));
      absl::StrAppend(&marks, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s phi %g: "
                                              "%s MACs, %.3f ms (%s)</title></circle>\n"
                                              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">φ%g</text>\n",
                                              x, y, color, XmlEscape(m.file), m.phi, ShortCount(static_cast<double>(m.macs)),
                                              c->stats.median, XmlEscape(series[k]), x + 6,
                                              k % 2 == 0 ? y - 7 : y + 15, color, m.phi));  // series apart
    }
    absl::StrAppend(&s, absl::StrFormat("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                                        points, color),
                    marks);
    const double ly = top + 10 + 20 * static_cast<double>(k);
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                                        "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                                        left + pw + 16, ly, left + pw + 40, ly, color, left + pw + 46, ly + 4,
                                        XmlEscape(series[k])));
  }
  s += "</svg>\n";
  return s;
}

absl::StatusOr<std::vector<std::string>> WriteFamilyFiles(const FamilyReport& r, const std::string& out_dir) {
  return WriteReportFiles(out_dir, {
                                       {"bench_family.md", FamilyMarkdown(r)},
                                       {"bench_family.csv", FamilyCsv(r)},
                                       {"bench_family.json", FamilyJson(r) + "\n"},
                                       {"bench_family.svg", FamilySvg(r)},
                                   });
}

}  // namespace scalert::bench
