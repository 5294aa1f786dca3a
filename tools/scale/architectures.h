// The base networks as data: one table per family, in one place. Every number here is the
// unscaled (width 1, depth 1) value of the published architecture, as torchvision defines it
// (EfficientNet-B0, MobileNetV2, MobileNetV3) or as its paper / reference code does
// (EfficientNet-Lite: tensorflow/tpu lite builder; MobileNetV1: Howard et al. 2017, Table 1).
#ifndef SCALERT_TOOLS_SCALE_ARCHITECTURES_H_
#define SCALERT_TOOLS_SCALE_ARCHITECTURES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/activation.h"

namespace scalert::scale {

enum class Family { kEfficientNet, kEfficientNetLite, kMobileNetV1, kMobileNetV2, kMobileNetV3Large, kMobileNetV3Small };

const char* FamilyName(Family f);
// Accepts the CLI names (efficientnet, efficientnet_lite, mobilenet_v1, mobilenet_v2,
// mobilenet_v3_large, mobilenet_v3_small).
absl::StatusOr<Family> ParseFamily(const std::string& name);
const std::vector<Family>& AllFamilies();

// One row of a base table: `repeats` blocks of the same kind (the first with `stride`, the rest
// stride 1). Consecutive rows with the same `out_channels` form one stage; depth scaling adds
// copies of a stage's last block (this is how MobileNetV3's per-block rows scale in depth).
struct BlockRow {
  int32_t repeats;
  int32_t kernel;
  int32_t stride;
  int32_t out_channels;       // before width scaling
  int32_t expand_ratio;       // expanded = input * ratio (EfficientNet, MobileNetV2); 0: see next
  int32_t expanded_channels;  // MobileNetV3: expanded width of this block, before width scaling
  bool se;                    // squeeze-and-excitation after the depthwise conv
  Activation act;             // activation of the expand and depthwise convs
};

enum class BlockType {
  kInvertedResidual,    // [expand 1x1] -> depthwise kxk -> [SE] -> project 1x1 (linear) [+ residual]
  kSeparable,           // MobileNetV1: depthwise 3x3 + act -> pointwise 1x1 + act
};

enum class SeRule {
  kNone,
  kQuarterOfBlockInput,       // EfficientNet: max(1, block_input_channels / 4)
  kQuarterOfExpandedRounded,  // MobileNetV3: MakeDivisible(expanded / 4, divisor)
};

enum class HeadRule {
  kNone,                // MobileNetV1: the last block feeds the pool
  kMultipleOfLast,      // 1x1 conv to head_channels * last block width (EfficientNet 4x, MobileNetV3 6x)
  kFixed,               // EfficientNet-Lite: head_channels, not scaled
  kScaledNotBelowBase,  // MobileNetV2: MakeDivisible(head_channels * max(1, width))
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
  const char* base_config;  // name of the unscaled member: "b0", "lite0", "1.0"
  BlockType block;
  NamingStyle naming;
  int32_t stem_channels;  // 3x3 stride-2 conv
  Activation stem_act;
  bool fixed_stem;              // EfficientNet-Lite: stem width not scaled
  bool fixed_first_last_depth;  // EfficientNet-Lite: first and last stage repeats not scaled
  std::vector<BlockRow> rows;
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
};

const Architecture& GetArchitecture(Family f);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_ARCHITECTURES_H_
