// The base networks as data: one table per family, in one place. Every number here is the
// unscaled (width 1, depth 1) value of the published architecture, as torchvision defines it
// (EfficientNet-B0, MobileNetV2, MobileNetV3) or as its paper / reference code does
// (EfficientNet-Lite: tensorflow/tpu lite builder; MobileNetV1: Howard et al. 2017, Table 1).
#ifndef SCALERT_TOOLS_SCALE_ARCHITECTURES_H_
#define SCALERT_TOOLS_SCALE_ARCHITECTURES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/activation.h"

namespace scalert::scale {

// kCustom: a base network read from a file (see block_string.h), not one of the built-in tables.
enum class Family { kEfficientNet, kEfficientNetLite, kMobileNetV1, kMobileNetV2, kMobileNetV3Large, kMobileNetV3Small, kCustom };

const char* FamilyName(Family f);
// Accepts the CLI names (efficientnet, efficientnet_lite, mobilenet_v1, mobilenet_v2,
// mobilenet_v3_large, mobilenet_v3_small).
absl::StatusOr<Family> ParseFamily(const std::string& name);
// The built-in families (kCustom is not one).
const std::vector<Family>& AllFamilies();

enum class BlockType {
  kInvertedResidual,  // [expand 1x1] -> depthwise kxk -> [SE] -> project 1x1 (linear) [+ residual]
  kSeparable,         // MobileNetV1 (timm "dsa"): depthwise kxk + act -> [SE] -> pointwise 1x1 + act
  kEdgeResidual,      // fused MBConv (timm "er"): expand conv kxk + act -> [SE] -> project 1x1 [+ residual]
  kConvBnAct,         // plain conv kxk + act (timm "cn"), residual only when asked for
};

// One row of a base table: `repeats` blocks of the same kind (the first with `stride`, the rest
// stride 1). Rows with the same `stage` form one stage; depth scaling adds copies of a stage's
// last block (this is how MobileNetV3's per-block rows scale in depth).
struct BlockRow {
  int32_t repeats;
  int32_t kernel;
  int32_t stride;
  int32_t out_channels;       // before width scaling
  double expand_ratio;        // expanded = input * ratio (EfficientNet, MobileNetV2); 0: see next
  int32_t expanded_channels;  // MobileNetV3: expanded width of this block, before width scaling
  double se_ratio;            // squeeze-and-excitation after the depthwise conv (0: none); see SeRule
  Activation act;             // activation of the expand and depthwise convs
  BlockType type = BlockType::kInvertedResidual;
  // Inverted residual: an expand 1x1 conv even when it keeps the width (timm's "ir" with e1);
  // otherwise there is one only when the expanded width differs from the input (torchvision).
  bool always_expand = false;
  bool residual = true;  // add the input when stride 1 and widths match (timm's "noskip" clears it)
  int32_t stage = -1;    // 0-based stage; -1: by the table's rule (consecutive rows with the same width)
};

enum class SeRule {
  kNone,
  kFromBlockInput,        // EfficientNet: max(1, floor(block_input_channels * se_ratio))
  kFromExpandedRounded,   // MobileNetV3: MakeDivisible(expanded * se_ratio, divisor)
};

enum class HeadRule {
  kNone,                // MobileNetV1: the last block feeds the pool
  kMultipleOfLast,      // 1x1 conv to head_channels * last block width (EfficientNet 4x, MobileNetV3 6x)
  kFixed,               // EfficientNet-Lite: head_channels, not scaled
  kScaledNotBelowBase,  // MobileNetV2: MakeDivisible(head_channels * max(1, width))
  kScaled,              // custom bases (timm's round_chs_fn): MakeDivisible(head_channels * width)
};

// How op names follow torchvision's module paths.
enum class NamingStyle {
  kEfficientNet,  // features.<stage>.<block>.block.<layer>
  kMobileNetV2,   // features.<n>.conv.<layer>
  kMobileNetV3,   // features.<n>.block.<layer>
  kMobileNetV1,   // features.<n>.<0 dw | 1 pw>
};

struct Architecture {
  Family family;
  std::string base_config;  // name of the unscaled member: "b0", "lite0", "1.0"; a custom base's name
  NamingStyle naming;
  int32_t stem_channels;  // 3x3 stride-2 conv
  Activation stem_act;
  bool fixed_stem;              // EfficientNet-Lite: stem width not scaled
  bool fixed_first_last_depth;  // EfficientNet-Lite: first and last stage repeats not scaled
  std::vector<BlockRow> rows;  // every row's `stage` is set (>= 0) in a finished architecture
  HeadRule head;
  int32_t head_channels;  // meaning depends on `head`
  Activation head_act;
  // MobileNetV3: GAP -> FC(classifier_hidden * width, act) -> FC(classes); 0: GAP -> FC(classes).
  int32_t classifier_hidden;
  Activation classifier_hidden_act;
  SeRule se;
  Activation se_act;   // fused into the SE reduce 1x1
  Activation se_gate;  // fused into the SE expand 1x1
  int32_t default_resolution;
  int32_t min_resolution;  // smallest input side accepted: 5 stride-2 stages need >= 32 pixels
  int32_t default_classes = 1000;
};

const Architecture& GetArchitecture(Family f);

// Sets every row's `stage` that is -1 by the built-in rule (a new stage where the width changes)
// and returns the number of stages; rows keep explicit stages (which must not decrease).
int32_t AssignStages(std::vector<BlockRow>* rows);

// The product of the strides up to the end of each stage, stem included (2 for a stride-1 first
// stage after the stride-2 stem); one entry per stage.
std::vector<int32_t> StageStrides(const Architecture& a);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_ARCHITECTURES_H_
