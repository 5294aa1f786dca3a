// scalert run MODEL: run once on an input (.npy or random from a seed), print top-5 and time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>

#include "runtime/interpreter.h"
#include "tools/args.h"
#include "tools/command.h"
#include "tools/json.h"
#include "tools/npy.h"
#include "tools/output_files.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"input", true, "input tensor as .npy (float32, C order, the model's input shape)", "X.npy"},
    {"seed", true, "random input in [-1, 1) from this seed when no --input (default 0)", "N"},
    {"output", true, "write the output as Y.npy, or every output as DIR/<name>.npy (a backbone's feature maps)",
     "Y.npy|DIR"},
    {"backend", true, "native (default), xnnpack or reference", "NAME"},
    {"threads", true, "threads (default 1)", "N"},
    {"precision", true, "fp32 (default), fp16, bf16, int8", "P"},
    {"json", false, "print the result as JSON"},
};

int Fail(const absl::Status& s, int code = 1) {
  std::fprintf(stderr, "scalert run: %s\n", std::string(s.message()).c_str());
  return code;
}

int Run(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) return Fail(args.status(), 2);
  if (args->has("help") || args->positional().size() != 1) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("run", "MODEL.srm [--input X.npy | --seed N] [--output Y.npy] [flags]",
                       "Runs a model once and prints the output shape, its top-5 entries and the time.", kFlags)
                     .c_str());
    return args->has("help") ? 0 : 2;
  }
  auto seed = args->get_int("seed", 0);
  auto threads = args->get_int("threads", 1);
  if (!seed.ok()) return Fail(seed.status(), 2);
  if (!threads.ok()) return Fail(threads.status(), 2);
  InterpreterOptions o;
  o.backend = args->get("backend", "native");
  o.threads = static_cast<int>(*threads);
  if (args->has("precision") && !ParsePrecision(args->get("precision"), &o.precision))
    return Fail(absl::InvalidArgumentError("unknown precision '" + args->get("precision") + "' (fp32, fp16, bf16, int8)"), 2);

  auto model = Model::Load(args->positional()[0]);
  if (!model.ok()) return Fail(model.status());
  auto it = Interpreter::Create(*model, o);
  if (!it.ok()) return Fail(it.status());
  Interpreter& interp = **it;

  for (size_t i = 0; i < interp.num_inputs(); ++i) {
    const Tensor& in = interp.input(i);
    if (in.dtype != DType::kF32) return Fail(absl::InvalidArgumentError("only f32 inputs are supported by run"));
    std::vector<float> data(static_cast<size_t>(in.num_elements()));
    if (i == 0 && args->has("input")) {
      auto npy = ReadNpy(args->get("input"));
      if (!npy.ok()) return Fail(npy.status());
      if (npy->shape != in.shape)
        return Fail(absl::InvalidArgumentError(args->get("input") + ": shape " + ShapeToString(npy->shape) +
                                               " does not match input '" + in.name + "' " + ShapeToString(in.shape)));
      data = std::move(npy->data);
    } else {
      std::mt19937 rng(static_cast<uint32_t>(*seed + i));
      std::uniform_real_distribution<float> u(-1.f, 1.f);
      for (float& v : data) v = u(rng);
    }
    absl::Status s = interp.SetInput(i, data.data(), data.size() * sizeof(float));
    if (!s.ok()) return Fail(s);
  }
  auto t0 = std::chrono::steady_clock::now();
  absl::Status s = interp.Invoke();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) return Fail(s);

  const Tensor& out = interp.output(0);
  const float* y = static_cast<const float*>(interp.output_data(0));
  const int64_t n = out.num_elements();
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  const size_t k = std::min<size_t>(5, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) { return y[a] > y[b]; });
  const auto& labels = (*model)->graph().metadata.labels;
  std::vector<std::string> written;
  if (args->has("output")) {
    auto files = WriteOutputsNpy(interp, args->get("output"));
    if (!files.ok()) return Fail(files.status());
    written = *std::move(files);
  }
  if (args->has("json")) {
    std::vector<std::string> top;
    for (size_t i = 0; i < k; ++i)
      top.push_back(JsonObject().Int("index", idx[i]).Num("value", y[idx[i]]).str());
    std::vector<std::string> shape;
    for (int32_t d : out.shape) shape.push_back(std::to_string(d));
    std::vector<std::string> files;
    for (const std::string& f : written) files.push_back(JsonString(f));
    std::printf("%s\n", JsonObject().Str("backend", o.backend).Int("threads", o.threads)
                            .Raw("output_shape", JsonArray(shape)).Raw("top5", JsonArray(top)).Num("time_ms", ms)
                            .Raw("written", JsonArray(files))
                            .str().c_str());
    return 0;
  }
  std::printf("output '%s' %s\ntop-5:\n", out.name.c_str(), ShapeToString(out.shape).c_str());
  for (size_t i = 0; i < k; ++i) {
    std::string label = idx[i] < static_cast<int64_t>(labels.size()) ? "  " + labels[idx[i]] : "";
    std::printf("  %6lld  %12.6f%s\n", static_cast<long long>(idx[i]), y[idx[i]], label.c_str());
  }
  std::printf("time: %.3f ms (one run, cold; use `scalert bench` for latency), backend %s, %d thread(s)\n", ms,
              o.backend.c_str(), o.threads);
  for (const std::string& f : written) std::printf("wrote %s\n", f.c_str());
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("run", "run a model once on an input and print the top-5", Run);

}  // namespace scalert::tools
