// The command line of `scalert bench`, parsed and checked before anything runs, so bad usage
// (no model, unknown backend, zero iterations) fails fast with a clear message.
#ifndef SCALERT_TOOLS_BENCH_OPTIONS_H_
#define SCALERT_TOOLS_BENCH_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/args.h"
#include "tools/bench/runner.h"

namespace scalert::bench {

struct BenchOptions {
  std::vector<std::string> models;
  std::vector<std::string> backends;     // available ones only, in the order given
  std::vector<Precision> precisions;
  std::vector<int> threads;
  std::vector<std::string> isas;      // --isa: native kernel level caps ("" = best)
  std::vector<std::string> fusions;   // --fusion: native fusion policies ("" = default)
  RunSettings settings;
  bool machine = false;                  // measure and print peak FLOP/s and bandwidth
  bool json = false;
  std::string family_dir;                // --family DIR
  std::vector<std::string> budget_traces;  // --budget-trace: files or steady|sawtooth|throttling
  int frames = 120;                      // --frames: length of a generated trace
  int horizon = 8;                       // --horizon: the DP policy's frames ahead
  std::string out_dir;                   // -o / --out DIR
  bool help = false;
};

const std::vector<tools::FlagSpec>& BenchFlags();
std::string BenchUsage();

// Parses and validates the arguments (without the program and command names). Model files are
// not opened here; the runner reports a missing or invalid file by name.
absl::StatusOr<BenchOptions> ParseBenchOptions(const std::vector<std::string>& argv);

// "native,xnnpack" / "all" -> backend names, each checked against AvailableBackends().
absl::StatusOr<std::vector<std::string>> ParseBackends(const std::string& list);

// Every combination, model-major: model x backend x precision x threads (x --isa x --fusion for
// the native backend).
std::vector<CandidateSpec> ExpandCandidates(const std::vector<std::string>& models, const BenchOptions& o);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_OPTIONS_H_
