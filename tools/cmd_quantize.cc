// scalert quantize IN.srm -o OUT.srm --mode int8|fp16|bf16|mixed: post-training lowering, with a
// sensitivity report and an automatic mixed policy. Writes nothing unless everything succeeded.
#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/image/resize.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tools/args.h"
#include "tools/command.h"
#include "tools/json.h"
#include "tools/quantize/quantizer.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"o", true, "output model file (required)", "OUT.srm"},
    {"mode", true, "int8, fp16, bf16 or mixed (required)", "MODE"},
    {"calibration", true,
     "folder of inputs: .npy tensors (the model's input shape) and .jpg/.png/.ppm images, resized and "
     "normalized as the model's metadata says; a quarter (at least one) is held out", "DIR"},
    {"fit", true, "with --calibration images: stretch (default), crop (center) or letterbox, as `run --image`", "POLICY"},
    {"calibration-random", true, "N random inputs in [-1, 1) for calibration (default 32 when no --calibration)", "N"},
    {"holdout-random", true, "random held-out inputs for the report and --auto-mixed (default 4)", "N"},
    {"percentile", true, "activation ranges from the (100-P)th to the Pth percentile (default 100: min/max)", "P"},
    {"policy", true, "mixed: per-layer rules, `default int8` and `<operator> fp32|fp16|bf16|int8` lines", "FILE"},
    {"report", false, "print the sensitivity report: per-layer SNR when only that layer is lowered"},
    {"auto-mixed", false, "keep the fewest layers fp32 that meet --min-snr, the rest int8 (mixed) or the mode's precision; writes OUT.policy beside OUT"},
    {"min-snr", true, "the bound for --auto-mixed, dB (default 30)", "DB"},
    {"seed", true, "seed of the random inputs (default 0)", "N"},
    {"threads", true, "threads for the model runs (default 1)", "N"},
    {"json", false, "print the result as JSON"},
};

int Fail(const absl::Status& s, int code = 1) {
  std::fprintf(stderr, "scalert quantize: %s\n", std::string(s.message()).c_str());
  return code;
}

std::string Db(double v) { return std::isfinite(v) ? absl::StrFormat("%.2f", v) : (v > 0 ? "inf" : "-inf"); }

std::string FidelityJson(const quantize::Fidelity& f) {
  return JsonObject().Num("snr_db", f.snr_db).Num("cosine", f.cosine).Num("top1_agreement", f.top1)
      .Num("top5_agreement", f.top5).str();
}

int Quantize(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) return Fail(args.status(), 2);
  if (args->has("help") || args->positional().size() != 1 || !args->has("o") || !args->has("mode")) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("quantize", "IN.srm -o OUT.srm --mode int8|fp16|bf16|mixed [flags]",
                       "Lowers an FP32 model (scaled or imported): INT8 with per-channel symmetric weights and\n"
                       "per-tensor activations from calibration, FP16 or BF16 weights and activations, or a\n"
                       "per-layer mix (BF16 keeps depthwise weights and the classifier's activations FP32:\n"
                       "their kernels compute in FP32 anyway). Quantize/Dequantize appear only where\n"
                       "precisions meet. The written file runs on the native backend at its precision; fidelity\n"
                       "is measured on the reference backend (the oracle), where the report and --auto-mixed\n"
                       "take about (layers + 1) x held-out inputs model runs.",
                       kFlags).c_str());
    return args->has("help") ? 0 : 2;
  }
  image::Fit fit = image::Fit::kStretch;
  if (args->has("fit") && !image::ParseFit(args->get("fit"), &fit))
    return Fail(absl::InvalidArgumentError("unknown --fit '" + args->get("fit") + "' (stretch, crop, letterbox)"), 2);
  if (args->has("fit") && !args->has("calibration"))
    return Fail(absl::InvalidArgumentError("--fit applies to the images of --calibration DIR"), 2);
  quantize::QuantizeOptions o;
  const std::string mode = args->get("mode");
  if (mode == "mixed") o.mode = Precision::kMixed;
  else if (!ParsePrecision(mode, &o.mode) || o.mode == Precision::kF32)
    return Fail(absl::InvalidArgumentError("--mode must be int8, fp16, bf16 or mixed, found '" + mode + "'"), 2);
  auto seed = args->get_int("seed", 0);
  auto threads = args->get_int("threads", 1);
  auto random = args->get_int("calibration-random", 32);
  auto holdout = args->get_int("holdout-random", 4);
  auto percentile = args->get_double("percentile", 100);
  auto min_snr = args->get_double("min-snr", 30);
  for (const absl::Status& s : {seed.status(), threads.status(), random.status(), holdout.status(),
                                percentile.status(), min_snr.status()})
    if (!s.ok()) return Fail(s, 2);
  o.percentile = *percentile;
  o.min_snr_db = *min_snr;
  o.threads = static_cast<int>(*threads);
  o.report = args->has("report");
  o.auto_mixed = args->has("auto-mixed");
  if (args->has("policy")) {
    auto p = quantize::ReadPolicyFile(args->get("policy"));
    if (!p.ok()) return Fail(p.status(), 2);
    o.policy = *p;
  }

  const std::string in_path = args->positional()[0], out_path = args->get("o");
  auto model = Model::Load(in_path);
  if (!model.ok()) return Fail(model.status());
  const Graph& g = (*model)->graph();
  const bool int8 = o.mode == Precision::kI8 || o.mode == Precision::kMixed;
  const bool evaluate = o.report || o.auto_mixed;
  if (int8 || evaluate || o.mode == Precision::kF16) {  // fp16: ranges for its scaling
    if (args->has("calibration")) {
      auto samples = quantize::FolderSamples(g, args->get("calibration"), fit);
      if (!samples.ok()) return Fail(samples.status());
      // Hold out every fourth file (at least one when there are two or more) for fidelity.
      for (size_t i = 0; i < samples->size(); ++i)
        ((samples->size() > 1 && i % 4 == 3) || (samples->size() > 1 && samples->size() < 4 && i + 1 == samples->size())
             ? o.holdout : o.calibration).push_back(std::move((*samples)[i]));
    } else {
      auto samples = quantize::RandomSamples(g, static_cast<int>(*random), static_cast<uint32_t>(*seed));
      if (!samples.ok()) return Fail(samples.status(), 2);
      o.calibration = std::move(*samples);
    }
  }
  if (o.holdout.empty() && *holdout > 0) {
    auto samples = quantize::RandomSamples(g, static_cast<int>(*holdout), static_cast<uint32_t>(*seed) + 7919);
    if (!samples.ok()) return Fail(samples.status(), 2);
    o.holdout = std::move(*samples);
  }

  auto r = quantize::Quantize(g, o);
  if (!r.ok()) return Fail(r.status());
  // Serialize everything first, then write: no file unless both can be written.
  auto bytes = SerializeGraph(r->lowered);
  if (!bytes.ok()) return Fail(bytes.status());
  std::string policy_path;
  if (o.auto_mixed) {
    policy_path = out_path.size() > 4 && out_path.compare(out_path.size() - 4, 4, ".srm") == 0
                      ? out_path.substr(0, out_path.size() - 4) + ".policy"
                      : out_path + ".policy";
    const std::string text = quantize::PolicyText(
        r->policy, absl::StrCat("scalert quantize --auto-mixed --min-snr ", o.min_snr_db, " for ", in_path,
                                "\nverified: ", r->fidelity ? Db(r->fidelity->snr_db) : "?", " dB on the held-out inputs"));
    if (absl::Status s = WriteFileAtomically(policy_path, text.data(), text.size()); !s.ok()) return Fail(s);
  }
  if (absl::Status s = WriteFileAtomically(out_path, bytes->data(), bytes->size()); !s.ok()) {
    if (!policy_path.empty()) std::remove(policy_path.c_str());
    return Fail(s);
  }

  if (args->has("json")) {
    std::vector<std::string> layers, notes;
    for (const auto& l : r->layers)
      layers.push_back(JsonObject().Str("name", l.name).Str("op", l.op).Num("snr_db", l.snr_db).str());
    for (const auto& n : r->notes) notes.push_back(JsonString(n));
    JsonObject j;
    j.Str("input", in_path).Str("output", out_path).Str("mode", mode)
        .Int("weight_bytes_fp32", r->weight_bytes_before).Int("weight_bytes", r->weight_bytes_after)
        .Int("file_bytes", static_cast<int64_t>(bytes->size()))
        .Int("calibration_inputs", static_cast<int64_t>(o.calibration.size()))
        .Int("holdout_inputs", static_cast<int64_t>(o.holdout.size()));
    if (r->fidelity) j.Raw("fidelity", FidelityJson(*r->fidelity));
    if (!r->layers.empty()) j.Raw("layers", JsonArray(layers));
    if (!policy_path.empty()) j.Str("policy", policy_path);
    j.Raw("notes", JsonArray(notes));
    std::printf("%s\n", j.str().c_str());
    return 0;
  }
  std::printf("wrote %s (%s): weights %lld -> %lld bytes (%.1f%%)\n", out_path.c_str(), mode.c_str(),
              static_cast<long long>(r->weight_bytes_before), static_cast<long long>(r->weight_bytes_after),
              100.0 * r->weight_bytes_after / std::max<int64_t>(1, r->weight_bytes_before));
  if (!policy_path.empty()) std::printf("wrote %s\n", policy_path.c_str());
  if (!r->layers.empty()) {
    std::printf("\nper-layer sensitivity (output SNR vs fp32 when only that layer is lowered):\n");
    std::printf("  %-40s %-16s %10s\n", "layer", "op", "SNR dB");
    for (const auto& l : r->layers) std::printf("  %-40s %-16s %10s\n", l.name.c_str(), l.op.c_str(), Db(l.snr_db).c_str());
  }
  if (r->fidelity)
    std::printf("\nwhole model vs fp32 on %zu held-out input(s): SNR %s dB, cosine %.6f, top-1 agreement %.0f%%, "
                "top-5 agreement %.0f%%\n",
                o.holdout.size(), Db(r->fidelity->snr_db).c_str(), r->fidelity->cosine, 100 * r->fidelity->top1,
                100 * r->fidelity->top5);
  for (const auto& n : r->notes) std::printf("note: %s\n", n.c_str());
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("quantize", "lower a model to int8, fp16, bf16 or a per-layer mix", Quantize);

}  // namespace scalert::tools
