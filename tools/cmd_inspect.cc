// scalert inspect MODEL: metadata, per-op table, params, MACs, peak arena bytes.
#include <cstdio>

#include "runtime/interpreter.h"
#include "tools/args.h"
#include "tools/command.h"
#include "tools/latency/predict.h"
#include "tools/model_summary.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"json", false, "print totals and metadata as JSON (stable field names)"},
    {"backend", true, "also show what runs each op on this backend (reference, native, xnnpack) and its plan's arena",
     "NAME"},
    {"precision", true, "precision for --backend: fp32, fp16, bf16, int8", "P"},
    {"fusion", true, "MBConv fusion for --backend native: auto, on, off (default auto)", "POLICY"},
    {"ops", false, "print the per-op table even with --json"},
    {"predict", true, "latency per layer on a device (a profile from scalert profile-device) beside the "
                      "FLOP-proportional estimate", "device.json"},
    {"threads", true, "with --predict: the thread count to predict (default 1)", "N"},
};

// --predict: the latency model's per-layer table (or JSON) instead of the op table.
int PredictLatency(std::shared_ptr<const Model> model, const Args& args) {
  auto profile = latency::LoadDeviceProfile(args.get("predict"));
  auto threads = args.get_int("threads", 1);
  if (!threads.ok() || *threads < 1 || *threads > 1024) {
    std::fprintf(stderr, "scalert inspect: --threads expects a thread count in [1, 1024]\n");
    return 2;
  }
  if (!profile.ok()) {
    std::fprintf(stderr, "scalert inspect: %s\n", std::string(profile.status().message()).c_str());
    return 1;
  }
  const std::string precision = args.get("precision", "fp32");
  auto p = latency::PredictModel(model, *profile, static_cast<int>(*threads), precision);
  if (!p.ok()) {
    std::fprintf(stderr, "scalert inspect: %s\n", std::string(p.status().message()).c_str());
    return 1;
  }
  const std::string label = latency::SettingLabel(*profile, static_cast<int>(*threads), precision);
  if (args.has("json")) std::printf("%s\n", latency::PredictionJson(model->graph(), *p, label).c_str());
  else std::printf("%s", latency::FormatPrediction(model->graph(), *p, label).c_str());
  return 0;
}

int Inspect(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) {
    std::fprintf(stderr, "scalert inspect: %s\n", std::string(args.status().message()).c_str());
    return 2;
  }
  if (args->has("help") || args->positional().size() != 1) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("inspect", "MODEL.srm [flags]",
                       "Loads and validates a model, then prints its metadata, a per-operator table\n"
                       "(shapes, params, MACs, output bytes) and totals (params as trained and as stored,\n"
                       "MACs, weight bytes, peak activation bytes from the memory planner).",
                       kFlags).c_str());
    return args->has("help") ? 0 : 2;
  }
  auto model = Model::Load(args->positional()[0]);
  if (!model.ok()) {
    std::fprintf(stderr, "scalert inspect: %s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  const Graph& g = (*model)->graph();
  std::vector<std::string> kernels;
  int64_t backend_arena = -1;
  if (args->has("fusion") && (!args->has("backend") || args->get("backend") != "native")) {
    std::fprintf(stderr, "scalert inspect: --fusion applies to --backend native only\n");
    return 2;
  }
  if (args->has("backend")) {
    InterpreterOptions o;
    o.backend = args->get("backend");
    if (args->has("precision") && !ParsePrecision(args->get("precision"), &o.precision)) {
      std::fprintf(stderr, "scalert inspect: unknown precision '%s' (fp32, fp16, bf16, int8)\n", args->get("precision").c_str());
      return 2;
    }
    if (args->has("fusion") && !ParseFusionPolicy(args->get("fusion"), &o.fusion)) {
      std::fprintf(stderr, "scalert inspect: unknown fusion policy '%s' (auto, on, off)\n", args->get("fusion").c_str());
      return 2;
    }
    auto it = Interpreter::Create(*model, o);
    if (!it.ok()) {
      std::fprintf(stderr, "scalert inspect: %s\n", std::string(it.status().message()).c_str());
      return 1;
    }
    kernels = (*it)->executable().op_descriptions();
    backend_arena = (*it)->executable().arena_bytes();
  }
  if (args->has("predict")) return PredictLatency(*model, *args);
  ModelTotals totals = ComputeTotals(g);
  totals.backend_arena_bytes = backend_arena;
  if (args->has("json")) {
    std::printf("%s\n", TotalsJson(g, totals).c_str());
    if (!args->has("ops")) return 0;
  }
  std::printf("%s\n%s", FormatOpTable(g, kernels).c_str(), FormatTotals(g, totals).c_str());
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("inspect", "print a model's metadata, per-op table and totals", Inspect);

}  // namespace scalert::tools
