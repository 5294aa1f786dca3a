#include "tools/scale/network_builder.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "runtime/graph_builder.h"
#include "runtime/status_macros.h"
#include "tools/scale/scaling.h"

namespace scalert::scale {
namespace {

// One table row unrolled into blocks, before depth scaling.
struct RowBlock {
  const BlockRow* row;
  int32_t stride;
};

std::vector<std::vector<RowBlock>> StagesOf(const Architecture& a) {
  std::vector<std::vector<RowBlock>> stages;
  for (const BlockRow& r : a.rows) {
    if (static_cast<size_t>(r.stage) >= stages.size()) stages.resize(static_cast<size_t>(r.stage) + 1);
    for (int32_t k = 0; k < r.repeats; ++k) stages[static_cast<size_t>(r.stage)].push_back({&r, k == 0 ? r.stride : 1});
  }
  return stages;
}

std::string BlockName(NamingStyle style, int32_t stage, int32_t index_in_stage, int32_t global_index) {
  if (style == NamingStyle::kEfficientNet) return absl::StrCat("features.", stage, ".", index_in_stage);
  return absl::StrCat("features.", global_index);
}

// The layer path inside a block: "block.k" / "conv.k" / "k".
std::string LayerName(NamingStyle style, const std::string& block, int32_t k) {
  switch (style) {
    case NamingStyle::kEfficientNet:
    case NamingStyle::kMobileNetV3: return absl::StrCat(block, ".block.", k);
    case NamingStyle::kMobileNetV2: return absl::StrCat(block, ".conv.", k);
    case NamingStyle::kMobileNetV1: return absl::StrCat(block, ".", k);
  }
  return block;
}

}  // namespace

const Architecture& ArchitectureOf(const NetworkConfig& c) {
  return c.custom ? *c.custom : GetArchitecture(c.family);
}

absl::StatusOr<NetworkPlan> PlanNetwork(const NetworkConfig& c) {
  if (!(c.width > 0) || !(c.depth > 0) || !std::isfinite(c.width) || !std::isfinite(c.depth))
    return absl::InvalidArgumentError(
        absl::StrCat("width and depth multipliers must be positive and finite, found width ", c.width, ", depth ",
                     c.depth));
  if (c.divisor < 1) return absl::InvalidArgumentError(absl::StrCat("channel divisor must be >= 1, found ", c.divisor));
  if (c.in_channels < 1)
    return absl::InvalidArgumentError(absl::StrCat("input channels must be >= 1, found ", c.in_channels));
  if (c.num_classes < 1)
    return absl::InvalidArgumentError(absl::StrCat("number of classes must be >= 1, found ", c.num_classes));
  if (c.family == Family::kCustom && !c.custom)
    return absl::InvalidArgumentError("a custom family needs its base network (an --arch-def file)");
  const Architecture& a = ArchitectureOf(c);
  if (c.input_h < a.min_resolution || c.input_w < a.min_resolution)
    return absl::InvalidArgumentError(absl::StrCat("input ", c.input_h, "x", c.input_w, " is below ",
                                                   FamilyName(c.family), "'s minimum of ", a.min_resolution,
                                                   " pixels a side"));
  std::vector<std::vector<RowBlock>> stages = StagesOf(a);
  size_t built_stages = stages.size();
  if (!c.outputs.empty()) {
    built_stages = 0;
    for (const FeatureOutput& o : c.outputs) {
      if (o.stage < 1 || o.stage > static_cast<int32_t>(stages.size()))
        return absl::InvalidArgumentError(absl::StrCat("output '", o.name, "': stage ", o.stage, " does not exist (the ",
                                                       "network has stages 1..", stages.size(), ")"));
      built_stages = std::max(built_stages, static_cast<size_t>(o.stage));
    }
  }
  auto channels = [&](double base) { return MakeDivisible(base * c.width, c.divisor); };

  NetworkPlan p;
  p.config = c;
  p.stem = a.fixed_stem ? a.stem_channels : channels(a.stem_channels);
  int32_t in = p.stem, global = 1;
  double exact_in = a.fixed_stem ? a.stem_channels : a.stem_channels * c.width;
  for (size_t s = 0; s < built_stages; ++s) {
    const std::vector<RowBlock>& base = stages[s];
    StagePlan sp;
    sp.base_repeats = static_cast<int32_t>(base.size());
    sp.depth_fixed = a.fixed_first_last_depth && (s == 0 || s + 1 == stages.size());
    sp.exact_repeats = sp.depth_fixed ? sp.base_repeats : sp.base_repeats * c.depth;
    sp.repeats = sp.depth_fixed ? sp.base_repeats : ScaleRepeats(sp.base_repeats, c.depth);
    sp.base_out = base[0].row->out_channels;
    sp.exact_out = sp.base_out * c.width;
    sp.out = channels(sp.base_out);
    p.stages.push_back(sp);
    for (int32_t j = 0; j < sp.repeats; ++j) {
      // Extra repeats copy the stage's last block (stride 1); fewer repeats keep the first ones.
      const RowBlock& rb = base[std::min<size_t>(static_cast<size_t>(j), base.size() - 1)];
      const BlockRow& row = *rb.row;
      BlockPlan b;
      b.stage = static_cast<int32_t>(s) + 1;
      b.name = BlockName(a.naming, b.stage, j, global++);
      b.in = in;
      b.out = sp.out;
      b.type = row.type;
      b.kernel = row.kernel;
      b.stride = j < static_cast<int32_t>(base.size()) ? rb.stride : 1;
      b.act = row.act;
      b.exact_in = exact_in;
      b.exact_out = sp.exact_out;
      switch (row.type) {
        case BlockType::kSeparable:
          b.expanded = b.in;  // the SE acts on the depthwise output
          b.exact_expanded = exact_in;
          break;
        case BlockType::kConvBnAct:
          b.expanded = b.out;
          b.exact_expanded = b.exact_out;
          break;
        case BlockType::kInvertedResidual:
        case BlockType::kEdgeResidual:
          b.expanded = row.expand_ratio > 0 ? MakeDivisible(static_cast<double>(b.in) * row.expand_ratio, c.divisor)
                                            : channels(row.expanded_channels);
          b.exact_expanded = row.expand_ratio > 0 ? exact_in * row.expand_ratio : row.expanded_channels * c.width;
          break;
      }
      b.expand_conv = row.type == BlockType::kInvertedResidual && (row.always_expand || b.expanded != b.in);
      if (row.se_ratio > 0 && row.type != BlockType::kConvBnAct) {
        if (a.se == SeRule::kFromBlockInput) {
          b.se = std::max(1, static_cast<int32_t>(std::floor(b.in * row.se_ratio + 1e-9)));
          b.exact_se = exact_in * row.se_ratio;
        } else if (a.se == SeRule::kFromExpandedRounded) {
          // floor first, as torchvision's expanded // 4 (it matters with an odd --divisor)
          b.se = MakeDivisible(std::floor(b.expanded * row.se_ratio + 1e-9), c.divisor);
          b.exact_se = b.exact_expanded * row.se_ratio;
        }
      }
      b.residual = row.residual && row.type != BlockType::kSeparable && b.stride == 1 && b.in == b.out;
      b.weight = std::min(1.0, sp.exact_repeats - j);
      p.blocks.push_back(b);
      in = b.out;
      exact_in = b.exact_out;
    }
  }
  if (!c.outputs.empty()) return p;  // a backbone: no head, no classifier
  switch (a.head) {
    case HeadRule::kNone: p.head = 0; break;
    case HeadRule::kMultipleOfLast: p.head = a.head_channels * in; break;
    case HeadRule::kFixed: p.head = a.head_channels; break;
    case HeadRule::kScaledNotBelowBase:
      p.head = MakeDivisible(a.head_channels * std::max(1.0, c.width), c.divisor);
      break;
    case HeadRule::kScaled: p.head = channels(a.head_channels); break;
  }
  p.classifier_hidden = a.classifier_hidden > 0 ? channels(a.classifier_hidden) : 0;
  return p;
}

double UnroundedMacs(const NetworkPlan& p, double h, double w) {
  const NetworkConfig& c = p.config;
  const Architecture& a = ArchitectureOf(c);
  h /= 2;  // stem, stride 2
  w /= 2;
  const double stem = a.fixed_stem ? a.stem_channels : a.stem_channels * c.width;
  double macs = h * w * 9 * c.in_channels * stem;
  double last = stem;
  for (const BlockPlan& b : p.blocks) {
    const double oh = h / b.stride, ow = w / b.stride, k2 = static_cast<double>(b.kernel) * b.kernel;
    double m = 2 * b.exact_expanded * b.exact_se;
    switch (b.type) {
      case BlockType::kSeparable: m += oh * ow * (k2 * b.exact_in + b.exact_in * b.exact_out); break;
      case BlockType::kConvBnAct: m += oh * ow * k2 * b.exact_in * b.exact_out; break;
      case BlockType::kEdgeResidual: m += oh * ow * (k2 * b.exact_in + b.exact_out) * b.exact_expanded; break;
      case BlockType::kInvertedResidual:
        if (b.expand_conv) m += h * w * b.exact_in * b.exact_expanded;
        m += oh * ow * (k2 + b.exact_out) * b.exact_expanded;
        break;
    }
    macs += b.weight * m;
    if (b.stride > 1) h = oh, w = ow;
    last = b.exact_out;
  }
  if (!c.outputs.empty()) return macs;  // a backbone ends with its last block
  double features = last;
  switch (a.head) {
    case HeadRule::kNone: break;
    case HeadRule::kMultipleOfLast: features = a.head_channels * last; break;
    case HeadRule::kFixed: features = a.head_channels; break;
    case HeadRule::kScaledNotBelowBase: features = a.head_channels * std::max(1.0, c.width); break;
    case HeadRule::kScaled: features = a.head_channels * c.width; break;
  }
  if (a.head != HeadRule::kNone) macs += h * w * last * features;
  if (a.classifier_hidden > 0) {
    const double hidden = a.classifier_hidden * c.width;
    macs += features * hidden + hidden * c.num_classes;
  } else {
    macs += features * c.num_classes;
  }
  return macs;
}

namespace {

// Emits ops and records, per node, how its weights will be made.
class Emitter {
 public:
  explicit Emitter(BuiltNetwork* out) : out_(out), g_(&out->graph) {}

  // Conv + folded batch norm + fused activation; depthwise when `groups_all`.
  absl::StatusOr<int32_t> ConvBn(int32_t x, int32_t cout, int32_t kernel, int32_t stride, bool depthwise,
                                 Activation act, const std::string& name, InitRule rule = InitRule::kConvBatchNorm) {
    int32_t cin = g_->tensors[x].shape[3];
    ConvParams p;
    p.stride_h = p.stride_w = stride;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = (kernel - 1) / 2;  // torchvision's padding
    Shape ws = depthwise ? Shape{1, kernel, kernel, cin} : Shape{cout, kernel, kernel, cin};
    int32_t w = UnfilledWeights(name + ".weight", ws);
    int32_t b = UnfilledWeights(name + ".bias", {cout});
    ASSIGN_OR_RETURN(int32_t y, depthwise ? AddDepthwiseConv2D(g_, x, w, b, p, act, name)
                                          : AddConv2D(g_, x, w, b, p, act, name));
    out_->init.push_back(rule);
    if (rule == InitRule::kConvBatchNorm || rule == InitRule::kConvBatchNormResidual) out_->bn_channels += cout;
    return y;
  }

  // 1x1 conv with its own bias and no batch norm (the SE layers).
  absl::StatusOr<int32_t> Conv1x1Bias(int32_t x, int32_t cout, Activation act, const std::string& name,
                                      InitRule rule) {
    return ConvBn(x, cout, 1, 1, false, act, name, rule);
  }

  absl::StatusOr<int32_t> Pool(int32_t x, const std::string& name) {
    Node n;
    n.type = OpType::kGlobalAveragePool;
    n.name = name;
    n.inputs = {x};
    ASSIGN_OR_RETURN(int32_t y, AddNode(g_, n, name));
    out_->init.push_back(InitRule::kNone);
    return y;
  }

  absl::StatusOr<int32_t> Binary(OpType type, int32_t a, int32_t b, const std::string& name) {
    ASSIGN_OR_RETURN(int32_t y, AddBinary(g_, type, a, b, Activation::kNone, name));
    out_->init.push_back(InitRule::kNone);
    return y;
  }

  absl::StatusOr<int32_t> Linear(int32_t x, int32_t cout, Activation act, const std::string& name, InitRule rule,
                                 const std::string& output_name) {
    const Tensor& t = g_->tensors[x];
    int32_t cin = static_cast<int32_t>(t.num_elements() / t.shape[0]);
    int32_t w = UnfilledWeights(name + ".weight", {cout, cin});
    int32_t b = UnfilledWeights(name + ".bias", {cout});
    ASSIGN_OR_RETURN(int32_t y, AddFullyConnected(g_, x, w, b, act, name));
    g_->tensors[y].name = output_name;
    out_->init.push_back(rule);
    return y;
  }

 private:
  // No bytes yet: the size is checked before anything is allocated (see AllocateWeights).
  int32_t UnfilledWeights(const std::string& name, Shape shape) {
    return g_->AddConstant(name, std::move(shape), DType::kF32, {});
  }

  BuiltNetwork* out_;
  Graph* g_;
};

}  // namespace

absl::StatusOr<BuiltNetwork> BuildNetwork(const NetworkPlan& plan) {
  NetworkSlice all;
  all.first_block = 0;
  all.last_block = static_cast<int32_t>(plan.blocks.size()) - 1;
  return BuildNetworkSlice(plan, all);
}

absl::StatusOr<BuiltNetwork> BuildNetworkSlice(const NetworkPlan& plan, const NetworkSlice& slice) {
  const NetworkConfig& c = plan.config;
  const Architecture& a = ArchitectureOf(c);
  const int32_t num_blocks = static_cast<int32_t>(plan.blocks.size());
  const bool has_blocks = slice.last_block >= slice.first_block;
  if (has_blocks && (slice.first_block < 0 || slice.last_block >= num_blocks))
    return absl::InvalidArgumentError(absl::StrCat("blocks ", slice.first_block, "..", slice.last_block,
                                                   " are outside the plan's 0..", num_blocks - 1));
  if (!slice.stem && !has_blocks && !slice.head) return absl::InvalidArgumentError("an empty network slice");
  if (slice.stem && has_blocks && slice.first_block != 0)
    return absl::InvalidArgumentError("a slice with the stem starts at block 0");
  if (slice.head && has_blocks && slice.last_block != num_blocks - 1)
    return absl::InvalidArgumentError("a slice with the head ends at the last block");
  // The tensor entering the slice: the image, or what the stem / previous blocks would produce.
  int32_t h = c.input_h, w = c.input_w, ch = c.in_channels;
  auto after = [](int32_t v, int32_t stride) { return (v + stride - 1) / stride; };  // 'same' padding, odd kernels
  if (!slice.stem) {
    h = after(h, 2), w = after(w, 2), ch = plan.stem;
    const int32_t first = has_blocks ? slice.first_block : num_blocks;
    for (int32_t i = 0; i < first; ++i) {
      h = after(h, plan.blocks[i].stride), w = after(w, plan.blocks[i].stride);
      ch = plan.blocks[i].out;
    }
  }
  BuiltNetwork net;
  Graph& g = net.graph;
  Emitter e(&net);
  int32_t x = g.AddTensor("input", {1, h, w, ch});
  g.inputs = {x};
  if (slice.stem) {
    ASSIGN_OR_RETURN(x, e.ConvBn(x, plan.stem, 3, 2, false, a.stem_act, "features.0"));
  }

  std::vector<int32_t> stage_ends(plan.stages.size() + 1, -1);  // by 1-based stage
  for (int32_t i = slice.first_block; has_blocks && i <= slice.last_block; ++i) {
    const BlockPlan& b = plan.blocks[i];
    int32_t block_in = x;
    int32_t k = 0;
    auto layer = [&] { return LayerName(a.naming, b.name, k++); };
    const InitRule last_rule = b.residual ? InitRule::kConvBatchNormResidual : InitRule::kConvBatchNorm;
    if (b.type == BlockType::kConvBnAct) {
      ASSIGN_OR_RETURN(x, e.ConvBn(x, b.out, b.kernel, b.stride, false, b.act, layer(), last_rule));
    } else {
      if (b.type == BlockType::kEdgeResidual) {
        ASSIGN_OR_RETURN(x, e.ConvBn(x, b.expanded, b.kernel, b.stride, false, b.act, layer()));
      } else {
        if (b.expand_conv) {
          ASSIGN_OR_RETURN(x, e.ConvBn(x, b.expanded, 1, 1, false, b.act, layer()));
        }
        ASSIGN_OR_RETURN(x, e.ConvBn(x, b.expanded, b.kernel, b.stride, true, b.act, layer()));
      }
      if (b.se > 0) {
        std::string se = layer();
        ASSIGN_OR_RETURN(int32_t s, e.Pool(x, se + ".avgpool"));
        ASSIGN_OR_RETURN(s, e.Conv1x1Bias(s, b.se, a.se_act, se + ".fc1", InitRule::kSqueeze));
        ASSIGN_OR_RETURN(s, e.Conv1x1Bias(s, b.expanded, a.se_gate, se + ".fc2", InitRule::kExcite));
        ASSIGN_OR_RETURN(x, e.Binary(OpType::kMul, x, s, se));
      }
      // The separable block's pointwise conv keeps its activation; the others project linearly.
      const Activation project_act = b.type == BlockType::kSeparable ? b.act : Activation::kNone;
      ASSIGN_OR_RETURN(x, e.ConvBn(x, b.out, 1, 1, false, project_act, layer(), last_rule));
    }
    if (b.residual) {
      ASSIGN_OR_RETURN(x, e.Binary(OpType::kAdd, x, block_in, b.name + ".add"));
    }
    stage_ends[static_cast<size_t>(b.stage)] = x;
  }

  if (!c.outputs.empty()) {  // a backbone: the chosen stage ends, named
    for (const FeatureOutput& o : c.outputs) {
      const int32_t t = stage_ends[static_cast<size_t>(o.stage)];
      if (t < 0) return absl::InvalidArgumentError(absl::StrCat("output '", o.name, "': stage ", o.stage, " is not built"));
      for (int32_t taken : g.outputs)
        if (taken == t) return absl::InvalidArgumentError(absl::StrCat("output '", o.name, "' repeats stage ", o.stage));
      g.tensors[t].name = o.name;
      g.outputs.push_back(t);
    }
    return net;
  }
  if (slice.head) {
    // The head is the feature after the last stage (EfficientNet) or after the last block.
    int32_t last_feature = static_cast<int32_t>(a.naming == NamingStyle::kEfficientNet ? plan.stages.size()
                                                                                        : plan.blocks.size()) + 1;
    if (plan.head > 0) {
      ASSIGN_OR_RETURN(x, e.ConvBn(x, plan.head, 1, 1, false, a.head_act, absl::StrCat("features.", last_feature)));
    }
    ASSIGN_OR_RETURN(x, e.Pool(x, "avgpool"));
    if (plan.classifier_hidden > 0) {
      ASSIGN_OR_RETURN(x, e.Linear(x, plan.classifier_hidden, a.classifier_hidden_act, "classifier.0",
                                   InitRule::kHiddenLinear, "classifier.0"));
      ASSIGN_OR_RETURN(x, e.Linear(x, c.num_classes, Activation::kNone, "classifier.3", InitRule::kClassifier, "logits"));
    } else {
      const char* name = a.naming == NamingStyle::kMobileNetV1 ? "classifier" : "classifier.1";
      ASSIGN_OR_RETURN(x, e.Linear(x, c.num_classes, Activation::kNone, name, InitRule::kClassifier, "logits"));
    }
  }
  g.outputs = {x};
  return net;
}

void AllocateWeights(Graph* g) {
  for (Tensor& t : g->tensors)
    if (t.is_constant() && t.data_bytes == 0 && t.num_elements() > 0) {
      auto zeros = std::make_shared<const std::vector<uint8_t>>(static_cast<size_t>(t.bytes()));
      t.data = zeros->data();
      t.data_bytes = zeros->size();
      t.owned = std::move(zeros);
    }
}

}  // namespace scalert::scale
