// scalert run MODEL: run once on an input (.npy, images, or random from a seed), print the top-k
// and the time.
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
#include "tools/run_images.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"input", true, "input tensor as .npy (float32, C order, the model's input shape)", "X.npy"},
    {"image", true, "JPEG/PNG/PPM file or folder of them, resized and normalized per the model (repeatable; "
                    "more files may follow as arguments)", "PATH"},
    {"fit", true, "with --image: stretch (default), crop (center) or letterbox", "POLICY"},
    {"top", true, "print the K largest outputs (default 5)", "K"},
    {"save-input", true, "with one --image: write the preprocessed input tensor as .npy", "X.npy"},
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
  const bool images = args->has("image");
  if (args->has("help") || args->positional().empty() || (!images && args->positional().size() != 1)) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("run", "MODEL.srm [--input X.npy | --seed N | --image PATH [PATH...]] [--output Y.npy] [flags]",
                       "Runs a model once per input and prints the top-k entries (with the model's labels) and "
                       "the time.", kFlags)
                     .c_str());
    return args->has("help") ? 0 : 2;
  }
  auto seed = args->get_int("seed", 0);
  auto threads = args->get_int("threads", 1);
  auto top = args->get_int("top", 5);
  if (!seed.ok()) return Fail(seed.status(), 2);
  if (!top.ok()) return Fail(top.status(), 2);
  if (*top < 1) return Fail(absl::InvalidArgumentError("--top must be at least 1"), 2);
  image::Fit fit = image::Fit::kStretch;
  if (args->has("fit") && !image::ParseFit(args->get("fit"), &fit))
    return Fail(absl::InvalidArgumentError("unknown --fit '" + args->get("fit") + "' (stretch, crop, letterbox)"), 2);
  if (images && args->has("input")) return Fail(absl::InvalidArgumentError("give --input or --image, not both"), 2);
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

  if (images) {
    std::vector<std::string> paths = args->get_all("image");
    paths.insert(paths.end(), args->positional().begin() + 1, args->positional().end());
    auto files = ExpandImagePaths(paths);
    if (!files.ok()) return Fail(files.status());
    ImageRunOptions io;
    io.images = std::move(files).value();
    io.fit = fit;
    io.top = static_cast<size_t>(*top);
    io.json = args->has("json");
    io.output = args->get("output");
    io.save_input = args->get("save-input");
    return RunOnImages(interp, io);
  }

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
  const std::vector<int64_t> idx = TopK(y, out.num_elements(), static_cast<size_t>(*top));
  const size_t k = idx.size();
  const auto& labels = (*model)->graph().metadata.labels;
  std::vector<std::string> written;
  if (args->has("output")) {
    auto files = WriteOutputsNpy(interp, args->get("output"));
    if (!files.ok()) return Fail(files.status());
    written = *std::move(files);
  }
  if (args->has("json")) {
    std::vector<std::string> top_json;
    for (size_t i = 0; i < k; ++i)
      top_json.push_back(JsonObject().Int("index", idx[i]).Num("value", y[idx[i]]).str());
    std::vector<std::string> shape;
    for (int32_t d : out.shape) shape.push_back(std::to_string(d));
    std::vector<std::string> files;
    for (const std::string& f : written) files.push_back(JsonString(f));
    std::printf("%s\n", JsonObject().Str("backend", o.backend).Int("threads", o.threads)
                            .Raw("output_shape", JsonArray(shape)).Raw("top", JsonArray(top_json)).Num("time_ms", ms)
                            .Raw("written", JsonArray(files))
                            .str().c_str());
    return 0;
  }
  std::printf("output '%s' %s\ntop-%zu:\n", out.name.c_str(), ShapeToString(out.shape).c_str(), k);
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

SCALERT_REGISTER_COMMAND("run", "run a model on a tensor or on images and print the top-k", Run);

}  // namespace scalert::tools
