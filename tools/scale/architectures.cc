#include "tools/scale/architectures.h"

#include "absl/strings/str_cat.h"

namespace scalert::scale {
namespace {

constexpr Activation kNone = Activation::kNone;
constexpr Activation kRelu = Activation::kRelu;
constexpr Activation kRelu6 = Activation::kRelu6;
constexpr Activation kSwish = Activation::kSwish;  // SiLU
constexpr Activation kHSwish = Activation::kHardSwish;
constexpr Activation kSigmoid = Activation::kSigmoid;
constexpr Activation kHSigmoid = Activation::kHardSigmoid;

// EfficientNet-B0 (torchvision _efficientnet_conf("efficientnet_b0")): MBConv stages.
//   repeats kernel stride out expand  -   SE  act
std::vector<BlockRow> EfficientNetRows(double se, Activation act) {
  return {
      {1, 3, 1, 16, 1, 0, se, act},  {2, 3, 2, 24, 6, 0, se, act},  {2, 5, 2, 40, 6, 0, se, act},
      {3, 3, 2, 80, 6, 0, se, act},  {3, 5, 1, 112, 6, 0, se, act}, {4, 5, 2, 192, 6, 0, se, act},
      {1, 3, 1, 320, 6, 0, se, act},
  };
}

Architecture MakeEfficientNet() {
  Architecture a{};
  a.family = Family::kEfficientNet;
  a.base_config = "b0";
  a.naming = NamingStyle::kEfficientNet;
  a.stem_channels = 32;
  a.stem_act = kSwish;
  a.rows = EfficientNetRows(0.25, kSwish);
  a.head = HeadRule::kMultipleOfLast;
  a.head_channels = 4;  // 4 * 320 = 1280 at B0
  a.head_act = kSwish;
  a.se = SeRule::kFromBlockInput;
  a.se_act = kSwish;
  a.se_gate = kSigmoid;
  return a;
}

// EfficientNet-Lite: B0's stages without SE, ReLU6 everywhere, stem (32) and head (1280) fixed,
// first and last stage repeats not scaled (efficientnet_lite_builder.py: fix_head_stem).
Architecture MakeEfficientNetLite() {
  Architecture a = MakeEfficientNet();
  a.family = Family::kEfficientNetLite;
  a.base_config = "lite0";
  a.stem_act = kRelu6;
  a.fixed_stem = true;
  a.fixed_first_last_depth = true;
  a.rows = EfficientNetRows(0, kRelu6);
  a.head = HeadRule::kFixed;
  a.head_channels = 1280;
  a.head_act = kRelu6;
  a.se = SeRule::kNone;
  a.se_act = a.se_gate = kNone;
  return a;
}

// MobileNetV1 (paper, Table 1): depthwise-separable layers; stride on a stage's first layer.
Architecture MakeMobileNetV1() {
  Architecture a{};
  a.family = Family::kMobileNetV1;
  a.base_config = "1.0";
  a.naming = NamingStyle::kMobileNetV1;
  a.stem_channels = 32;
  a.stem_act = kRelu;
  a.rows = {
      {1, 3, 1, 64, 0, 0, 0, kRelu},  {2, 3, 2, 128, 0, 0, 0, kRelu}, {2, 3, 2, 256, 0, 0, 0, kRelu},
      {6, 3, 2, 512, 0, 0, 0, kRelu}, {2, 3, 2, 1024, 0, 0, 0, kRelu},
  };
  for (BlockRow& r : a.rows) r.type = BlockType::kSeparable;
  a.head = HeadRule::kNone;
  a.head_act = kNone;
  a.se = SeRule::kNone;
  a.se_act = a.se_gate = kNone;
  return a;
}

// MobileNetV2 (torchvision inverted_residual_setting: t, c, n, s), kernel 3, ReLU6.
Architecture MakeMobileNetV2() {
  Architecture a{};
  a.family = Family::kMobileNetV2;
  a.base_config = "1.0";
  a.naming = NamingStyle::kMobileNetV2;
  a.stem_channels = 32;
  a.stem_act = kRelu6;
  a.rows = {
      {1, 3, 1, 16, 1, 0, 0, kRelu6},  {2, 3, 2, 24, 6, 0, 0, kRelu6},  {3, 3, 2, 32, 6, 0, 0, kRelu6},
      {4, 3, 2, 64, 6, 0, 0, kRelu6},  {3, 3, 1, 96, 6, 0, 0, kRelu6},  {3, 3, 2, 160, 6, 0, 0, kRelu6},
      {1, 3, 1, 320, 6, 0, 0, kRelu6},
  };
  a.head = HeadRule::kScaledNotBelowBase;
  a.head_channels = 1280;
  a.head_act = kRelu6;
  a.se = SeRule::kNone;
  a.se_act = a.se_gate = kNone;
  return a;
}

// MobileNetV3 (torchvision _mobilenet_v3_conf): one row per block with its expanded width.
Architecture MakeMobileNetV3(bool large) {
  Architecture a{};
  a.family = large ? Family::kMobileNetV3Large : Family::kMobileNetV3Small;
  a.base_config = "1.0";
  a.naming = NamingStyle::kMobileNetV3;
  a.stem_channels = 16;
  a.stem_act = kHSwish;
  //        repeats kernel stride out  -  expanded  SE ratio  act
  if (large) {
    a.rows = {
        {1, 3, 1, 16, 0, 16, 0, kRelu},    {1, 3, 2, 24, 0, 64, 0, kRelu},
        {1, 3, 1, 24, 0, 72, 0, kRelu},    {1, 5, 2, 40, 0, 72, 0.25, kRelu},
        {1, 5, 1, 40, 0, 120, 0.25, kRelu},    {1, 5, 1, 40, 0, 120, 0.25, kRelu},
        {1, 3, 2, 80, 0, 240, 0, kHSwish}, {1, 3, 1, 80, 0, 200, 0, kHSwish},
        {1, 3, 1, 80, 0, 184, 0, kHSwish}, {1, 3, 1, 80, 0, 184, 0, kHSwish},
        {1, 3, 1, 112, 0, 480, 0.25, kHSwish}, {1, 3, 1, 112, 0, 672, 0.25, kHSwish},
        {1, 5, 2, 160, 0, 672, 0.25, kHSwish}, {1, 5, 1, 160, 0, 960, 0.25, kHSwish},
        {1, 5, 1, 160, 0, 960, 0.25, kHSwish},
    };
    a.classifier_hidden = 1280;
  } else {
    a.rows = {
        {1, 3, 2, 16, 0, 16, 0.25, kRelu},    {1, 3, 2, 24, 0, 72, 0, kRelu},
        {1, 3, 1, 24, 0, 88, 0, kRelu},   {1, 5, 2, 40, 0, 96, 0.25, kHSwish},
        {1, 5, 1, 40, 0, 240, 0.25, kHSwish}, {1, 5, 1, 40, 0, 240, 0.25, kHSwish},
        {1, 5, 1, 48, 0, 120, 0.25, kHSwish}, {1, 5, 1, 48, 0, 144, 0.25, kHSwish},
        {1, 5, 2, 96, 0, 288, 0.25, kHSwish}, {1, 5, 1, 96, 0, 576, 0.25, kHSwish},
        {1, 5, 1, 96, 0, 576, 0.25, kHSwish},
    };
    a.classifier_hidden = 1024;
  }
  a.head = HeadRule::kMultipleOfLast;
  a.head_channels = 6;
  a.head_act = kHSwish;
  a.classifier_hidden_act = kHSwish;
  a.se = SeRule::kFromExpandedRounded;
  a.se_act = kRelu;
  a.se_gate = kHSigmoid;
  return a;
}

Architecture WithDefaults(Architecture a) {
  a.default_resolution = 224;
  a.min_resolution = 32;
  AssignStages(&a.rows);
  return a;
}

}  // namespace

const char* FamilyName(Family f) {
  switch (f) {
    case Family::kEfficientNet: return "efficientnet";
    case Family::kEfficientNetLite: return "efficientnet_lite";
    case Family::kMobileNetV1: return "mobilenet_v1";
    case Family::kMobileNetV2: return "mobilenet_v2";
    case Family::kMobileNetV3Large: return "mobilenet_v3_large";
    case Family::kMobileNetV3Small: return "mobilenet_v3_small";
    case Family::kCustom: return "custom";
  }
  return "?";
}

int32_t AssignStages(std::vector<BlockRow>* rows) {
  int32_t stage = -1;
  for (size_t i = 0; i < rows->size(); ++i) {
    BlockRow& r = (*rows)[i];
    if (r.stage < 0) r.stage = (i == 0 || (*rows)[i - 1].out_channels != r.out_channels) ? stage + 1 : stage;
    stage = r.stage;
  }
  return stage + 1;
}

std::vector<int32_t> StageStrides(const Architecture& a) {
  std::vector<int32_t> strides;
  int32_t stride = 2;  // the stem
  for (const BlockRow& r : a.rows) {
    stride *= r.stride;
    if (static_cast<size_t>(r.stage) >= strides.size()) strides.resize(static_cast<size_t>(r.stage) + 1, stride);
    strides[static_cast<size_t>(r.stage)] = stride;
  }
  return strides;
}

const std::vector<Family>& AllFamilies() {
  static const std::vector<Family> kAll = {Family::kEfficientNet,  Family::kEfficientNetLite,
                                           Family::kMobileNetV1,   Family::kMobileNetV2,
                                           Family::kMobileNetV3Large, Family::kMobileNetV3Small};
  return kAll;
}

absl::StatusOr<Family> ParseFamily(const std::string& name) {
  std::string known;
  for (Family f : AllFamilies()) {
    if (name == FamilyName(f)) return f;
    absl::StrAppend(&known, known.empty() ? "" : ", ", FamilyName(f));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown family '", name, "' (known: ", known, ")"));
}

const Architecture& GetArchitecture(Family f) {
  static const Architecture kEff = WithDefaults(MakeEfficientNet());
  static const Architecture kLite = WithDefaults(MakeEfficientNetLite());
  static const Architecture kV1 = WithDefaults(MakeMobileNetV1());
  static const Architecture kV2 = WithDefaults(MakeMobileNetV2());
  static const Architecture kV3L = WithDefaults(MakeMobileNetV3(true));
  static const Architecture kV3S = WithDefaults(MakeMobileNetV3(false));
  switch (f) {
    case Family::kEfficientNet: return kEff;
    case Family::kEfficientNetLite: return kLite;
    case Family::kMobileNetV1: return kV1;
    case Family::kMobileNetV2: return kV2;
    case Family::kMobileNetV3Large: return kV3L;
    case Family::kMobileNetV3Small: return kV3S;
    case Family::kCustom: break;  // custom bases travel with their config (NetworkConfig::custom)
  }
  return kEff;
}

}  // namespace scalert::scale
