// Whole models by backend, precision and threads: EfficientNet-B0 and MobileNetV2 built in code
// by the scaler (no files needed), plus any .srm files listed in SCALERT_BENCH_MODELS
// (comma-separated). XNNPACK FP32 runs first for each model and thread count, and every later
// case reports `x_xnnpack` = its time / XNNPACK's, so each number comes with its baseline.
//   bench_model --benchmark_min_time=1 [--benchmark_filter=b0]
//   SCALERT_BENCH_RESOLUTION=128 bench_model   (smaller inputs, quicker)
// For the numbers users should quote, use `scalert bench` (interleaved rounds, cold run, RSS).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/backend.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tools/args.h"
#include "tools/scale/scaler.h"

namespace scalert {
namespace {

struct NamedModel {
  std::string name;
  std::shared_ptr<const Model> model;
  int64_t macs = 0;
};

// Per-iteration seconds of XNNPACK FP32, by model and threads, for the ratio counter.
std::map<std::pair<std::string, int>, double>& XnnpackSeconds() {
  static std::map<std::pair<std::string, int>, double> m;
  return m;
}

absl::StatusOr<NamedModel> BuildModel(const std::string& name, const std::string& family, const std::string& preset,
                                      int32_t resolution) {
  scale::ScaleRequest req;
  req.family = family;
  req.preset = preset;
  if (resolution > 0) req.resolution = std::make_pair(resolution, resolution);
  auto spec = scale::ResolveScaleRequest(req);
  if (!spec.ok()) return spec.status();
  auto built = scale::BuildScaledModel(*spec);
  if (!built.ok()) return built.status();
  auto bytes = SerializeGraph(built->graph);
  if (!bytes.ok()) return bytes.status();
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size(), {}, name);
  if (!model.ok()) return model.status();
  return NamedModel{name, *model, built->macs};
}

void BM_Model(benchmark::State& state, NamedModel m, std::string backend, Precision precision, int threads) {
  InterpreterOptions o;
  o.backend = backend;
  o.precision = precision;
  o.threads = threads;
  auto it = Interpreter::Create(m.model, o);
  if (!it.ok()) {
    state.SkipWithError(std::string(it.status().message()).c_str());
    return;
  }
  Interpreter& interp = **it;
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t i = 0; i < interp.num_inputs(); ++i) {
    if (interp.input(i).dtype != DType::kF32) continue;
    float* x = static_cast<float*>(interp.input_data(i));
    for (int64_t k = 0; k < interp.input(i).num_elements(); ++k) x[k] = u(rng);
  }
  if (!interp.Invoke().ok()) {  // the cold run, outside the timing
    state.SkipWithError("invoke failed");
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!interp.Invoke().ok()) {
      state.SkipWithError("invoke failed");
      return;
    }
  }
  const double per_iter = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                          static_cast<double>(std::max<int64_t>(1, state.iterations()));
  const Precision effective = interp.executable().effective_precision();
  if (effective != precision) state.SetLabel(std::string("ran ") + PrecisionName(effective));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m.macs) / 1e9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.counters["arena_MiB"] = static_cast<double>(interp.executable().arena_bytes()) / (1 << 20);
  const auto key = std::make_pair(m.name, threads);
  if (backend == "xnnpack" && effective == Precision::kF32) XnnpackSeconds()[key] = per_iter;
  if (auto b = XnnpackSeconds().find(key); b != XnnpackSeconds().end() && b->second > 0)
    state.counters["x_xnnpack"] = per_iter / b->second;
}

}  // namespace
}  // namespace scalert

int main(int argc, char** argv) {
  using namespace scalert;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  int32_t resolution = 0;
  if (const char* r = std::getenv("SCALERT_BENCH_RESOLUTION")) resolution = std::atoi(r);

  std::vector<NamedModel> models;
  for (const auto& [name, family, preset] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"efficientnet_b0", "", "b0"},
                                                                     {"mobilenet_v2", "mobilenet_v2", ""}}) {
    auto m = BuildModel(name, family, preset, resolution);
    if (!m.ok()) {
      std::fprintf(stderr, "bench_model: cannot build %s: %s\n", name.c_str(), std::string(m.status().message()).c_str());
      return 1;
    }
    models.push_back(*m);
  }
  if (const char* files = std::getenv("SCALERT_BENCH_MODELS")) {
    for (const std::string& path : tools::SplitList(files)) {
      auto m = Model::Load(path);
      if (!m.ok()) {
        std::fprintf(stderr, "bench_model: %s\n", std::string(m.status().message()).c_str());
        return 1;
      }
      int64_t macs = 0;
      for (const Node& n : (*m)->graph().nodes) macs += NodeMacs((*m)->graph(), n);
      models.push_back({path, *m, macs});
    }
  }

  // XNNPACK first so the ratio counter has its baseline.
  std::vector<std::string> backends = AvailableBackends();
  std::stable_partition(backends.begin(), backends.end(), [](const std::string& b) { return b == "xnnpack"; });
  for (const NamedModel& m : models)
    for (int threads : {1, 2})
      for (const std::string& backend : backends)
        for (Precision p : {Precision::kF32, Precision::kF16}) {
          if (backend == "reference" && p != Precision::kF32) continue;  // the oracle is FP32 only
          const std::string name =
              m.name + "/" + backend + "/" + PrecisionName(p) + "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(name.c_str(), BM_Model, m, backend, p, threads)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
        }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
