// scalert search --family F --device device.json --latency-budget MS: the most accurate member
// of a family (by an accuracy-vs-FLOPs proxy) that the latency model predicts within the budget
// on that device, over scaling coefficients, thread counts and precisions; the Pareto front as
// a table and an SVG chart; with -o, the chosen model written and measured.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/model_format.h"
#include "tools/args.h"
#include "tools/bench/runner.h"
#include "tools/command.h"
#include "tools/json.h"
#include "tools/latency/device_profile.h"
#include "tools/latency/native_steps.h"
#include "tools/latency/predict.h"
#include "tools/model_summary.h"
#include "tools/scale/scaler.h"
#include "tools/search/accuracy_proxy.h"
#include "tools/search/pareto_svg.h"
#include "tools/search/search_space.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"family", true, "efficientnet, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, ... (required)", "NAME"},
    {"device", true, "device profile from scalert profile-device (required)", "device.json"},
    {"latency-budget", true, "budget(s) in ms, comma-separated: one choice per budget", "MS"},
    {"threads", true, "thread counts to consider (default: every one in the profile)", "LIST"},
    {"precision", true, "precisions to consider (default fp32)", "LIST"},
    {"objective", true, "accuracy (default: the most accurate within the budget) or utility", "NAME"},
    {"lambda-latency", true, "utility: accuracy points lost per ms (default 0)", "X"},
    {"lambda-memory", true, "utility: accuracy points lost per MB of weights + activations (default 0)", "Y"},
    {"accuracy-csv", true, "your own accuracy points, lines 'mmacs,top1' (default: the family's published ones)",
     "FILE"},
    {"free-coefficients", false, "EfficientNet: search alpha, beta, gamma too (alpha * beta^2 * gamma^2 = 2)"},
    {"phi-max", true, "EfficientNet: largest phi (default 3)", "P"},
    {"width-step", true, "MobileNet: width step (default 0.1; widths 0.3 .. 1.5)", "S"},
    {"res-multiple", true, "resolutions rounded to multiples of 8 or 32 (default 32)", "N"},
    {"divisor", true, "channels rounded to multiples of N (default: from the profile's ISA vector width)", "N"},
    {"o", true, "write the chosen model(s), the next larger on the front, front.md/.csv, search.svg, search.json",
     "OUTDIR"},
    {"no-measure", false, "with -o: do not benchmark the written models"},
    {"json", false, "print the result as JSON"},
};

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "scalert search: %s\n", msg.c_str());
  return code;
}

struct Candidate {
  scale::ScaleSpec spec;
  int threads = 1;
  std::string precision;
  int64_t macs = 0;
  double flop_ms = 0;
  search::Scored score;
};

absl::StatusOr<std::vector<double>> ParseNumbers(const std::string& flag, const std::string& list) {
  std::vector<double> r;
  for (const std::string& s : SplitList(list)) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(v > 0) || !std::isfinite(v))
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " expects positive numbers, got '", s, "'"));
    r.push_back(v);
  }
  return r;
}

std::string Row(const Candidate& c, const char* mark) {
  return absl::StrFormat("| %s%s | %d | %s | %s | %.2f | %.2f | %.2f | %.1f | %.2f |", mark, search::DescribeSpec(c.spec),
                         c.threads, c.precision, WithCommas(c.macs), c.score.latency_ms, c.flop_ms, c.score.accuracy,
                         c.score.memory_mb, c.score.utility);
}

int Search(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) return Fail(absl::StrCat(args.status().message(), " (scalert search --help)"), 2);
  if (args->has("help") || !args->positional().empty() || !args->has("family") || !args->has("device")) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("search", "--family NAME --device device.json [--latency-budget MS] [flags]",
                       "Enumerates a family's scaling coefficients (EfficientNet: phi, and alpha/beta/gamma with\n"
                       "--free-coefficients; MobileNet: width and resolution) with hardware-friendly rounding,\n"
                       "predicts each candidate's latency on the device (the latency model fitted to the profile)\n"
                       "for every thread count and precision, scores it with an accuracy-vs-FLOPs proxy\n"
                       "A = A0 - k * MMACs^-p, and picks the most accurate (or, --objective utility, the best\n"
                       "accuracy - lambda_latency * ms - lambda_memory * MB) within each budget. Prints the Pareto\n"
                       "front; -o writes the chosen model, the next larger one on the front, the tables and a chart,\n"
                       "and measures both with the bench runner (native backend).",
                       kFlags)
                     .c_str());
    return args->has("help") ? 0 : 2;
  }
  const std::string objective = args->get("objective", "accuracy");
  if (objective != "accuracy" && objective != "utility")
    return Fail(absl::StrCat("--objective is accuracy or utility, got '", objective, "'"), 2);
  const bool utility = objective == "utility";
  std::vector<double> budgets;
  if (args->has("latency-budget")) {
    auto b = ParseNumbers("latency-budget", args->get("latency-budget"));
    if (!b.ok()) return Fail(std::string(b.status().message()), 2);
    budgets = *b;
  }
  if (budgets.empty() && !utility) return Fail("give --latency-budget MS (or --objective utility)", 2);
  auto lambda_l = args->get_double("lambda-latency", 0);
  auto lambda_m = args->get_double("lambda-memory", 0);
  auto phi_max = args->get_double("phi-max", 3);
  auto width_step = args->get_double("width-step", 0.1);
  auto res_multiple = args->get_int("res-multiple", 32);
  if (!lambda_l.ok() || !lambda_m.ok() || !(*lambda_l >= 0) || !(*lambda_m >= 0))
    return Fail("--lambda-latency and --lambda-memory expect numbers >= 0", 2);
  if (!phi_max.ok() || !width_step.ok() || !res_multiple.ok() || !(*width_step > 0))
    return Fail("--phi-max, --width-step and --res-multiple expect numbers (width step > 0)", 2);

  auto profile = latency::LoadDeviceProfile(args->get("device"));
  if (!profile.ok()) return Fail(std::string(profile.status().message()), 1);
  std::vector<int> threads;
  if (args->has("threads")) {
    auto t = ParseNumbers("threads", args->get("threads"));
    if (!t.ok()) return Fail(std::string(t.status().message()), 2);
    for (double v : *t) threads.push_back(static_cast<int>(v));
  } else {
    for (const latency::DeviceSetting& s : profile->settings)
      if (std::find(threads.begin(), threads.end(), s.threads) == threads.end()) threads.push_back(s.threads);
  }
  std::vector<latency::LatencyModel> models;
  for (int t : threads)
    for (const std::string& p : SplitList(args->get("precision", "fp32"))) {
      auto setting = latency::FindSetting(*profile, t, p);
      if (!setting.ok()) return Fail(std::string(setting.status().message()), 1);
      auto m = latency::FitLatencyModel(**setting, profile->device);
      if (!m.ok()) return Fail(std::string(m.status().message()), 1);
      models.push_back(*m);
    }

  const std::string family = args->get("family");
  absl::StatusOr<std::vector<search::AccuracyPoint>> points;
  if (args->has("accuracy-csv")) {
    std::ifstream f(args->get("accuracy-csv"));
    if (!f) return Fail(absl::StrCat(args->get("accuracy-csv"), ": cannot open"), 1);
    std::stringstream ss;
    ss << f.rdbuf();
    points = search::ParseAccuracyCsv(ss.str(), args->get("accuracy-csv"));
  } else {
    points = search::PublishedPoints(family);
  }
  if (!points.ok()) return Fail(std::string(points.status().message()), 1);
  auto curve = search::FitAccuracyCurve(*points);
  if (!curve.ok()) return Fail(std::string(curve.status().message()), 1);

  search::SpaceOptions space;
  space.family = family;
  space.free_coefficients = args->has("free-coefficients");
  space.phi_max = *phi_max;
  space.width_min = 0.3;
  space.width_step = *width_step;
  space.res_multiple = static_cast<int32_t>(*res_multiple);
  auto divisor = args->get_int("divisor", search::ChannelDivisorForIsa(profile->device.isa));
  if (!divisor.ok() || *divisor < 1 || *divisor > 256) return Fail("--divisor expects an integer in [1, 256]", 2);
  space.divisor = static_cast<int32_t>(*divisor);
  auto specs = search::EnumerateSpace(space);
  if (!specs.ok()) return Fail(std::string(specs.status().message()), 1);

  const bool tty = isatty(fileno(stderr));
  std::vector<Candidate> cands;
  for (size_t i = 0; i < specs->size(); ++i) {
    const scale::ScaleSpec& spec = (*specs)[i];
    if (tty) std::fprintf(stderr, "\r\033[Kpredicting %zu/%zu: %s", i + 1, specs->size(), search::DescribeSpec(spec).c_str());
    scale::BuildOptions bo;
    bo.weights = false;
    auto built = scale::BuildScaledModel(spec, bo);
    if (!built.ok()) return Fail(std::string(built.status().message()), 1);
    auto model = latency::ModelFromGraph(built->graph, search::DescribeSpec(spec));
    if (!model.ok()) return Fail(std::string(model.status().message()), 1);
    for (const latency::LatencyModel& m : models) {
      auto p = latency::PredictWithModel(*model, m);
      if (!p.ok()) return Fail(std::string(p.status().message()), 1);
      Candidate c;
      c.spec = spec;
      c.threads = m.threads;
      c.precision = m.precision;
      c.macs = built->macs;
      c.flop_ms = p->network.flop_total_ms;
      c.score.latency_ms = p->network.total_ms;
      c.score.accuracy = search::Accuracy(*curve, static_cast<double>(built->macs) / 1e6);
      c.score.memory_mb = static_cast<double>(p->footprint_bytes) / 1e6;
      c.score.utility = search::Utility(c.score, *lambda_l, *lambda_m);
      cands.push_back(std::move(c));
    }
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  std::vector<search::Scored> scored;
  for (const Candidate& c : cands) scored.push_back(c.score);
  const std::vector<size_t> front = search::ParetoFront(scored);

  struct Choice {
    double budget = 0;
    int64_t chosen = -1, next = -1;
    std::string chosen_file, next_file;
    double chosen_measured = 0, next_measured = 0;
    std::string note;
  };
  std::vector<Choice> choices;
  for (double b : budgets.empty() ? std::vector<double>{0} : budgets) {
    Choice ch;
    ch.budget = b;
    ch.chosen = search::Choose(scored, b, utility);
    for (size_t k = 0; ch.chosen >= 0 && k < front.size(); ++k)
      if (scored[front[k]].latency_ms > scored[static_cast<size_t>(ch.chosen)].latency_ms) {
        ch.next = static_cast<int64_t>(front[k]);
        break;
      }
    choices.push_back(ch);
  }

  // Files: each chosen model and the next larger one on the front, with real (deterministic)
  // weights, measured with the bench runner. The prediction narrows the choice; the measurement
  // settles it: a chosen model measured over its budget steps down the front, a next larger one
  // measured within it steps up (a few steps at most), and the output says so.
  const std::string out = args->get("o");
  const bool measure = !out.empty() && !args->has("no-measure");
  std::map<int64_t, std::pair<std::string, double>> done;  // candidate -> file, measured ms
  auto file_of = [&](int64_t idx) -> absl::StatusOr<std::string> {
    auto it = done.find(idx);
    if (it != done.end()) return it->second.first;
    const Candidate& c = cands[static_cast<size_t>(idx)];
    auto m = scale::BuildScaledModel(c.spec);
    if (!m.ok()) return m.status();
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    std::string name = absl::StrFormat("%s_%s.srm", family, search::DescribeSpec(c.spec));
    for (char& ch : name)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-')) ch = '_';
    const std::string path = (std::filesystem::path(out) / name).string();
    if (absl::Status st = WriteModelFile(m->graph, path); !st.ok()) return st;
    done[idx] = {path, 0};
    return path;
  };
  // Measures every candidate in `idxs` not measured yet, interleaved in one run (so drift hits
  // neighbours alike), 2 s of timed runs each.
  auto ensure = [&](const std::vector<int64_t>& idxs) -> absl::Status {
    if (!measure) return absl::OkStatus();
    std::vector<bench::CandidateSpec> todo;
    std::vector<int64_t> which;
    for (int64_t idx : idxs) {
      if (idx < 0) continue;
      auto path = file_of(idx);
      if (!path.ok()) return path.status();
      if (done[idx].second > 0 || std::find(which.begin(), which.end(), idx) != which.end()) continue;
      const Candidate& c = cands[static_cast<size_t>(idx)];
      Precision p = Precision::kF32;
      ParsePrecision(c.precision, &p);
      std::fprintf(stderr, "measuring %s, %d thread(s) ...\n", search::DescribeSpec(c.spec).c_str(), c.threads);
      todo.push_back({*path, "native", p, c.threads, "", ""});
      which.push_back(idx);
    }
    if (todo.empty()) return absl::OkStatus();
    bench::RunSettings rs;
    rs.min_time_s = 2;
    auto r = bench::RunCandidates(todo, rs);
    if (!r.ok()) return r.status();
    for (size_t k = 0; k < which.size() && k < r->size(); ++k) {
      if (!(*r)[k].error.empty()) return absl::InternalError(absl::StrCat(todo[k].model, ": ", (*r)[k].error));
      done[which[k]].second = (*r)[k].stats.median;
    }
    return absl::OkStatus();
  };
  auto measured_ms = [&](int64_t idx) -> absl::StatusOr<double> {
    if (absl::Status st = ensure({idx}); !st.ok()) return st;
    return done[idx].second;
  };
  auto at = [&](int64_t pos) -> int64_t {
    return pos >= 0 && pos < static_cast<int64_t>(front.size()) ? static_cast<int64_t>(front[static_cast<size_t>(pos)])
                                                                  : -1;
  };
  auto front_pos = [&](int64_t idx) -> int64_t {
    for (size_t k = 0; k < front.size(); ++k)
      if (static_cast<int64_t>(front[k]) == idx) return static_cast<int64_t>(k);
    return -1;
  };
  if (!out.empty()) {
    for (Choice& ch : choices) {
      if (ch.chosen < 0) continue;
      int64_t pos = front_pos(ch.chosen);
      if (measure && ch.budget > 0 && !utility && pos >= 0) {
        for (int step = 0;; ++step) {  // chosen over budget: one smaller
          if (absl::Status st = ensure({at(pos), at(pos + 1)}); !st.ok()) return Fail(std::string(st.message()), 1);
          auto ms = measured_ms(static_cast<int64_t>(front[static_cast<size_t>(pos)]));
          if (!ms.ok()) return Fail(std::string(ms.status().message()), 1);
          if (*ms <= ch.budget) break;
          if (pos == 0 || step == 10) {
            ch.note = "no model on the front measured within the budget in 10 steps down";
            break;
          }
          --pos;
          ch.note = "the measurement moved the choice down the front";
        }
        for (int step = 0; step < 10 && pos + 1 < static_cast<int64_t>(front.size()); ++step) {  // next within: up
          if (absl::Status st = ensure({at(pos), at(pos + 1), at(pos + 2)}); !st.ok())
            return Fail(std::string(st.message()), 1);
          auto chosen_ms = measured_ms(static_cast<int64_t>(front[static_cast<size_t>(pos)]));
          auto next_ms = measured_ms(static_cast<int64_t>(front[static_cast<size_t>(pos + 1)]));
          if (!chosen_ms.ok() || !next_ms.ok()) return Fail("measurement failed", 1);
          if (*chosen_ms > ch.budget || *next_ms > ch.budget) break;
          ++pos;
          ch.note = "the measurement moved the choice up the front";
        }
        ch.chosen = static_cast<int64_t>(front[static_cast<size_t>(pos)]);
        ch.next = pos + 1 < static_cast<int64_t>(front.size()) ? static_cast<int64_t>(front[static_cast<size_t>(pos + 1)])
                                                                : -1;
      }
      if (absl::Status st = ensure({ch.chosen, ch.next}); !st.ok()) return Fail(std::string(st.message()), 1);
      for (auto [idx, file, ms] : {std::tuple<int64_t, std::string*, double*>{ch.chosen, &ch.chosen_file, &ch.chosen_measured},
                                   {ch.next, &ch.next_file, &ch.next_measured}}) {
        if (idx < 0) continue;
        auto path = file_of(idx);
        if (!path.ok()) return Fail(std::string(path.status().message()), 1);
        *file = *path;
        auto m = measured_ms(idx);
        if (!m.ok()) return Fail(std::string(m.status().message()), 1);
        *ms = *m;
      }
    }
  }

  // The front table, the choices, the chart.
  std::string md = absl::StrFormat(
      "%s on %s (%s, %d cores), %zu candidates (%zu networks x %zu settings), objective %s\n"
      "accuracy proxy: A = %.2f - %.2f * MMACs^-%.3f (fit rms %.2f points; %s)\n\n"
      "| candidate | threads | precision | MACs | predicted ms | FLOP-prop. ms | accuracy %% | memory MB | utility |\n"
      "|---|---:|---|---:|---:|---:|---:|---:|---:|\n",
      family, profile->device.cpu, profile->device.isa, profile->device.logical_cores, cands.size(), specs->size(),
      models.size(), objective, curve->a0, curve->k, curve->p, curve->rms,
      args->has("accuracy-csv") ? args->get("accuracy-csv") : curve->source);
  for (size_t i : front) {
    bool is_chosen = false;
    for (const Choice& ch : choices) is_chosen = is_chosen || ch.chosen == static_cast<int64_t>(i);
    absl::StrAppend(&md, Row(cands[i], is_chosen ? "**chosen** " : ""), "\n");
  }
  std::string csv = "description,family,phi,alpha,beta,gamma,width,depth,resolution,threads,precision,macs,"
                    "predicted_ms,flop_proportional_ms,accuracy,memory_mb,utility,on_front\n";
  std::vector<bool> on_front(cands.size(), false);
  for (size_t i : front) on_front[i] = true;
  for (size_t i = 0; i < cands.size(); ++i) {
    const Candidate& c = cands[i];
    absl::StrAppend(&csv, absl::StrFormat("\"%s\",%s,%g,%g,%g,%g,%g,%g,%d,%d,%s,%d,%.4f,%.4f,%.3f,%.2f,%.3f,%d\n",
                                          search::DescribeSpec(c.spec), family, c.spec.phi, c.spec.coefficients.alpha,
                                          c.spec.coefficients.beta, c.spec.coefficients.gamma, c.spec.exact.width,
                                          c.spec.exact.depth, c.spec.network.input_h, c.threads, c.precision, c.macs,
                                          c.score.latency_ms, c.flop_ms, c.score.accuracy, c.score.memory_mb,
                                          c.score.utility, on_front[i] ? 1 : 0));
  }
  std::string summary;
  std::vector<std::string> choice_json;
  for (const Choice& ch : choices) {
    const std::string head = ch.budget > 0 ? absl::StrFormat("budget %g ms", ch.budget) : "no budget";
    if (ch.chosen < 0) {
      absl::StrAppend(&summary, head, ": no candidate is predicted within it\n");
      choice_json.push_back(JsonObject().Num("budget_ms", ch.budget).Raw("chosen", "null").str());
      continue;
    }
    const Candidate& c = cands[static_cast<size_t>(ch.chosen)];
    auto measured = [&](double ms, const std::string& file) {
      return file.empty() || ms <= 0 ? std::string("") : absl::StrFormat(", measured %.2f ms", ms);
    };
    absl::StrAppend(&summary, absl::StrFormat("%s: chosen %s, %d thread(s) %s: predicted %.2f ms%s, accuracy %.2f%%%s\n",
                                              head, search::DescribeSpec(c.spec), c.threads, c.precision,
                                              c.score.latency_ms, measured(ch.chosen_measured, ch.chosen_file),
                                              c.score.accuracy,
                                              ch.chosen_file.empty() ? "" : absl::StrCat(" -> ", ch.chosen_file)));
    if (!ch.note.empty()) absl::StrAppend(&summary, "  (", ch.note, ")\n");
    auto cand_json = [&](const Candidate& x, const std::string& file, double ms) {
      return JsonObject()
          .Str("description", search::DescribeSpec(x.spec))
          .Num("phi", x.spec.phi)
          .Num("alpha", x.spec.coefficients.alpha)
          .Num("beta", x.spec.coefficients.beta)
          .Num("gamma", x.spec.coefficients.gamma)
          .Num("width", x.spec.exact.width)
          .Num("depth", x.spec.exact.depth)
          .Int("resolution", x.spec.network.input_h)
          .Int("threads", x.threads)
          .Str("precision", x.precision)
          .Int("macs", x.macs)
          .Num("predicted_ms", x.score.latency_ms)
          .Num("flop_proportional_ms", x.flop_ms)
          .Num("accuracy", x.score.accuracy)
          .Num("memory_mb", x.score.memory_mb)
          .Num("utility", x.score.utility)
          .Str("file", file)
          .Raw("measured_ms", ms > 0 ? JsonNumber(ms) : "null")
          .str();
    };
    JsonObject j;
    j.Num("budget_ms", ch.budget).Raw("chosen", cand_json(c, ch.chosen_file, ch.chosen_measured)).Str("note", ch.note);
    if (ch.next >= 0) {
      const Candidate& n = cands[static_cast<size_t>(ch.next)];
      absl::StrAppend(&summary, absl::StrFormat("  next larger on the front: %s, %d thread(s): predicted %.2f ms%s\n",
                                                search::DescribeSpec(n.spec), n.threads, n.score.latency_ms,
                                                measured(ch.next_measured, ch.next_file)));
      j.Raw("next_larger", cand_json(n, ch.next_file, ch.next_measured));
    } else {
      j.Raw("next_larger", "null");
    }
    choice_json.push_back(j.str());
  }
  std::vector<std::string> front_json;
  for (size_t i : front)
    front_json.push_back(JsonObject()
                             .Str("description", search::DescribeSpec(cands[i].spec))
                             .Int("threads", cands[i].threads)
                             .Num("predicted_ms", cands[i].score.latency_ms)
                             .Num("accuracy", cands[i].score.accuracy)
                             .str());
  const std::string json = JsonObject()
                               .Str("family", family)
                               .Str("device", profile->device.cpu)
                               .Str("objective", objective)
                               .Int("candidates", static_cast<int64_t>(cands.size()))
                               .Raw("accuracy_curve", JsonObject()
                                                          .Num("a0", curve->a0)
                                                          .Num("k", curve->k)
                                                          .Num("p", curve->p)
                                                          .Str("source", curve->source)
                                                          .str())
                               .Raw("choices", JsonArray(choice_json))
                               .Raw("front", JsonArray(front_json))
                               .str() +
                           "\n";
  absl::StrAppend(&md, "\n", summary);
  if (!out.empty()) {
    search::ChartInput chart;
    chart.title = absl::StrFormat("%s on %s: predicted latency vs accuracy proxy", family, profile->device.cpu);
    chart.candidates = scored;
    chart.front = front;
    for (const Choice& ch : choices) chart.chosen.push_back(ch.chosen);
    chart.budgets_ms = budgets;
    const std::string svg = search::ParetoSvg(chart);
    for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
             {"front.md", md}, {"front.csv", csv}, {"search.svg", svg}, {"search.json", json}})
      if (absl::Status s = WriteFileAtomically((std::filesystem::path(out) / name).string(), body.data(), body.size());
          !s.ok())
        return Fail(std::string(s.message()), 1);
  }
  std::printf("%s", args->has("json") ? json.c_str() : md.c_str());
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("search", "the best scaling of a family for a device under a latency budget", Search);

}  // namespace scalert::tools
