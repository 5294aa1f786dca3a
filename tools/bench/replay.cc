#include "tools/bench/replay.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tools/bench/report.h"
#include "tools/bench/stats.h"
#include "tools/json.h"
#include "tools/model_summary.h"

namespace scalert::bench {
namespace {

namespace fs = std::filesystem;
using tools::JsonArray;
using tools::JsonObject;

constexpr int kFrameH = 480, kFrameW = 640;  // the synthetic camera frame every member resizes from

// "φ2" for a scaled member, else its file name.
std::string MemberLabel(const ReplayReport& r, int m) {
  const std::string& name = r.info[m].name;
  for (const FamilyMember& fm : r.members)
    if (fm.path == name) return fm.family.empty() ? fm.file : absl::StrFormat("φ%g", fm.phi);
  return fs::path(name).filename().string();
}

std::string Fmt(double v) { return absl::StrFormat("%.2f", v); }

template <typename T>
std::string JsonList(const std::vector<T>& v) {
  std::vector<std::string> items;
  for (const T& x : v) items.push_back(tools::JsonNumber(x));
  return JsonArray(items);
}

}  // namespace

void SummarizeMode(const std::vector<double>& accuracy, ReplayMode* mode) {
  mode->misses = mode->switches = 0;
  double acc = 0;
  std::vector<double> ms;
  for (size_t k = 0; k < mode->frames.size(); ++k) {
    const ReplayFrame& f = mode->frames[k];
    mode->misses += !f.met;
    mode->switches += k > 0 && f.switched;  // the first frame's switch is from the priming run
    acc += static_cast<size_t>(f.member) < accuracy.size() ? accuracy[f.member] : 0;
    ms.push_back(f.total_ms);
  }
  const LatencyStats s = Summarize(ms);
  mode->mean_accuracy = mode->frames.empty() ? 0 : acc / static_cast<double>(mode->frames.size());
  mode->mean_ms = s.mean;
  mode->p90_ms = s.p90;
}

Dominance CheckDominance(const ReplayMode& policy, const std::vector<ReplayMode>& modes) {
  Dominance d;
  d.policy = policy.name;
  for (const ReplayMode& m : modes) {
    if (m.is_policy) continue;
    if (m.mean_accuracy > policy.mean_accuracy && !(policy.misses < m.misses))
      d.violations.push_back(absl::StrFormat("%s is more accurate (%.2f > %.2f) but does not miss more (%d vs %d)",
                                             m.name, m.mean_accuracy, policy.mean_accuracy, m.misses, policy.misses));
    if (m.misses < policy.misses && !(policy.mean_accuracy > m.mean_accuracy))
      d.violations.push_back(absl::StrFormat("%s misses fewer (%d < %d) and is not less accurate (%.2f vs %.2f)", m.name,
                                             m.misses, policy.misses, m.mean_accuracy, policy.mean_accuracy));
  }
  d.holds = d.violations.empty();
  return d;
}

absl::StatusOr<ReplayReport> RunReplay(const std::vector<FamilyMember>& members, const BenchOptions& options,
                                       const MachineInfo& machine, const ProgressFn& progress) {
  auto say = [&](const std::string& msg) {
    if (progress) progress(msg);
  };
  if (options.backends.size() != 1 || options.threads.size() != 1 || options.precisions.size() != 1)
    return absl::InvalidArgumentError("a budget-trace replay runs one backend, one precision and one thread count");
  ReplayReport r;
  r.machine = machine;
  r.backend = options.backends[0];
  r.threads = options.threads[0];
  r.horizon = options.horizon;
  r.members = members;
  std::vector<std::shared_ptr<const Model>> models;
  for (const FamilyMember& m : members) {
    auto model = Model::Load(m.path);
    if (!model.ok()) return model.status();
    models.push_back(*model);
  }
  FamilyOptions fo;
  fo.interpreter.backend = r.backend;
  fo.interpreter.threads = r.threads;
  fo.interpreter.precision = options.precisions[0];
  fo.horizon = options.horizon;
  fo.calibration_runs = static_cast<int>(std::max<int64_t>(3, options.settings.min_iters / 2));
  fo.switch_runs = 2;
  say(absl::StrCat("preparing and calibrating ", members.size(), " members on ", r.backend));
  auto family = Family::Create(models, fo);
  if (!family.ok()) return family.status();
  Family& f = **family;
  std::vector<double> accuracy;
  for (size_t i = 0; i < f.size(); ++i) {
    r.info.push_back(f.member(i));
    accuracy.push_back(f.member(i).accuracy);
  }
  r.switch_ms = f.switch_ms();
  r.arena_bytes = f.arena_bytes();
  r.shares_arena = f.shares_arena();

  std::vector<BudgetTrace> traces;
  const double lo = 1.2 * r.info.front().latency_ms, hi = 1.2 * r.info.back().latency_ms;
  for (const std::string& name : options.budget_traces) {
    auto t = IsGeneratedTrace(name) ? GenerateTrace(name, options.frames, lo, hi, options.settings.seed)
                                    : ReadTraceFile(name);
    if (!t.ok()) return t.status();
    traces.push_back(std::move(*t));
  }

  std::vector<float> frame(static_cast<size_t>(kFrameH) * kFrameW * 3);
  std::mt19937 rng(options.settings.seed);
  std::uniform_real_distribution<float> unit(-1.f, 1.f);
  for (float& v : frame) v = unit(rng);

  for (const BudgetTrace& trace : traces) {
    ReplayTraceResult tr;
    tr.trace = trace;
    std::vector<ReplayMode> modes = {{"greedy", true, -1, {}}, {"dp", true, -1, {}}};
    for (size_t i = 0; i < f.size(); ++i) modes.push_back({"static " + MemberLabel(r, static_cast<int>(i)), false,
                                                           static_cast<int>(i), {}});
    for (ReplayMode& mode : modes) {
      // Every mode starts right after the cheapest member ran (untimed), so that the first
      // frame's switch, cold caches included, is the same for all.
      if (auto prime = f.InvokeMember(0, frame.data(), kFrameH, kFrameW, 3, 1e9); !prime.ok()) return prime.status();
      absl::Status s = mode.is_policy ? f.SetPolicy(mode.name == "greedy" ? FamilyPolicy::kGreedy : FamilyPolicy::kDynamic)
                                      : f.SetPolicy(FamilyPolicy::kStatic, mode.static_member);
      if (!s.ok()) return s;
      for (size_t k = 0; k < trace.budgets.size(); ++k) {
        if (k % 10 == 0)
          say(absl::StrFormat("trace %s: %s, frame %d/%d", trace.name, mode.name, k + 1, trace.budgets.size()));
        auto res = f.Invoke(frame.data(), kFrameH, kFrameW, 3, trace.budgets[k]);
        if (!res.ok()) return res.status();
        mode.frames.push_back({res->member, trace.budgets[k], res->total_ms, res->met_budget, res->switched});
      }
      SummarizeMode(accuracy, &mode);
    }
    for (const ReplayMode& mode : modes)
      if (mode.is_policy) tr.dominance.push_back(CheckDominance(mode, modes));
    tr.modes = std::move(modes);
    r.traces.push_back(std::move(tr));
  }
  return r;
}

std::string ReplayMarkdown(const ReplayReport& r) {
  std::string s = absl::StrCat("Machine: ", MachineLine(r.machine), "\n\n");
  absl::StrAppend(&s, absl::StrFormat("Backend %s, %d thread(s). Family activation memory: %s bytes (%s).\n\n", r.backend,
                                      r.threads, tools::WithCommas(r.arena_bytes),
                                      r.shares_arena ? "one arena shared by every member, the largest member's plan"
                                                     : "members plan their own memory on this backend"));
  s += "| member | resolution | MACs | accuracy proxy | warm ms | first run ms | own arena bytes |\n"
       "|---|---:|---:|---:|---:|---:|---:|\n";
  for (size_t i = 0; i < r.info.size(); ++i) {
    const FamilyMemberInfo& m = r.info[i];
    absl::StrAppend(&s, absl::StrFormat("| %s | %dx%d | %s | %.2f | %.2f | %.2f | %s |\n", MemberLabel(r, i), m.input_h,
                                        m.input_w, tools::WithCommas(m.macs), m.accuracy, m.latency_ms, m.cold_ms,
                                        tools::WithCommas(m.own_arena_bytes)));
  }
  s += "\nSwitch costs, ms (extra time of the first run after switching; row = from, column = to):\n\n|  |";
  for (size_t j = 0; j < r.info.size(); ++j) absl::StrAppend(&s, " ", MemberLabel(r, j), " |");
  s += "\n|---|";
  for (size_t j = 0; j < r.info.size(); ++j) s += "---:|";
  s += "\n";
  for (size_t i = 0; i < r.info.size(); ++i) {
    absl::StrAppend(&s, "| ", MemberLabel(r, i), " |");
    for (size_t j = 0; j < r.info.size(); ++j) absl::StrAppend(&s, " ", Fmt(r.switch_ms[i][j]), " |");
    s += "\n";
  }
  for (const ReplayTraceResult& t : r.traces) {
    const auto [lo, hi] = std::minmax_element(t.trace.budgets.begin(), t.trace.budgets.end());
    absl::StrAppend(&s, absl::StrFormat("\n### Trace `%s`: %d frames, budgets %.2f .. %.2f ms (DP horizon %d)\n\n",
                                        t.trace.name, t.trace.budgets.size(), *lo, *hi, r.horizon));
    s += "| mode | deadline misses | miss % | mean accuracy proxy | switches | mean ms | p90 ms | frames per member |\n"
         "|---|---:|---:|---:|---:|---:|---:|---|\n";
    for (const ReplayMode& m : t.modes) {
      std::vector<int> per(r.info.size(), 0);
      for (const ReplayFrame& f : m.frames) ++per[f.member];
      absl::StrAppend(&s, absl::StrFormat("| %s | %d | %.1f | %.2f | %d | %.2f | %.2f | %s |\n", m.name, m.misses,
                                          100.0 * m.misses / std::max<size_t>(1, m.frames.size()), m.mean_accuracy,
                                          m.switches, m.mean_ms, m.p90_ms, absl::StrJoin(per, " / ")));
    }
    s += "\n";
    for (const Dominance& d : t.dominance)
      absl::StrAppend(&s, "- ", d.policy, ": ",
                      d.holds ? "beats every static member (fewer misses than each more accurate one, more accurate "
                                "than each that misses fewer)"
                              : absl::StrCat("does NOT beat every static member: ", absl::StrJoin(d.violations, "; ")),
                      "\n");
  }
  return s;
}

std::string ReplayCsv(const ReplayReport& r) {
  std::string s = "trace,mode,frame,budget_ms,member,total_ms,met,switched\n";
  for (const ReplayTraceResult& t : r.traces)
    for (const ReplayMode& m : t.modes)
      for (size_t k = 0; k < m.frames.size(); ++k) {
        const ReplayFrame& f = m.frames[k];
        absl::StrAppend(&s, absl::StrFormat("%s,%s,%d,%.6g,%d,%.6g,%d,%d\n", t.trace.name, m.name, k, f.budget_ms,
                                            f.member, f.total_ms, f.met, f.switched));
      }
  return s;
}

std::string ReplayJson(const ReplayReport& r) {
  std::vector<std::string> members, traces, switches;
  for (size_t i = 0; i < r.info.size(); ++i) {
    const FamilyMemberInfo& m = r.info[i];
    members.push_back(JsonObject()
                          .Str("model", m.name)
                          .Str("label", MemberLabel(r, i))
                          .Int("input_h", m.input_h)
                          .Int("input_w", m.input_w)
                          .Int("macs", m.macs)
                          .Num("accuracy_proxy", m.accuracy)
                          .Num("latency_ms", m.latency_ms)
                          .Num("first_run_ms", m.cold_ms)
                          .Int("own_arena_bytes", m.own_arena_bytes)
                          .str());
    switches.push_back(JsonList(r.switch_ms[i]));
  }
  for (const ReplayTraceResult& t : r.traces) {
    std::vector<std::string> modes, dominance;
    for (const ReplayMode& m : t.modes) {
      std::vector<int64_t> member;
      std::vector<double> ms;
      for (const ReplayFrame& f : m.frames) {
        member.push_back(f.member);
        ms.push_back(f.total_ms);
      }
      modes.push_back(JsonObject()
                          .Str("mode", m.name)
                          .Int("misses", m.misses)
                          .Num("mean_accuracy_proxy", m.mean_accuracy)
                          .Int("switches", m.switches)
                          .Num("mean_ms", m.mean_ms)
                          .Num("p90_ms", m.p90_ms)
                          .Raw("member", JsonList(member))
                          .Raw("total_ms", JsonList(ms))
                          .str());
    }
    for (const Dominance& d : t.dominance) {
      std::vector<std::string> v;
      for (const std::string& x : d.violations) v.push_back(tools::JsonString(x));
      dominance.push_back(
          JsonObject().Str("policy", d.policy).Raw("holds", d.holds ? "true" : "false").Raw("violations", JsonArray(v)).str());
    }
    traces.push_back(JsonObject()
                         .Str("name", t.trace.name)
                         .Raw("budgets_ms", JsonList(t.trace.budgets))
                         .Raw("modes", JsonArray(modes))
                         .Raw("dominance", JsonArray(dominance))
                         .str());
  }
  return JsonObject()
      .Raw("machine", MachineJson(r.machine, MachinePeaks()))
      .Str("backend", r.backend)
      .Int("threads", r.threads)
      .Int("horizon", r.horizon)
      .Int("arena_bytes", r.arena_bytes)
      .Raw("shares_arena", r.shares_arena ? "true" : "false")
      .Raw("members", JsonArray(members))
      .Raw("switch_ms", JsonArray(switches))
      .Raw("traces", JsonArray(traces))
      .str();
}

std::string ReplaySvg(const ReplayReport& r, const ReplayTraceResult& t) {
  const double W = 900, left = 70, right = 150, top = 80, ph1 = 280, gap = 50, ph2 = 140;
  const double H = top + ph1 + gap + ph2 + 50, pw = W - left - right;
  const size_t n = t.trace.budgets.size();
  const ReplayMode* policies[2] = {nullptr, nullptr};
  for (const ReplayMode& m : t.modes)
    if (m.is_policy) policies[m.name == "greedy" ? 0 : 1] = &m;
  const char* colors[2] = {"#1f77b4", "#d62728"};
  double ymax = 0;
  for (double b : t.trace.budgets) ymax = std::max(ymax, b);
  for (const FamilyMemberInfo& m : r.info) ymax = std::max(ymax, m.latency_ms);
  ymax *= 1.15;  // policies' outliers beyond this are drawn at the top edge
  auto X = [&](double k) { return left + pw * (n > 1 ? k / static_cast<double>(n - 1) : 0.5); };
  auto Y = [&](double ms) { return top + ph1 * (1 - std::min(ms, ymax) / ymax); };
  const int members = static_cast<int>(r.info.size());
  auto Ym = [&](double m) { return top + ph1 + gap + ph2 * (1 - (m + 0.5) / std::max(members, 1)); };

  std::string s = SvgOpen(W, H, left,
                          absl::StrFormat("Budget trace %s: member and latency per frame (%s, %dt)", t.trace.name,
                                          r.backend, r.threads),
                          MachineLine(r.machine));
  // Panel 1: budget, members' warm latencies, the policies' frame times.
  absl::StrAppend(&s, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                                      "stroke=\"#333\"/>\n",
                                      left, top, pw, ph1));
  // Ticks at a round step (1, 2 or 5 x 10^k) giving at most 6 intervals.
  double step = std::pow(10.0, std::floor(std::log10(std::max(ymax, 1e-9) / 6)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (ymax / (step * m) <= 6) {
      step *= m;
      break;
    }
  for (double v = 0; v <= ymax; v += step)
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                                        left, Y(v), left + pw, Y(v), left - 6, Y(v) + 4, v));
  absl::StrAppend(&s, absl::StrFormat("<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">ms "
                                      "per frame</text>\n",
                                      top + ph1 / 2));
  for (int m = 0; m < members; ++m)
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\" "
                                        "stroke-dasharray=\"4 4\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#777\">%s "
                                        "%.1f ms</text>\n",
                                        left, Y(r.info[m].latency_ms), left + pw, Y(r.info[m].latency_ms), left + pw + 6,
                                        Y(r.info[m].latency_ms) + 4, XmlEscape(MemberLabel(r, m)), r.info[m].latency_ms));
  auto polyline = [&](const std::vector<double>& xs, const std::vector<double>& ys, const char* color, double width,
                      const char* extra) {
    std::string pts;
    for (size_t k = 0; k < xs.size(); ++k) absl::StrAppend(&pts, absl::StrFormat("%.1f,%.1f ", xs[k], ys[k]));
    return absl::StrFormat("<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" %s/>\n", pts,
                           color, width, extra);
  };
  std::vector<double> xs, ys;
  for (size_t k = 0; k < n; ++k) {
    xs.push_back(X(k));
    ys.push_back(Y(t.trace.budgets[k]));
  }
  absl::StrAppend(&s, polyline(xs, ys, "#000", 2, ""));
  for (int p = 0; p < 2; ++p) {
    if (!policies[p]) continue;
    ys.clear();
    for (const ReplayFrame& f : policies[p]->frames) ys.push_back(Y(f.total_ms));
    absl::StrAppend(&s, polyline(xs, ys, colors[p], 1.2, "opacity=\"0.85\""));
    for (size_t k = 0; k < policies[p]->frames.size(); ++k)
      if (!policies[p]->frames[k].met)
        absl::StrAppend(&s, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s frame %d "
                                            "missed: %.2f ms &gt; %.2f ms</title></circle>\n",
                                            xs[k], ys[k], colors[p], policies[p]->name, k,
                                            policies[p]->frames[k].total_ms, policies[p]->frames[k].budget_ms));
  }
  // Legend.
  const std::pair<const char*, const char*> legend[] = {{"#000", "budget"}, {colors[0], "greedy"}, {colors[1], "dp"}};
  for (int k = 0; k < 3; ++k)
    absl::StrAppend(&s, absl::StrFormat("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                                        "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                                        left + 10 + 110 * k, top - 8, left + 34 + 110 * k, top - 8, legend[k].first,
                                        left + 40 + 110 * k, top - 4, legend[k].second));
  // Panel 2: member per frame (dp drawn slightly lower so the two lines stay apart).
  absl::StrAppend(&s, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                                      "stroke=\"#333\"/>\n",
                                      left, top + ph1 + gap, pw, ph2));
  for (int m = 0; m < members; ++m)
    absl::StrAppend(&s, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 6,
                                        Ym(m) + 4, XmlEscape(MemberLabel(r, m))));
  for (int p = 0; p < 2; ++p) {
    if (!policies[p]) continue;
    std::vector<double> sx, sy;
    for (size_t k = 0; k < policies[p]->frames.size(); ++k) {
      const double y = Ym(policies[p]->frames[k].member) + (p ? 4 : -4);
      if (k > 0) {
        sx.push_back(X(k));
        sy.push_back(sy.back());
      }
      sx.push_back(X(k));
      sy.push_back(y);
    }
    absl::StrAppend(&s, polyline(sx, sy, colors[p], 1.5, ""));
  }
  absl::StrAppend(&s, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">frame</text>\n",
                                      left + pw / 2, H - 12));
  s += "</svg>\n";
  return s;
}

absl::StatusOr<std::vector<std::string>> WriteReplayFiles(const ReplayReport& r, const std::string& out_dir) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"bench_replay.md", ReplayMarkdown(r)},
      {"bench_replay.csv", ReplayCsv(r)},
      {"bench_replay.json", ReplayJson(r) + "\n"},
  };
  for (const ReplayTraceResult& t : r.traces) {
    std::string safe;
    for (char c : t.trace.name) safe += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
    files.push_back({absl::StrCat("bench_replay_", safe, ".svg"), ReplaySvg(r, t)});
  }
  return WriteReportFiles(out_dir, files);
}

}  // namespace scalert::bench
