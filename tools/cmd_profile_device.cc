// scalert profile-device -o device.json: micro-benchmarks of what the native backend runs
// (single blocks and the ops around them over a grid of shapes), written as a device profile
// for the latency model of `scalert search` and `scalert inspect --predict`.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/model_format.h"
#include "runtime/version.h"
#include "tools/args.h"
#include "tools/bench/machine.h"
#include "tools/command.h"
#include "tools/json.h"
#include "tools/latency/device_profile.h"
#include "tools/latency/latency_model.h"
#include "tools/latency/micro_graphs.h"
#include "tools/latency/profiler.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"o", true, "write the device profile here (required)", "device.json"},
    {"threads", true, "thread counts to profile, comma-separated (default 1)", "LIST"},
    {"precision", true, "precisions to profile: fp32, fp16, int8 (default fp32); the profile records what ran", "LIST"},
    {"full", false, "a fuller grid of widths and resolutions (several times longer)"},
    {"sustained", false, "repeat the whole grid until two passes differ by less than --drift-tolerance"},
    {"drift-tolerance", true, "sustained: percent change between passes that counts as settled (default 3)", "PCT"},
    {"max-passes", true, "sustained: at most this many passes (default 8)", "N"},
    {"min-time", true, "seconds of timed runs per graph, profiled and unprofiled each (default 0.1)", "S"},
    {"warm-only", false, "skip the cold runs (caches evicted before each run, as a network larger than the "
                         "last-level cache finds its weights)"},
    {"json", false, "print the fitted model summary as JSON"},
};

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "scalert profile-device: %s\n", msg.c_str());
  return code;
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

int ProfileDevice(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) return Fail(absl::StrCat(args.status().message(), " (scalert profile-device --help)"), 2);
  if (args->has("help") || !args->positional().empty() || !args->has("o")) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("profile-device", "-o device.json [flags]",
                       "Times single-block graphs (expand / depthwise / SE / project chains, cut from scaled\n"
                       "EfficientNet and MobileNet V2/V3 networks over a grid of widths and resolutions) and the\n"
                       "stem and head around them on the native backend, per step as the executable reports\n"
                       "them, and writes a device profile: the CPU, the ISA level the kernels ran at, each\n"
                       "thread count and precision, and whether the run was sustained. Run it on the target\n"
                       "device; the profile travels. The default grid takes about half a minute per setting\n"
                       "on a 2-core x86 machine; --full several minutes.",
                       kFlags)
                     .c_str());
    return args->has("help") ? 0 : 2;
  }
  std::vector<int> threads;
  for (const std::string& t : SplitList(args->get("threads", "1"))) {
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0' || v < 1 || v > 1024)
      return Fail(absl::StrCat("--threads expects thread counts in [1, 1024], got '", t, "'"), 2);
    threads.push_back(static_cast<int>(v));
  }
  std::vector<Precision> precisions;
  for (const std::string& p : SplitList(args->get("precision", "fp32"))) {
    Precision v;
    if (!ParsePrecision(p, &v)) return Fail(absl::StrCat("unknown precision '", p, "' (fp32, fp16, int8)"), 2);
    precisions.push_back(v);
  }
  latency::ProfileSettings settings;
  settings.sustained = args->has("sustained");
  auto tol = args->get_double("drift-tolerance", 3);
  auto passes = args->get_int("max-passes", 8);
  auto min_time = args->get_double("min-time", 0.1);
  if (!tol.ok() || !(*tol > 0)) return Fail("--drift-tolerance expects a positive percentage", 2);
  if (!passes.ok() || *passes < 2 || *passes > 1000) return Fail("--max-passes expects an integer in [2, 1000]", 2);
  if (!min_time.ok() || !(*min_time > 0 && *min_time <= 60)) return Fail("--min-time expects seconds in (0, 60]", 2);
  settings.drift_tolerance_pct = *tol;
  settings.max_passes = static_cast<int>(*passes);
  settings.timing.min_time_s = *min_time;

  auto graphs = latency::BuildMicroGraphs(latency::ProfileGrid(args->has("full")));
  if (!graphs.ok()) return Fail(std::string(graphs.status().message()), 1);
  const bench::MachineInfo machine = bench::DetectMachine();
  // Twice the last-level cache, at least 64 MiB: what evicts a step's weights between runs.
  if (!args->has("warm-only")) settings.timing.evict_bytes = std::max<int64_t>(int64_t{64} << 20, 2 * machine.l3_bytes);
  settings.timing.warm_evict_bytes = std::max<int64_t>(int64_t{4} << 20, 4 * machine.l2_bytes);
  latency::DeviceProfile profile;
  profile.scalert_version = SCALERT_VERSION_STRING;
  profile.created = UtcNow();
  profile.grid = args->has("full") ? "full" : "default";
  profile.device.cpu = machine.cpu_model;
  profile.device.arch = machine.arch;
  profile.device.logical_cores = machine.logical_cores;
  profile.device.isa_features = machine.isa;
  profile.device.l2_bytes = machine.l2_bytes;
  profile.device.l3_bytes = machine.l3_bytes;
  const bool tty = isatty(fileno(stderr));
  auto progress = [tty](const std::string& msg) {
    std::fprintf(stderr, tty ? "\r\033[K%s" : "%s\n", msg.c_str());
    std::fflush(stderr);
  };
  std::fprintf(stderr, "profiling %zu graphs on %s (%s)\n", graphs->size(), machine.cpu_model.c_str(),
               machine.arch.c_str());
  for (int t : threads)
    for (Precision p : precisions) {
      auto s = latency::ProfileSetting(*graphs, t, p, settings, &profile.device.isa, progress);
      if (tty) std::fprintf(stderr, "\r\033[K");
      if (!s.ok()) return Fail(std::string(s.status().message()), 1);
      if (settings.sustained && std::abs(s->drift_pct) >= settings.drift_tolerance_pct)
        std::fprintf(stderr, "note: %d thread(s) %s still drifted %.1f%% after %d passes\n", t, PrecisionName(p),
                     s->drift_pct, settings.max_passes);
      profile.settings.push_back(std::move(*s));
    }
  if (profile.device.isa.empty()) profile.device.isa = "unknown";
  // Written only when every setting was measured and the fit works, so a failed run leaves no file.
  std::vector<std::string> fits_json;
  std::string fits_text;
  for (const latency::DeviceSetting& s : profile.settings) {
    auto m = latency::FitLatencyModel(s, profile.device);
    if (!m.ok()) return Fail(std::string(m.status().message()), 1);
    absl::StrAppend(&fits_text, absl::StrFormat("%d thread(s), %s (asked %s)%s: %zu samples from %zu graphs\n",
                                                s.threads, s.precision, s.requested_precision,
                                                s.sustained ? absl::StrFormat(", sustained, last drift %.1f%%", s.drift_pct)
                                                            : "",
                                                s.samples.size(), s.graphs.size()),
                    latency::FormatFit(*m));
    std::vector<std::string> classes;
    auto roof = [](const latency::RooflineParams& p) {
      return JsonObject()
          .Num("overhead_ms", p.overhead_ms)
          .Num("gflops", p.gflops)
          .Num("gbps", p.gbps)
          .Num("rms_rel_error", p.rms_rel_error)
          .str();
    };
    for (const auto& [c, f] : m->classes)
      classes.push_back(JsonObject()
                            .Str("class", c)
                            .Int("samples", f.warm.samples)
                            .Raw("warm", roof(f.warm))
                            .Raw("cold", roof(f.cold))
                            .str());
    fits_json.push_back(JsonObject()
                            .Int("threads", s.threads)
                            .Str("precision", s.precision)
                            .Raw("sustained", s.sustained ? "true" : "false")
                            .Num("drift_pct", s.drift_pct)
                            .Raw("classes", JsonArray(classes))
                            .str());
  }
  const std::string text = latency::DeviceProfileJson(profile);
  if (absl::Status w = WriteFileAtomically(args->get("o"), text.data(), text.size()); !w.ok())
    return Fail(std::string(w.message()), 1);
  if (args->has("json")) {
    std::printf("%s\n", JsonObject()
                            .Str("profile", args->get("o"))
                            .Str("cpu", profile.device.cpu)
                            .Str("isa", profile.device.isa)
                            .Int("graphs", static_cast<int64_t>(graphs->size()))
                            .Raw("settings", JsonArray(fits_json))
                            .str()
                            .c_str());
  } else {
    std::printf("device: %s, %s, %d logical cores, native kernels at %s\n%s", profile.device.cpu.c_str(),
                profile.device.arch.c_str(), profile.device.logical_cores, profile.device.isa.c_str(),
                fits_text.c_str());
  }
  std::fprintf(stderr, "wrote %s\n", args->get("o").c_str());
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("profile-device", "micro-benchmark the native kernels into a device profile (for search)",
                         ProfileDevice);

}  // namespace scalert::tools
