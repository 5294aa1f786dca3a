// Every MBConv / inverted-residual block shape of EfficientNet-B0 and MobileNetV2 on its own:
// the native backend unfused (the baseline, run first), the same block fused, and the xnnpack
// backend. Each fused and xnnpack case reports `x_unfused` = its time / the unfused time of the
// same block and threads, so every number comes with its ratio.
//   bench_fused_blocks --benchmark_filter='b0/features.2.1/' --benchmark_min_time=0.5
// `scalert bench MODEL --fusion off,on --profile` gives the same per block inside a whole model.
#include <chrono>
#include <map>
#include <random>
#include <string>

#include "bench/block_graphs.h"
#include "benchmark/benchmark.h"
#include "runtime/backend.h"
#include "tools/scale/scaler.h"

namespace scalert {
namespace {

std::map<std::string, double>& UnfusedSeconds() {
  static std::map<std::string, double> m;
  return m;
}

void BM_Block(benchmark::State& state, const bench::BlockGraph& block, std::string key, std::string backend,
              FusionPolicy fusion, int threads) {
  BackendOptions o;
  o.threads = threads;
  o.fusion = fusion;
  auto e = PrepareBackend(backend, block.graph, o);
  if (!e.ok()) {
    state.SkipWithError(std::string(e.status().message()).c_str());
    return;
  }
  Executable& exe = **e;
  const Tensor& in = block.graph.tensors[block.graph.inputs[0]];
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  float* x = static_cast<float*>(exe.input_buffer(0));
  for (int64_t i = 0; i < in.num_elements(); ++i) x[i] = u(rng);
  if (!exe.Invoke().ok()) {  // the cold run, outside the timing
    state.SkipWithError("invoke failed");
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) benchmark::DoNotOptimize(exe.Invoke());
  const double per_iter = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                          static_cast<double>(std::max<int64_t>(1, state.iterations()));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(block.macs) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["arena_KiB"] = static_cast<double>(exe.arena_bytes()) / 1024;
  const bool baseline = backend == "native" && fusion == FusionPolicy::kOff;
  if (baseline) UnfusedSeconds()[key] = per_iter;
  else if (auto b = UnfusedSeconds().find(key); b != UnfusedSeconds().end() && b->second > 0)
    state.counters["x_unfused"] = per_iter / b->second;
}

}  // namespace
}  // namespace scalert

int main(int argc, char** argv) {
  using namespace scalert;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  static std::vector<std::pair<std::string, std::vector<bench::BlockGraph>>> nets;
  for (const auto& [name, family, preset] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"b0", "", "b0"}, {"mobilenet_v2", "mobilenet_v2", ""}}) {
    scale::ScaleRequest req;
    req.family = family;
    req.preset = preset;
    auto spec = scale::ResolveScaleRequest(req);
    auto built = spec.ok() ? scale::BuildScaledModel(*spec) : decltype(scale::BuildScaledModel(*spec))(spec.status());
    if (!built.ok()) {
      std::fprintf(stderr, "bench_fused_blocks: cannot build %s: %s\n", name.c_str(),
                   std::string(built.status().message()).c_str());
      return 1;
    }
    nets.push_back({name, bench::ExtractBlocks(built->graph)});
  }
  const std::vector<std::string> backends = AvailableBackends();
  const bool xnnpack = std::find(backends.begin(), backends.end(), "xnnpack") != backends.end();
  for (const auto& [net, blocks] : nets)
    for (const bench::BlockGraph& b : blocks)
      for (int threads : {1, 2}) {
        const std::string key = net + "/" + b.name + "/threads:" + std::to_string(threads);
        auto add = [&](const std::string& variant, const std::string& backend, FusionPolicy f) {
          const std::string name = net + "/" + b.name + "/" + variant + "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(name.c_str(), BM_Block, b, key, backend, f, threads)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        };
        add("unfused", "native", FusionPolicy::kOff);
        add("fused", "native", FusionPolicy::kOn);
        if (xnnpack) add("xnnpack", "xnnpack", FusionPolicy::kOff);
      }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
