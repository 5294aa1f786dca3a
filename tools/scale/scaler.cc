#include "tools/scale/scaler.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/status_macros.h"
#include "runtime/version.h"
#include "tools/scale/feature_outputs.h"

namespace scalert::scale {
namespace {

// Beyond these the file format, memory or the user's intent are in doubt.
constexpr int32_t kMaxResolution = 4096;
constexpr int64_t kMaxStoredParams = 1000000000;
constexpr int32_t kMaxInChannels = 4096;

absl::Status Positive(const char* flag, const std::optional<double>& v) {
  if (v && !(*v > 0 && std::isfinite(*v)))
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be a positive finite number, found ", *v));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ScaleSpec> ResolveScaleRequest(const ScaleRequest& r) {
  ScaleSpec s;
  const Preset* preset = nullptr;
  if (!r.preset.empty()) {
    preset = FindPreset(r.preset);
    if (!preset) {
      std::string known;
      for (const Preset& p : Presets()) absl::StrAppend(&known, known.empty() ? "" : ", ", p.name);
      return absl::InvalidArgumentError(absl::StrCat("unknown preset '", r.preset, "' (known: ", known, ")"));
    }
  }
  if (r.custom) {
    if (!r.family.empty())
      return absl::InvalidArgumentError("--family and --arch-def both name the base network: give one");
    s.family = Family::kCustom;
    s.network.custom = r.custom;
  } else {
    if (r.family.empty() && !preset) return absl::InvalidArgumentError("give --family NAME, a --preset or --arch-def FILE");
    ASSIGN_OR_RETURN(s.family, ParseFamily(r.family.empty() ? preset->family : r.family));
    if (preset && std::string(preset->family) != FamilyName(s.family))
      return absl::InvalidArgumentError(absl::StrCat("preset '", preset->name, "' belongs to family ", preset->family,
                                                     ", not ", FamilyName(s.family)));
  }
  s.network.family = s.family;
  const Architecture& a = ArchitectureOf(s.network);

  if (r.phi && !(*r.phi >= 0 && std::isfinite(*r.phi)))
    return absl::InvalidArgumentError(absl::StrCat("--phi must be >= 0, found ", *r.phi));
  RETURN_IF_ERROR(Positive("alpha", r.alpha));
  RETURN_IF_ERROR(Positive("beta", r.beta));
  RETURN_IF_ERROR(Positive("gamma", r.gamma));
  RETURN_IF_ERROR(Positive("width", r.width));
  RETURN_IF_ERROR(Positive("depth", r.depth));
  RETURN_IF_ERROR(Positive("rho", r.rho));
  if (!r.phi && (r.alpha || r.beta || r.gamma))
    return absl::InvalidArgumentError("--alpha, --beta and --gamma are compound coefficients: give --phi too");
  if (preset && r.phi) return absl::InvalidArgumentError("--preset and --phi both set the scaling: give one");
  if (r.rho && r.resolution) return absl::InvalidArgumentError("--rho and --resolution both set the resolution: give one");
  if (r.in_channels < 1 || r.in_channels > kMaxInChannels)
    return absl::InvalidArgumentError(
        absl::StrCat("--in-channels must be in [1, ", kMaxInChannels, "], found ", r.in_channels));
  if (r.divisor < 1 || r.divisor > 256)
    return absl::InvalidArgumentError(absl::StrCat("--divisor must be in [1, 256], found ", r.divisor));
  if (r.num_classes < 0 || (r.num_classes > 0 && !r.labels.empty() && r.num_classes != static_cast<int32_t>(r.labels.size())))
    return absl::InvalidArgumentError(absl::StrCat("--classes ", r.num_classes, " does not match the ", r.labels.size(),
                                                   " labels given"));

  const double base_res = a.default_resolution;
  s.coefficients.alpha = r.alpha.value_or(s.coefficients.alpha);
  s.coefficients.beta = r.beta.value_or(s.coefficients.beta);
  s.coefficients.gamma = r.gamma.value_or(s.coefficients.gamma);
  s.base_config = preset && !r.custom ? preset->name : a.base_config;  // a custom base keeps its own name
  s.exact_h = s.exact_w = base_res;
  bool rounded_resolution = false;  // multiples of 8 unless the pixels were given exactly
  if (preset) {
    s.exact.width = preset->width;
    s.exact.depth = preset->depth;
    s.exact_h = s.exact_w = preset->resolution;
  }
  if (r.phi) {
    s.compound = true;
    s.phi = *r.phi;
    s.exact = CompoundMultipliers(s.phi, s.coefficients);
    s.exact_h = s.exact_w = base_res * s.exact.resolution;
    rounded_resolution = true;
  }
  if (r.width) s.exact.width = *r.width;
  if (r.depth) s.exact.depth = *r.depth;
  if (r.rho) {
    s.exact_h = s.exact_w = base_res * *r.rho;
    rounded_resolution = true;
  }
  int32_t h = static_cast<int32_t>(std::lround(s.exact_h)), w = static_cast<int32_t>(std::lround(s.exact_w));
  if (rounded_resolution) {
    h = ScaleResolution(a.default_resolution, s.exact_h / base_res);
    w = ScaleResolution(a.default_resolution, s.exact_w / base_res);
  }
  if (r.resolution) {
    s.exact_h = h = r.resolution->first;
    s.exact_w = w = r.resolution->second;
  }
  s.exact.resolution = std::sqrt(s.exact_h * s.exact_w) / base_res;
  if (!(s.exact.width * a.stem_channels < 1e6) || !(s.exact.depth < 1000))
    return absl::InvalidArgumentError(absl::StrCat("width ", s.exact.width, " / depth ", s.exact.depth,
                                                   " is far too large to build"));
  // A custom table may be wide or deep already: bound the widest layer and the block count before
  // any arithmetic in int32 (the parameter limit in BuildScaledModel refuses the rest).
  double widest = std::max(a.stem_channels, std::max(a.head_channels, a.classifier_hidden));
  int64_t blocks = 0;
  for (const BlockRow& row : a.rows) {
    widest = std::max({widest, row.out_channels * std::max(1.0, row.expand_ratio),
                       static_cast<double>(row.expanded_channels),
                       static_cast<double>(row.out_channels) * (a.head == HeadRule::kMultipleOfLast ? a.head_channels : 1)});
    blocks += row.repeats;
  }
  if (!(widest * s.exact.width < (1 << 26)) || !(static_cast<double>(blocks) * s.exact.depth < 10000))
    return absl::InvalidArgumentError(absl::StrCat("width ", s.exact.width, " / depth ", s.exact.depth, " of ",
                                                   a.base_config, " gives layers of ~", widest * s.exact.width,
                                                   " channels or ~", blocks * s.exact.depth, " blocks: far too large to build"));
  if (h < a.min_resolution || w < a.min_resolution || h > kMaxResolution || w > kMaxResolution)
    return absl::InvalidArgumentError(absl::StrCat("resolution ", h, "x", w, " is outside ", FamilyName(s.family),
                                                   "'s range [", a.min_resolution, ", ", kMaxResolution,
                                                   "] pixels a side"));

  s.network.width = s.exact.width;
  s.network.depth = s.exact.depth;
  s.network.input_h = h;
  s.network.input_w = w;
  s.network.in_channels = r.in_channels;
  s.network.divisor = r.divisor;
  s.network.num_classes = r.num_classes > 0 ? r.num_classes
                           : r.labels.empty() ? a.default_classes
                                              : static_cast<int32_t>(r.labels.size());
  if (!r.outputs.empty()) {
    if (!r.labels.empty() || r.num_classes > 0)
      return absl::InvalidArgumentError("--outputs builds a backbone without a classifier: --classes and --labels do not apply");
    ASSIGN_OR_RETURN(s.network.outputs, ParseFeatureOutputs(r.outputs, a));
  }
  s.seed = r.seed;
  s.labels = r.labels;
  if ((!r.mean.empty() && static_cast<int32_t>(r.mean.size()) != r.in_channels) ||
      (!r.std.empty() && static_cast<int32_t>(r.std.size()) != r.in_channels))
    return absl::InvalidArgumentError(absl::StrCat("--mean/--std need one value per input channel (", r.in_channels, ")"));
  s.mean = r.mean;
  s.std = r.std;
  s.color_order = r.color_order;
  return s;
}

absl::StatusOr<ScaledModel> BuildScaledModel(const ScaleSpec& spec, const BuildOptions& options) {
  ScaledModel m;
  m.spec = spec;
  ASSIGN_OR_RETURN(m.plan, PlanNetwork(spec.network));
  ASSIGN_OR_RETURN(BuiltNetwork net, BuildNetwork(m.plan));
  m.params_stored = GraphParams(net.graph);
  if (m.params_stored > kMaxStoredParams)
    return absl::InvalidArgumentError(absl::StrCat("the model would have ", m.params_stored,
                                                   " parameters, more than the limit of ", kMaxStoredParams));
  m.params_trained = m.params_stored + net.bn_channels;
  for (const Node& n : net.graph.nodes) m.macs += NodeMacs(net.graph, n);
  if (options.weights) {
    WeightInitOptions wo;
    wo.seed = spec.seed;
    wo.calibration_images = options.calibration_images;
    RETURN_IF_ERROR(InitializeWeights(&net.graph, net.init, wo));
  } else if (options.allocate) {
    AllocateWeights(&net.graph);
  }
  m.graph = std::move(net.graph);

  ModelMetadata& md = m.graph.metadata;
  const NetworkConfig& c = spec.network;
  md.family = FamilyName(spec.family);  // "custom" for a base from a file; base_config names it
  md.base_config = spec.base_config;
  md.phi = static_cast<float>(spec.phi);
  md.alpha = static_cast<float>(spec.coefficients.alpha);
  md.beta = static_cast<float>(spec.coefficients.beta);
  md.gamma = static_cast<float>(spec.coefficients.gamma);
  md.width_multiplier = static_cast<float>(spec.exact.width);
  md.depth_multiplier = static_cast<float>(spec.exact.depth);
  md.resolution_multiplier = static_cast<float>(spec.exact.resolution);
  md.input_h = c.input_h;
  md.input_w = c.input_w;
  md.in_channels = c.in_channels;
  md.channel_divisor = c.divisor;
  md.params_trained = m.params_trained;
  md.producer = "scalert scale";
  md.producer_version = SCALERT_VERSION_STRING;
  md.source = "scaler";
  md.input_layout = "NHWC";
  if (c.in_channels == 3) {  // ImageNet normalization; other band counts have no standard one
    md.color_order = "RGB";
    md.mean = {0.485f, 0.456f, 0.406f};
    md.std = {0.229f, 0.224f, 0.225f};
  }
  if (!spec.mean.empty()) md.mean = spec.mean;
  if (!spec.std.empty()) md.std = spec.std;
  if (!spec.color_order.empty()) md.color_order = spec.color_order;
  md.labels = spec.labels;
  return m;
}

absl::StatusOr<CostComparison> CompareWithBase(const ScaledModel& m) {
  ScaleSpec base = m.spec;
  const Architecture& a = ArchitectureOf(m.spec.network);
  base.network.width = base.network.depth = 1;
  base.network.input_h = base.network.input_w = a.default_resolution;
  BuildOptions o;
  o.weights = o.allocate = false;
  ASSIGN_OR_RETURN(ScaledModel b, BuildScaledModel(base, o));
  CostComparison c;
  c.base_macs = b.macs;
  c.counted = static_cast<double>(m.macs) / static_cast<double>(b.macs);
  c.ideal = IdealCostFactor(m.spec.exact);
  c.unrounded = UnroundedMacs(m.plan, m.spec.exact_h, m.spec.exact_w) / static_cast<double>(b.macs);
  c.predicted = m.spec.compound ? PredictedFlopsFactor(m.spec.phi, m.spec.coefficients) : 0;
  return c;
}

std::string FormatScalingReport(const ScaledModel& m, const CostComparison& cost) {
  const ScaleSpec& s = m.spec;
  const NetworkConfig& c = s.network;
  const Architecture& a = ArchitectureOf(c);
  std::string r = absl::StrFormat("%s (%s): width x%.4g, depth x%.4g, resolution %dx%d (exact %.1fx%.1f), %d input channels\n",
                                  FamilyName(s.family), s.base_config, s.exact.width, s.exact.depth, c.input_h,
                                  c.input_w, s.exact_h, s.exact_w, c.in_channels);
  const CompoundCoefficients& k = s.coefficients;
  if (s.compound)
    absl::StrAppend(&r, absl::StrFormat("compound scaling: phi=%g alpha=%g beta=%g gamma=%g; alpha*beta^2*gamma^2 = %.4f, "
                                        "predicted FLOPs factor (alpha*beta^2*gamma^2)^phi = %.3f\n",
                                        s.phi, k.alpha, k.beta, k.gamma, FlopsGrowthPerPhi(k), cost.predicted));
  else
    absl::StrAppend(&r, absl::StrFormat("(compound law for reference: alpha*beta^2*gamma^2 = %.4f with alpha=%g beta=%g gamma=%g)\n",
                                        FlopsGrowthPerPhi(k), k.alpha, k.beta, k.gamma));
  absl::StrAppend(&r, "rounding (channels to multiples of ", c.divisor, ", never below 90%; repeats up):\n");
  absl::StrAppend(&r, "  stage   repeats: exact -> built   channels: exact -> built\n");
  for (size_t i = 0; i < m.plan.stages.size(); ++i) {
    const StagePlan& st = m.plan.stages[i];
    absl::StrAppend(&r, absl::StrFormat("  %5d   %14.2f -> %-3d%-8s %15.1f -> %d\n", i + 1, st.exact_repeats, st.repeats,
                                        st.depth_fixed ? " (fixed)" : "", st.exact_out, st.out));
  }
  const int32_t stem_in3 = 3 * 3 * 3 * m.plan.stem;
  absl::StrAppend(&r, absl::StrFormat("stem features.0: conv 3x3 stride 2, %d -> %d channels, %d weights%s\n",
                                      c.in_channels, m.plan.stem, 9 * c.in_channels * m.plan.stem,
                                      c.in_channels == 3 ? "" : absl::StrFormat(" (%d with 3 input channels; "
                                                                                "nothing else changes)", stem_in3)));
  if (m.plan.head) absl::StrAppend(&r, absl::StrFormat("head: 1x1 conv to %d channels%s\n", m.plan.head,
                                                       a.head == HeadRule::kFixed ? " (fixed)" : ""));
  const std::vector<int32_t> strides = StageStrides(a);
  for (const FeatureOutput& o : c.outputs)
    absl::StrAppend(&r, absl::StrFormat("output %s: end of stage %d, stride %d, %d channels (no head, no classifier)\n",
                                        o.name, o.stage, strides[static_cast<size_t>(o.stage - 1)],
                                        m.plan.stages[static_cast<size_t>(o.stage - 1)].out));
  absl::StrAppend(&r, absl::StrFormat("cost vs the phi=0 base (%s at %dx%d, %.1f M MACs): counted %.3f; law d*w^2*r^2 = %.3f\n",
                                      a.base_config, a.default_resolution, a.default_resolution, cost.base_macs / 1e6,
                                      cost.counted, cost.ideal));
  absl::StrAppend(&r, absl::StrFormat("  the same network unrounded: %.3f (%+.1f%% vs the law, which leaves out the stem's input "
                                      "channels, SE, classifier and any fixed layers)\n",
                                      cost.unrounded, 100 * (cost.unrounded / cost.ideal - 1)));
  absl::StrAppend(&r, absl::StrFormat("  rounding (repeats up, channels to /%d, pixels) moved the cost %+.1f%%: built %.3f vs "
                                      "unrounded %.3f\n",
                                      c.divisor, 100 * (cost.counted / cost.unrounded - 1), cost.counted, cost.unrounded));
  return r;
}

}  // namespace scalert::scale
