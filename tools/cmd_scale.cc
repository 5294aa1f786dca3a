// scalert scale: build .srm models from scaling parameters (family, preset, compound phi,
// explicit multipliers), or a whole family sweep with a summary table.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "runtime/model_format.h"
#include "tools/app_metadata.h"
#include "tools/args.h"
#include "tools/command.h"
#include "tools/json.h"
#include "tools/model_summary.h"
#include "tools/scale/block_string.h"
#include "tools/progress.h"
#include "tools/scale/scaler.h"
#include "tools/scale/sweep.h"

namespace scalert::tools {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"family", true,
     "efficientnet, efficientnet_lite, mobilenet_v1, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small", "NAME"},
    {"preset", true, "b0..b7 (efficientnet) or lite0..lite4 (efficientnet_lite); implies the family "
                     "(with --arch-def: only its multipliers and resolution)", "NAME"},
    {"arch-def", true, "a base network of your own: timm block strings, one stage per line, or the same "
                       "table as JSON (README: 'Your own networks')", "FILE"},
    {"outputs", true, "a backbone: feature maps at stage ends instead of logits, no head: 'stages' "
                      "(every stride), levels C3,C4,C5 (strides 8, 16, 32) or stage numbers 2,4,7", "LIST"},
    {"phi", true, "compound coefficient (>= 0): depth alpha^phi, width beta^phi, resolution gamma^phi; "
                  "a range A:B writes one model per integer phi into the -o directory", "P|A:B"},
    {"alpha", true, "depth base of compound scaling (default 1.2)", "A"},
    {"beta", true, "width base of compound scaling (default 1.1)", "B"},
    {"gamma", true, "resolution base of compound scaling (default 1.15)", "G"},
    {"width", true, "width multiplier (overrides phi's; MobileNet's alpha)", "W"},
    {"depth", true, "depth multiplier (overrides phi's)", "D"},
    {"resolution", true, "input size in pixels, exact (N or HxW, non-square allowed)", "HxW"},
    {"rho", true, "resolution multiplier of the default 224 (rounded to a multiple of 8)", "R"},
    {"in-channels", true, "input channels (default 3): only the stem changes", "N"},
    {"divisor", true, "channel divisor (default 8)", "N"},
    {"classes", true, "number of classes (default: the number of --labels, else 1000)", "N"},
    {"seed", true, "weight seed (default 0): the same seed gives the same file", "S"},
    {"labels", true, "class labels, one per line, stored in the model's metadata", "FILE"},
    {"mean", true, "per-channel input mean for (x/255 - mean) / std (default ImageNet's for 3 channels)", "LIST"},
    {"std", true, "per-channel input std (default ImageNet's for 3 channels)", "LIST"},
    {"color-order", true, "channel order the model expects: RGB (default) or BGR", "ORDER"},
    {"report", false, "also print the per-layer table and totals"},
    {"json", false, "print the result as JSON instead of text"},
    {"o", true, "output model file (a directory for a --phi range); without it nothing is written", "OUT"},
};

int Fail(const absl::Status& s, int code) {
  std::fprintf(stderr, "scalert scale: %s\n", std::string(s.message()).c_str());
  return code;
}

absl::StatusOr<std::vector<std::string>> ReadLabels(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read labels file '", path, "'"));
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) return absl::InvalidArgumentError(absl::StrCat("labels file '", path, "' has no labels"));
  return labels;
}

absl::Status ReadDouble(const Args& a, const char* name, std::optional<double>* out) {
  if (!a.has(name)) return absl::OkStatus();
  auto v = a.get_double(name, 0);
  if (!v.ok()) return v.status();
  *out = *v;
  return absl::OkStatus();
}

absl::Status ReadInt(const Args& a, const char* name, int64_t lo, int64_t hi, int64_t* out) {
  if (!a.has(name)) return absl::OkStatus();
  auto v = a.get_int(name, *out);
  if (!v.ok()) return v.status();
  if (*v < lo || *v > hi)
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be in [", lo, ", ", hi, "], found ", *v));
  *out = *v;
  return absl::OkStatus();
}

absl::StatusOr<scale::ScaleRequest> ToRequest(const Args& a) {
  scale::ScaleRequest r;
  r.family = a.get("family");
  r.preset = a.get("preset");
  r.outputs = a.get("outputs");
  if (a.has("outputs") && r.outputs.empty()) return absl::InvalidArgumentError("--outputs is empty");
  if (a.has("arch-def")) {
    auto arch = scale::LoadArchDef(a.get("arch-def"));
    if (!arch.ok()) return arch.status();
    r.custom = *std::move(arch);
  }
  for (auto [name, field] : {std::pair<const char*, std::optional<double>*>{"alpha", &r.alpha},
                             {"beta", &r.beta}, {"gamma", &r.gamma}, {"width", &r.width},
                             {"depth", &r.depth}, {"rho", &r.rho}}) {
    absl::Status s = ReadDouble(a, name, field);
    if (!s.ok()) return s;
  }
  if (a.has("resolution")) {
    auto res = scale::ParseResolution(a.get("resolution"));
    if (!res.ok()) return res.status();
    r.resolution = *res;
  }
  int64_t in_channels = 3, divisor = 8, classes = 0, seed = 0;
  absl::Status s = ReadInt(a, "in-channels", 1, 4096, &in_channels);
  if (s.ok()) s = ReadInt(a, "divisor", 1, 256, &divisor);
  if (s.ok()) s = ReadInt(a, "classes", 1, 1000000, &classes);
  if (s.ok()) s = ReadInt(a, "seed", 0, INT64_MAX, &seed);
  if (!s.ok()) return s;
  r.in_channels = static_cast<int32_t>(in_channels);
  r.divisor = static_cast<int32_t>(divisor);
  r.num_classes = static_cast<int32_t>(classes);
  r.seed = static_cast<uint64_t>(seed);
  if (a.has("labels")) {
    auto labels = ReadLabels(a.get("labels"));
    if (!labels.ok()) return labels.status();
    r.labels = *std::move(labels);
  }
  // Normalization flags are parsed by the code `import` shares; the scaler checks channel counts.
  ModelMetadata app;
  if (absl::Status m = ApplyAppMetadataFlags(a, 0, &app); !m.ok()) return m;
  r.mean = app.mean;
  r.std = app.std;
  r.color_order = app.color_order;
  return r;
}

std::string ScalingJson(const scale::ScaledModel& m, const scale::CostComparison& c) {
  const scale::ScaleSpec& s = m.spec;
  std::vector<std::string> stages;
  for (const scale::StagePlan& st : m.plan.stages)
    stages.push_back(JsonObject()
                         .Num("exact_repeats", st.exact_repeats).Int("repeats", st.repeats)
                         .Num("exact_channels", st.exact_out).Int("channels", st.out)
                         .str());
  std::vector<std::string> outputs;
  const std::vector<int32_t> strides = scale::StageStrides(scale::ArchitectureOf(s.network));
  for (const scale::FeatureOutput& o : s.network.outputs)
    outputs.push_back(JsonObject()
                          .Str("name", o.name).Int("stage", o.stage)
                          .Int("stride", strides[static_cast<size_t>(o.stage - 1)])
                          .Int("channels", m.plan.stages[static_cast<size_t>(o.stage - 1)].out)
                          .str());
  return JsonObject()
      .Str("base", s.base_config)
      .Num("phi", s.phi).Raw("compound", s.compound ? "true" : "false")
      .Num("alpha_beta2_gamma2", scale::FlopsGrowthPerPhi(s.coefficients))
      .Num("predicted_flops_factor", s.compound ? c.predicted : NAN)
      .Num("exact_h", s.exact_h).Num("exact_w", s.exact_w)
      .Int("base_macs", c.base_macs).Num("cost_vs_base", c.counted).Num("law_d_w2_r2", c.ideal)
      .Int("stem_channels", m.plan.stem).Int("head_channels", m.plan.head)
      .Raw("stages", JsonArray(stages)).Raw("outputs", JsonArray(outputs))
      .str();
}

void PrintSweepRow(const scale::SweepRow& r) {
  std::printf("phi %-4g %-30s %4dx%-4d params %12s  MACs %15s  cost x%.3f (law %.3f, predicted %.3f)\n", r.spec.phi,
              r.file.c_str(), r.input_h, r.input_w, WithCommas(r.params_trained).c_str(), WithCommas(r.macs).c_str(),
              r.cost.counted, r.cost.ideal, r.cost.predicted);
  std::fflush(stdout);
}

int Scale(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, kFlags);
  if (!args.ok()) return Fail(args.status(), 2);
  if (args->has("help") || !args->positional().empty()) {
    std::fprintf(args->has("help") ? stdout : stderr, "%s",
                 Usage("scale", "--family NAME | --preset NAME | --arch-def FILE [scaling flags] [-o OUT.srm]",
                       "Builds a model file from scaling parameters: EfficientNet (B0 base, presets b0..b7),\n"
                       "EfficientNet-Lite (lite0..lite4), MobileNetV1/V2/V3, or a base of your own in timm's\n"
                       "block-string notation (--arch-def). Compound scaling: depth alpha^phi,\n"
                       "width beta^phi, resolution gamma^phi; explicit --width/--depth/--resolution/--rho override.\n"
                       "Weights are deterministic from --seed, batch norm folded in (normalized on random inputs).\n"
                       "Examples:\n"
                       "  scalert scale --preset b0 -o b0.srm\n"
                       "  scalert scale --family efficientnet --phi 3 --report -o phi3.srm\n"
                       "  scalert scale --family mobilenet_v2 --width 0.75 --resolution 128 -o mnv2.srm\n"
                       "  scalert scale --arch-def my_net.txt --phi 1 -o my_net_phi1.srm\n"
                       "  scalert scale --preset b3 --outputs C3,C4,C5 -o b3_backbone.srm\n"
                       "  scalert scale --family efficientnet --phi 0:7 -o sweep/",
                       kFlags).c_str());
    return args->has("help") ? 0 : 2;
  }
  auto request = ToRequest(*args);
  if (!request.ok()) return Fail(request.status(), 2);
  const std::string out = args->get("o");
  const bool json = args->has("json");

  std::vector<double> phis;
  if (args->has("phi")) {
    auto p = scale::ParsePhiList(args->get("phi"));
    if (!p.ok()) return Fail(p.status(), 2);
    phis = *p;
  }
  if (phis.size() > 1 || (args->has("phi") && args->get("phi").find(':') != std::string::npos)) {
    if (out.empty()) return Fail(absl::InvalidArgumentError("a --phi range needs -o DIR"), 2);
    // Members take seconds each at large phi: a progress line on a terminal between the rows.
    Progress progress("scale", static_cast<int64_t>(phis.size()), !json);
    int64_t done = 0;
    if (!phis.empty()) progress.Update(0, "building phi " + absl::StrCat(phis.front()));
    auto rows = scale::RunSweep(*request, phis, out, [&](const scale::SweepRow& row) {
      if (json) return;
      progress.Finish();
      PrintSweepRow(row);
      if (++done < static_cast<int64_t>(phis.size())) progress.Update(done, "building phi " + absl::StrCat(phis[done]));
    });
    progress.Finish();
    if (!rows.ok()) return Fail(rows.status(), rows.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1);
    if (json) {
      std::vector<std::string> items;
      for (const scale::SweepRow& r : *rows)
        items.push_back(JsonObject()
                            .Str("file", r.file).Num("phi", r.spec.phi).Int("input_h", r.input_h).Int("input_w", r.input_w)
                            .Int("params_trained", r.params_trained).Int("params_stored", r.params_stored)
                            .Int("macs", r.macs).Int("weight_bytes", r.weight_bytes)
                            .Int("peak_activation_bytes", r.peak_activation_bytes)
                            .Num("cost_vs_base", r.cost.counted).Num("law_d_w2_r2", r.cost.ideal)
                            .Num("predicted_flops_factor", r.cost.predicted)
                            .str());
      std::printf("%s\n", JsonArray(items).c_str());
    } else {
      std::printf("wrote %zu models, summary.md and summary.csv to %s\n", rows->size(), out.c_str());
    }
    return 0;
  }
  if (!phis.empty()) request->phi = phis[0];

  auto spec = scale::ResolveScaleRequest(*request);
  if (!spec.ok()) return Fail(spec.status(), 2);
  scale::BuildOptions options;
  options.weights = !out.empty();  // without -o only shapes and counts are needed
  auto model = scale::BuildScaledModel(*spec, options);
  if (!model.ok()) return Fail(model.status(), model.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1);
  auto cost = scale::CompareWithBase(*model);
  if (!cost.ok()) return Fail(cost.status(), 1);
  if (!out.empty()) {
    absl::Status s = WriteModelFile(model->graph, out);
    if (!s.ok()) return Fail(s, 1);
  }
  ModelTotals totals = ComputeTotals(model->graph);
  if (json) {
    std::string totals_json = TotalsJson(model->graph, totals);
    // {"file": ..., "scaling": {...}, <totals fields>}
    std::printf("{\"file\": %s, \"scaling\": %s, %s\n", out.empty() ? "null" : JsonString(out).c_str(),
                ScalingJson(*model, *cost).c_str(), totals_json.substr(1).c_str());
  } else {
    std::printf("%s", scale::FormatScalingReport(*model, *cost).c_str());
    if (args->has("report")) std::printf("\n%s\n", FormatOpTable(model->graph).c_str());
    std::printf("%s", FormatTotals(model->graph, totals).c_str());
    if (out.empty())
      std::printf("no -o given: nothing written\n");
    else
      std::printf("wrote %s\n", out.c_str());
  }
  return 0;
}

}  // namespace

SCALERT_REGISTER_COMMAND("scale", "build a model file from scaling parameters (EfficientNet, MobileNet)", Scale);

}  // namespace scalert::tools
