// scalert bench MODEL...: honest on-device latency (see tools/bench/ and its README section).

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "runtime/model_format.h"
#include "tools/bench/family.h"
#include "tools/bench/machine.h"
#include "tools/bench/options.h"
#include "tools/bench/replay.h"
#include "tools/bench/report.h"
#include "tools/bench/runner.h"
#include "tools/command.h"
#include "tools/progress.h"

namespace scalert::tools {
namespace {

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "scalert bench: %s\n", msg.c_str());
  return code;
}

absl::Status WriteText(const std::string& dir, const std::string& name, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dir, ": cannot create the directory: ", ec.message()));
  const std::string path = (std::filesystem::path(dir) / name).string();
  return WriteFileAtomically(path, text.data(), text.size());
}

int Bench(const std::vector<std::string>& argv) {
  auto parsed = bench::ParseBenchOptions(argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "scalert bench: %s\n(scalert bench --help for usage)\n",
                 std::string(parsed.status().message()).c_str());
    return 2;
  }
  const bench::BenchOptions& o = *parsed;
  if (o.help) {
    std::printf("%s", bench::BenchUsage().c_str());
    return 0;
  }
  bench::ReportInput in;
  in.machine = bench::DetectMachine();
  in.settings = o.settings;
  // A line on stderr rewritten in place, on a terminal and without --json only.
  Progress progress("bench", 0, !o.json);
  bench::ProgressFn progress_fn;
  if (progress.active()) progress_fn = [&progress](const std::string& msg) { progress.Message(msg); };
  // Peaks are measured after the models ran: their 128+ MiB buffer must not count in the
  // candidates' peak RSS.
  auto measure_peaks = [&] {
    if (!o.machine && !o.settings.profile) return;
    progress.Message("measuring peak FLOP/s and memory bandwidth");
    in.peaks = bench::MeasurePeaks();
    progress.Finish();
  };
  if (o.models.empty() && o.family_dir.empty()) {  // --machine alone
    measure_peaks();
    if (o.json) std::printf("{\"machine\": %s, \"results\": []}\n", bench::MachineJson(in.machine, in.peaks).c_str());
    else std::printf("machine: %s\n%s", bench::MachineLine(in.machine).c_str(), bench::PeaksText(in.peaks).c_str());
    return 0;
  }

  if (!o.budget_traces.empty()) {  // --family DIR --budget-trace ...
    auto members = bench::ScanFamily(o.family_dir);
    if (!members.ok()) return Fail(std::string(members.status().message()), 1);
    auto rep = bench::RunReplay(*members, o, in.machine, progress_fn);
    progress.Finish();
    if (!rep.ok()) return Fail(std::string(rep.status().message()), 1);
    auto written = bench::WriteReplayFiles(*rep, o.out_dir.empty() ? o.family_dir : o.out_dir);
    if (!written.ok()) return Fail(std::string(written.status().message()), 1);
    if (o.json) std::printf("%s\n", bench::ReplayJson(*rep).c_str());
    else std::printf("%s", bench::ReplayMarkdown(*rep).c_str());
    for (const std::string& p : *written) std::fprintf(stderr, "wrote %s\n", p.c_str());
    return 0;
  }

  if (!o.family_dir.empty()) {
    auto members = bench::ScanFamily(o.family_dir);
    if (!members.ok()) return Fail(std::string(members.status().message()), 1);
    auto rep = bench::RunFamily(*members, o, in.machine, progress_fn);
    progress.Finish();
    if (!rep.ok()) return Fail(std::string(rep.status().message()), 1);
    measure_peaks();
    rep->peaks = in.peaks;
    bool any = false;
    for (const auto& r : rep->results) any = any || r.error.empty();
    if (!any) {
      for (const auto& r : rep->results) std::fprintf(stderr, "skipped: %s: %s\n", bench::CandidateLabel(r).c_str(), r.error.c_str());
      return Fail("no candidate could run; nothing written", 1);
    }
    auto written = bench::WriteFamilyFiles(*rep, o.out_dir.empty() ? o.family_dir : o.out_dir);
    if (!written.ok()) return Fail(std::string(written.status().message()), 1);
    if (o.json) std::printf("%s\n", bench::FamilyJson(*rep).c_str());
    else std::printf("%s", bench::FamilyMarkdown(*rep).c_str());
    for (const std::string& p : *written) std::fprintf(stderr, "wrote %s\n", p.c_str());
    return 0;
  }

  auto results = bench::RunCandidates(bench::ExpandCandidates(o.models, o), o.settings, progress_fn);
  progress.Finish();
  if (!results.ok()) return Fail(std::string(results.status().message()), 1);
  in.results = std::move(*results);
  bench::ComputeRatios(&in.results);
  measure_peaks();
  bool any = false;
  for (const auto& r : in.results) any = any || r.error.empty();
  if (!any) {
    for (const auto& r : in.results) std::fprintf(stderr, "skipped: %s: %s\n", bench::CandidateLabel(r).c_str(), r.error.c_str());
    return Fail("no candidate could run", 1);
  }
  const std::string text = bench::TextReport(in), json = bench::JsonReport(in) + "\n";
  if (!o.out_dir.empty()) {
    for (const auto& [name, body] : {std::pair<std::string, std::string>{"bench.txt", text}, {"bench.json", json}})
      if (absl::Status s = WriteText(o.out_dir, name, body); !s.ok()) return Fail(std::string(s.message()), 1);
  }
  if (o.json) {
    std::printf("%s", json.c_str());
    // Skipped candidates also go to stderr so a script piping the JSON still sees them.
    for (const auto& r : in.results)
      if (!r.error.empty()) std::fprintf(stderr, "skipped: %s: %s\n", bench::CandidateLabel(r).c_str(), r.error.c_str());
  } else {
    std::printf("%s", text.c_str());
  }
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("bench", "latency (median, p90, p99, cold run), memory, per-op profile, family sweeps", Bench);

}  // namespace scalert::tools
