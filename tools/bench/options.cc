#include "tools/bench/options.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/isa.h"
#include "runtime/backend.h"

namespace scalert::bench {

const std::vector<tools::FlagSpec>& BenchFlags() {
  static const std::vector<tools::FlagSpec> flags = {
      {"backend", true, "native, xnnpack, reference, all, or a list a,b (default: xnnpack if built, else reference)",
       "LIST"},
      {"precision", true, "fp32, fp16, bf16, int8 or a list (default fp32)", "LIST"},
      {"threads", true, "thread counts, e.g. 1,2 (default 1)", "LIST"},
      {"isa", true, "native backend: kernel levels to compare, e.g. avx2,avx512 (default: the best)", "LIST"},
      {"fusion", true, "native backend: MBConv fusion policies to compare: auto, on, off (default auto)", "LIST"},
      {"warmup", true, "untimed runs after the cold first run (default 3)", "N"},
      {"min-iters", true, "timed runs per candidate, at least (default 10)", "N"},
      {"min-time", true, "timed seconds per candidate, at least (default 1)", "SECONDS"},
      {"profile", false, "per-operator time, MACs, GFLOP/s, bytes, roofline bound (measures the machine)"},
      {"sustained", true, "run continuously this long; report latency over time and drift", "SECONDS"},
      {"machine", false, "measure peak FLOP/s and memory bandwidth (alone: print them and exit)"},
      {"family", true, "benchmark every .srm in DIR (from `scalert scale --phi 0:7 -o DIR`); writes a "
                       "table (.md .csv .json) and a latency-vs-MACs chart (.svg)", "DIR"},
      {"budget-trace", true, "with --family: replay budgets per frame (a file, one ms value per line, or "
                             "generated: steady, sawtooth, throttling; a list a,b) with the greedy and DP policies "
                             "and every member alone; writes bench_replay.{md,csv,json} and one .svg per trace",
       "FILE|KIND"},
      {"frames", true, "frames of a generated budget trace (default 120)", "N"},
      {"horizon", true, "frames the DP policy plans ahead in a replay (default 8)", "N"},
      {"o", true, "write the report files here (family default: DIR)", "OUTDIR"},
      {"seed", true, "random input seed (default 0)", "N"},
      {"json", false, "print JSON: {\"machine\": {...}, \"results\": [...]}"},
  };
  return flags;
}

std::string BenchUsage() {
  return tools::Usage(
      "bench", "MODEL.srm... [flags] | --family DIR [--budget-trace KIND|FILE] [flags] | --machine",
      "Measures latency honestly: load, prepare, one cold run, warm-up, then timed runs until both\n"
      "--min-iters and --min-time are reached. Every combination of model x backend x precision x\n"
      "threads is a candidate; candidates run interleaved (A B A B ...) so a comparison holds on a\n"
      "noisy machine, and each reports its ratio to the baseline (xnnpack FP32 of the first model\n"
      "with the same threads, else the first model's first candidate). A backend that refuses a\n"
      "precision is skipped with a note; the command fails only when no candidate runs.",
      BenchFlags());
}

absl::StatusOr<std::vector<std::string>> ParseBackends(const std::string& list) {
  const std::vector<std::string> available = AvailableBackends();
  std::vector<std::string> names = list == "all" ? available : tools::SplitList(list);
  if (names.empty()) return absl::InvalidArgumentError("--backend needs at least one name");
  std::vector<std::string> r;
  for (const std::string& n : names) {
    if (std::find(available.begin(), available.end(), n) == available.end())
      return absl::InvalidArgumentError(absl::StrCat("backend '", n, "' is not available in this build; available: ",
                                                     absl::StrJoin(available, ", "), " (or 'all')"));
    if (std::find(r.begin(), r.end(), n) == r.end()) r.push_back(n);
  }
  return r;
}

namespace {

absl::StatusOr<std::vector<int>> ParseThreads(const std::string& list) {
  std::vector<int> r;
  for (const std::string& t : tools::SplitList(list)) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(t.c_str(), &end, 10);
    if (*end != '\0' || errno != 0 || v < 1 || v > 1024)
      return absl::InvalidArgumentError(absl::StrCat("--threads expects positive integers, got '", t, "'"));
    if (std::find(r.begin(), r.end(), static_cast<int>(v)) == r.end()) r.push_back(static_cast<int>(v));
  }
  if (r.empty()) return absl::InvalidArgumentError("--threads needs at least one value");
  return r;
}

absl::StatusOr<std::vector<Precision>> ParsePrecisions(const std::string& list) {
  std::vector<Precision> r;
  for (const std::string& p : tools::SplitList(list)) {
    Precision v;
    if (!ParsePrecision(p, &v))
      return absl::InvalidArgumentError(absl::StrCat("unknown precision '", p, "' (fp32, fp16, bf16, int8)"));
    if (std::find(r.begin(), r.end(), v) == r.end()) r.push_back(v);
  }
  if (r.empty()) return absl::InvalidArgumentError("--precision needs at least one value");
  return r;
}

}  // namespace

absl::StatusOr<BenchOptions> ParseBenchOptions(const std::vector<std::string>& argv) {
  auto args = tools::Args::Parse(argv, BenchFlags());
  if (!args.ok()) return args.status();
  BenchOptions o;
  if (args->has("help")) {
    o.help = true;
    return o;
  }
  o.models = args->positional();
  o.machine = args->has("machine");
  o.json = args->has("json");
  o.family_dir = args->get("family");
  o.out_dir = args->get("o");
  o.settings.profile = args->has("profile");
  if (args->has("family") && o.family_dir.empty()) return absl::InvalidArgumentError("--family needs a directory");
  if (!o.family_dir.empty() && !o.models.empty())
    return absl::InvalidArgumentError("give either model files or --family DIR, not both");
  if (o.models.empty() && o.family_dir.empty() && !o.machine)
    return absl::InvalidArgumentError("no model given: scalert bench MODEL.srm... (or --family DIR, or --machine)");

  if (args->has("budget-trace")) {
    o.budget_traces = tools::SplitList(args->get("budget-trace"));
    if (o.budget_traces.empty()) return absl::InvalidArgumentError("--budget-trace needs a file or a kind (steady, sawtooth, throttling)");
    if (o.family_dir.empty()) return absl::InvalidArgumentError("--budget-trace replays a family: give --family DIR");
  }
  auto frames = args->get_int("frames", 120);
  auto horizon = args->get_int("horizon", 8);
  if (!frames.ok()) return frames.status();
  if (!horizon.ok()) return horizon.status();
  if (*frames < 1 || *frames > 1000000) return absl::InvalidArgumentError("--frames must be in [1, 1000000]");
  if (*horizon < 1 || *horizon > 64) return absl::InvalidArgumentError("--horizon must be in [1, 64]");
  o.frames = static_cast<int>(*frames);
  o.horizon = static_cast<int>(*horizon);

  const std::vector<std::string> available = AvailableBackends();
  // A replay runs our own backend by default (members share one arena there); a benchmark
  // compares against XNNPACK.
  const std::string default_backend =
      !o.budget_traces.empty() ? "native"
      : std::find(available.begin(), available.end(), "xnnpack") != available.end() ? "xnnpack"
                                                                                       : "reference";
  auto backends = ParseBackends(args->get("backend", default_backend));
  if (!backends.ok()) return backends.status();
  o.backends = *backends;
  auto precisions = ParsePrecisions(args->get("precision", "fp32"));
  if (!precisions.ok()) return precisions.status();
  o.precisions = *precisions;
  auto threads = ParseThreads(args->get("threads", "1"));
  if (!threads.ok()) return threads.status();
  o.threads = *threads;
  o.isas = {""};
  o.fusions = {""};
  if (args->has("isa")) {
    o.isas = tools::SplitList(args->get("isa"));
    for (const std::string& i : o.isas) {
      kernels::Isa unused;
      if (!kernels::ParseIsa(i, &unused)) {
        std::vector<std::string> names;
        for (kernels::Isa isa : kernels::AllIsas()) names.push_back(kernels::IsaName(isa));
        return absl::InvalidArgumentError(
            absl::StrCat("--isa: unknown level '", i, "' (", absl::StrJoin(names, ", "), ")"));
      }
    }
  }
  if (args->has("fusion")) {
    o.fusions = tools::SplitList(args->get("fusion"));
    for (const std::string& f : o.fusions) {
      FusionPolicy unused;
      if (!ParseFusionPolicy(f, &unused))
        return absl::InvalidArgumentError(absl::StrCat("--fusion: unknown policy '", f, "' (auto, on, off)"));
    }
  }
  if (o.isas.empty() || o.fusions.empty())
    return absl::InvalidArgumentError("--isa and --fusion need at least one value");

  auto warmup = args->get_int("warmup", 3);
  auto min_iters = args->get_int("min-iters", 10);
  auto min_time = args->get_double("min-time", 1.0);
  auto sustained = args->get_double("sustained", 0);
  auto seed = args->get_int("seed", 0);
  for (const absl::Status& s : {warmup.status(), min_iters.status(), min_time.status(), sustained.status(),
                                seed.status()})
    if (!s.ok()) return s;
  if (args->has("sustained") && !(*sustained > 0))
    return absl::InvalidArgumentError(absl::StrCat("--sustained must be > 0 seconds, got ", args->get("sustained")));
  o.settings.warmup = *warmup;
  o.settings.min_iters = *min_iters;
  o.settings.min_time_s = *min_time;
  o.settings.sustained_s = *sustained;
  o.settings.seed = static_cast<uint32_t>(*seed);
  if (absl::Status s = ValidateSettings(o.settings); !s.ok()) return s;
  if (o.settings.sustained_s > 0 && !o.family_dir.empty())
    return absl::InvalidArgumentError("--sustained and --family cannot be combined");
  if (!o.budget_traces.empty() && (o.backends.size() != 1 || o.precisions.size() != 1 || o.threads.size() != 1))
    return absl::InvalidArgumentError("--budget-trace runs one backend, one precision and one thread count");
  if (o.settings.profile && !o.family_dir.empty())
    return absl::InvalidArgumentError("--profile and --family cannot be combined (profile one member instead)");
  return o;
}

std::vector<CandidateSpec> ExpandCandidates(const std::vector<std::string>& models, const BenchOptions& o) {
  std::vector<CandidateSpec> r;
  for (const std::string& m : models)
    for (const std::string& b : o.backends)
      for (Precision p : o.precisions)
        for (int t : o.threads) {
          if (b != "native") {
            r.push_back({m, b, p, t, "", ""});
            continue;
          }
          const std::vector<std::string> none = {""};
          for (const std::string& isa : o.isas.empty() ? none : o.isas)
            for (const std::string& f : o.fusions.empty() ? none : o.fusions) r.push_back({m, b, p, t, isa, f});
        }
  return r;
}

}  // namespace scalert::bench
