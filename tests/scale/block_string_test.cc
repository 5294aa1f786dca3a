// Custom bases in timm's block-string notation: the built-in families written as block strings
// build the same networks (exact params and MACs, torchvision's for B0 and MobileNetV2), the JSON
// form equals the text form, and malformed tables are refused with the file, line and field.
#include "tools/scale/block_string.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tools/scale/scaler.h"

namespace scalert::scale {
namespace {

// The base tables of the built-in families, written independently of architectures.cc in the
// notation a user would write (timm's arch_def of each model).
constexpr char kEfficientNetB0[] = R"(# EfficientNet-B0
stem 32
head 1280
act swish
ds_r1_k3_s1_e1_c16_se0.25
ir_r2_k3_s2_e6_c24_se0.25
ir_r2_k5_s2_e6_c40_se0.25
ir_r3_k3_s2_e6_c80_se0.25
ir_r3_k5_s1_e6_c112_se0.25
ir_r4_k5_s2_e6_c192_se0.25
ir_r1_k3_s1_e6_c320_se0.25
)";

constexpr char kMobileNetV2[] = R"(
act relu6     # stem 32 and head 1280 are the defaults
ds_r1_k3_s1_c16
ir_r2_k3_s2_e6_c24
ir_r3_k3_s2_e6_c32
ir_r4_k3_s2_e6_c64
ir_r3_k3_s1_e6_c96
ir_r3_k3_s2_e6_c160
ir_r1_k3_s1_e6_c320
)";

constexpr char kEfficientNetLite0[] = R"(
act relu6
head 1280 fixed
ds_r1_k3_s1_c16
ir_r2_k3_s2_e6_c24
ir_r2_k5_s2_e6_c40
ir_r3_k3_s2_e6_c80
ir_r3_k5_s1_e6_c112
ir_r4_k5_s2_e6_c192
ir_r1_k3_s1_e6_c320
)";

constexpr char kMobileNetV1[] = R"(
act relu
head 0
dsa_r1_k3_s1_c64
dsa_r2_k3_s2_c128
dsa_r2_k3_s2_c256
dsa_r6_k3_s2_c512
dsa_r2_k3_s2_c1024
)";

constexpr char kMobileNetV3Large[] = R"(
stem 16
act hard_swish
head 960
hidden 1280
se_base expanded
se_act relu
se_gate hard_sigmoid
ds_r1_k3_s1_e1_c16_nre
ir_r1_k3_s2_e4_c24_nre ir_r1_k3_s1_e3_c24_nre
ir_r3_k5_s2_e3_c40_se0.25_nre
ir_r1_k3_s2_e6_c80 ir_r1_k3_s1_e2.5_c80 ir_r2_k3_s1_e2.3_c80
ir_r2_k3_s1_e6_c112_se0.25
ir_r3_k5_s2_e6_c160_se0.25
)";

constexpr char kMobileNetV3Small[] = R"(
stem 16
act hard_swish
head 576
hidden 1024
se_base expanded
se_act relu
se_gate hard_sigmoid
ds_r1_k3_s2_e1_c16_se0.25_nre
ir_r1_k3_s2_e4.5_c24_nre ir_r1_k3_s1_e3.67_c24_nre
ir_r1_k5_s2_e4_c40_se0.25 ir_r2_k5_s1_e6_c40_se0.25
ir_r2_k5_s1_e3_c48_se0.25
ir_r3_k5_s2_e6_c96_se0.25
)";

std::shared_ptr<const Architecture> Parse(const std::string& text, const std::string& name = "table.txt") {
  auto a = ParseArchDefText(text, name);
  EXPECT_TRUE(a.ok()) << a.status();
  return a.ok() ? std::make_shared<const Architecture>(*std::move(a)) : nullptr;
}

ScaledModel Build(ScaleRequest r) {
  if (!r.resolution) r.resolution = std::make_pair(224, 224);
  auto spec = ResolveScaleRequest(r);
  EXPECT_TRUE(spec.ok()) << spec.status();
  if (!spec.ok()) return {};
  BuildOptions o;
  o.weights = false;
  auto m = BuildScaledModel(*spec, o);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : ScaledModel();
}

ScaledModel BuildCustom(const std::string& text, ScaleRequest r = {}) {
  r.custom = Parse(text);
  return Build(r);
}

ScaledModel BuildFamily(const std::string& family, ScaleRequest r = {}) {
  r.family = family;
  return Build(r);
}

// Op types, activations, weight shapes, strides and output shapes, in order.
std::vector<std::string> OpGraph(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node& n : g.nodes) {
    std::string s = absl::StrCat(OpTypeName(n.type), " ", ActivationName(n.activation), " stride ", n.conv.stride_h);
    for (int32_t t : n.inputs)
      if (t >= 0 && g.tensors[t].is_constant()) absl::StrAppend(&s, " w", ShapeToString(g.tensors[t].shape));
    absl::StrAppend(&s, " -> ", ShapeToString(g.tensors[n.outputs[0]].shape));
    ops.push_back(s);
  }
  return ops;
}

TEST(BuiltInsAsBlockStrings, EfficientNetB0HasTorchvisionsExactCounts) {
  ScaledModel m = BuildCustom(kEfficientNetB0);
  EXPECT_EQ(m.params_trained, 5288548);
  EXPECT_EQ(m.params_stored, 5267540);
  EXPECT_EQ(m.macs, 385814752);
  EXPECT_EQ(OpGraph(m.graph), OpGraph(BuildFamily("efficientnet").graph));
}

TEST(BuiltInsAsBlockStrings, MobileNetV2HasTorchvisionsExactCounts) {
  ScaledModel m = BuildCustom(kMobileNetV2);
  EXPECT_EQ(m.params_trained, 3504872);
  EXPECT_EQ(m.params_stored, 3487816);
  EXPECT_EQ(m.macs, 300774272);
  EXPECT_EQ(OpGraph(m.graph), OpGraph(BuildFamily("mobilenet_v2").graph));
}

TEST(BuiltInsAsBlockStrings, EveryOtherFamilyBuildsTheSameGraphAtItsBase) {
  const std::pair<const char*, const char*> cases[] = {{"efficientnet_lite", kEfficientNetLite0},
                                                       {"mobilenet_v1", kMobileNetV1},
                                                       {"mobilenet_v3_large", kMobileNetV3Large},
                                                       {"mobilenet_v3_small", kMobileNetV3Small}};
  for (const auto& [family, text] : cases) {
    ScaledModel custom = BuildCustom(text), builtin = BuildFamily(family);
    EXPECT_EQ(custom.params_trained, builtin.params_trained) << family;
    EXPECT_EQ(custom.params_stored, builtin.params_stored) << family;
    EXPECT_EQ(custom.macs, builtin.macs) << family;
    EXPECT_EQ(OpGraph(custom.graph), OpGraph(builtin.graph)) << family;
  }
}

// The B0 table scales like the built-in family: every preset and compound phi give the same network.
TEST(BuiltInsAsBlockStrings, EfficientNetScalesLikeTheBuiltInFamily) {
  for (const char* preset : {"b1", "b2", "b3", "b4", "b5", "b6", "b7"}) {
    ScaleRequest r;
    r.preset = preset;
    ScaledModel builtin = Build(r);
    ScaledModel custom = BuildCustom(kEfficientNetB0, r);
    EXPECT_EQ(custom.params_trained, builtin.params_trained) << preset;
    EXPECT_EQ(custom.macs, builtin.macs) << preset;
    EXPECT_EQ(custom.spec.network.input_h, builtin.spec.network.input_h) << preset;
  }
  // timm's head (1280 scaled) and torchvision's (4x the last stage) round apart at some widths,
  // e.g. phi 2.5: 1624 vs 1632 channels; "head 4x" is torchvision's rule.
  std::string b0_head4x = kEfficientNetB0;
  b0_head4x.replace(b0_head4x.find("head 1280"), 9, "head 4x");
  for (double phi : {1.0, 2.5}) {
    ScaleRequest r;
    r.phi = phi;
    r.resolution.reset();
    ScaledModel custom = BuildCustom(b0_head4x, r);
    ScaledModel builtin = BuildFamily("efficientnet", r);
    EXPECT_EQ(custom.params_trained, builtin.params_trained) << phi;
    EXPECT_EQ(custom.macs, builtin.macs) << phi;
    EXPECT_EQ(OpGraph(custom.graph), OpGraph(builtin.graph)) << phi;
  }
  // B3's exact torchvision counts, from the block strings.
  ScaleRequest b3;
  b3.preset = "b3";
  b3.resolution = std::make_pair(300, 300);
  ScaledModel m = BuildCustom(kEfficientNetB0, b3);
  EXPECT_EQ(m.params_trained, 12233232);
  EXPECT_EQ(m.macs, 1827141392);
}

TEST(BlockString, ParsesTimmsOptions) {
  auto r = ParseBlockString("ir_r3_k5_s2_e6_c40_se0.25_nre", Activation::kSwish);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->type, BlockType::kInvertedResidual);
  EXPECT_EQ(r->repeats, 3);
  EXPECT_EQ(r->kernel, 5);
  EXPECT_EQ(r->stride, 2);
  EXPECT_EQ(r->expand_ratio, 6);
  EXPECT_EQ(r->out_channels, 40);
  EXPECT_EQ(r->se_ratio, 0.25);
  EXPECT_EQ(r->act, Activation::kRelu);
  EXPECT_TRUE(r->always_expand);
  EXPECT_TRUE(r->residual);
  auto ds = ParseBlockString("ds_r1_k3_s1_e1_c16_noskip_nhs", Activation::kSwish);
  ASSERT_TRUE(ds.ok()) << ds.status();
  EXPECT_FALSE(ds->always_expand);
  EXPECT_FALSE(ds->residual);
  EXPECT_EQ(ds->act, Activation::kHardSwish);
  auto cn = ParseBlockString("cn_r1_k1_s1_c1280", Activation::kRelu6);
  ASSERT_TRUE(cn.ok()) << cn.status();
  EXPECT_EQ(cn->type, BlockType::kConvBnAct);
  EXPECT_FALSE(cn->residual);
  EXPECT_EQ(cn->act, Activation::kRelu6);
}

TEST(BlockString, FormatParsesBackToTheSameRow) {
  for (const char* s : {"ds_r1_k3_s1_c16_se0.25_nsw", "dsa_r2_k3_s2_c128_nre", "ir_r2_k3_s1_e2.3_c80_nhs",
                        "ir_r1_k5_s2_e1_c24_noskip_nr6", "er_r2_k3_s2_e4_c48_se0.25_nsw", "cn_r1_k3_s1_c32_skip_nre"}) {
    auto r = ParseBlockString(s, Activation::kSwish);
    ASSERT_TRUE(r.ok()) << s << ": " << r.status();
    EXPECT_EQ(FormatBlockString(*r), s);
  }
}

// Each malformed block gives a message with the file, the line and the field.
TEST(BlockString, MalformedTablesNameFileLineAndField) {
  struct Bad {
    const char* line;
    const char* message;
  };
  const Bad cases[] = {
      {"xx_r1_k3_s1_c16", "unknown block type 'xx'"},
      {"ir_k3_s2_e6_c24", "missing repeat count 'r<n>'"},
      {"ir_r1_k3_s2_e6_c-24", "c (output channels): -24 is outside [1, 65536]"},
      {"ir_r1_k3_s2_e6_c1000000000", "c (output channels): 1000000000 is outside [1, 65536]"},
      {"ir_r0_k3_s2_e6_c24", "r (repeat count): 0 is outside"},
      {"ir_r1_k3_s2_c24", "missing expansion ratio"},
      {"ir_r1_k4_s2_e6_c24", "is even"},
      {"ir_r1_k3_s3_e6_c24", "s (stride): 3 is outside [1, 2]"},
      {"ir_r1_k3_s2_e6_c24_se1.5", "se (squeeze-and-excitation ratio): 1.5 is outside"},
      {"ir_r1_k3_s2_e6_c24_nmi", "unknown activation 'nmi'"},
      {"ir_r1_k3_s2_e6_c24_a1.1", "option 'a' (expansion kernel size) is not supported"},
      {"ir_r1_k3_s2_e6_c24_zz7", "unknown option 'zz7'"},
      {"ir_r1_r2_k3_s2_e6_c24", "option 'r' is given twice"},
      {"ds_r1_k3_s1_e6_c16", "ds blocks do not expand"},
      {"ir_r1_k3_s2_e6_c", "option 'c' has no value"},
  };
  for (const Bad& b : cases) {
    const std::string text = absl::StrCat("# a comment\nstem 32\n\nds_r1_k3_s1_c16\n", b.line, "\n");
    auto a = ParseArchDefText(text, "nets/mine.txt");
    ASSERT_FALSE(a.ok()) << b.line;
    const std::string msg(a.status().message());
    EXPECT_NE(msg.find("nets/mine.txt:5: "), std::string::npos) << msg;
    EXPECT_NE(msg.find(b.line), std::string::npos) << msg;
    EXPECT_NE(msg.find(b.message), std::string::npos) << msg;
  }
}

TEST(BlockString, MalformedHeadersNameTheirLine) {
  struct Bad {
    const char* text;
    const char* message;
  };
  const Bad cases[] = {
      {"stem -3\nds_r1_k3_s1_c16\n", "t.txt:1: stem channels: -3 is outside"},
      {"ds_r1_k3_s1_c16\nstem 1000000000\n", "t.txt:2: stem channels: 1000000000 is outside"},
      {"act tanh\nds_r1_k3_s1_c16\n", "t.txt:1: act: unknown activation 'tanh'"},
      {"head 1280 wide\nds_r1_k3_s1_c16\n", "t.txt:1: head: 'wide' is not 'fixed'"},
      {"stem 32\nstem 16\nds_r1_k3_s1_c16\n", "t.txt:2: 'stem' is set twice (first on line 1)"},
      {"# nothing\nstem 32\n", "t.txt: the table has no blocks"},
      {"resolution 16\nir_r1_k3_s2_e6_c24\nir_r1_k3_s2_e6_c24\nir_r4_k3_s2_e6_c24\nir_r1_k3_s2_e6_c24\n",
       "t.txt:1: resolution 16 is below the total stride 32"},
      {"head 4x fixed\nds_r1_k3_s1_c16\n", "t.txt:1: head: a multiple of the last stage ('4x') cannot be 'fixed'"},
      {"head 0x\nds_r1_k3_s1_c16\n", "t.txt:1: head multiple: 0 is outside [1, 64]"},
      {"classes\nds_r1_k3_s1_c16\n", "t.txt:1: 'classes' needs a value"},
      {"name ../../etc/x\nds_r1_k3_s1_c16\n", "t.txt:1: name: '../../etc/x' must be"},
  };
  for (const Bad& b : cases) {
    auto a = ParseArchDefText(b.text, "t.txt");
    ASSERT_FALSE(a.ok()) << b.text;
    EXPECT_NE(std::string(a.status().message()).find(b.message), std::string::npos) << a.status();
  }
}

TEST(ArchDefJson, SameTableAsTheTextForm) {
  const std::string json = R"({
  "name": "b0_json",
  "stem": 32, "head": 1280, "act": "swish", "classes": 1000, "resolution": 224,
  "stages": [
    ["ds_r1_k3_s1_e1_c16_se0.25"],
    ["ir_r2_k3_s2_e6_c24_se0.25"],
    "ir_r2_k5_s2_e6_c40_se0.25",
    ["ir_r3_k3_s2_e6_c80_se0.25"],
    ["ir_r3_k5_s1_e6_c112_se0.25"],
    ["ir_r4_k5_s2_e6_c192_se0.25"],
    ["ir_r1_k3_s1_e6_c320_se0.25"]
  ]
})";
  auto a = ParseArchDefJson(json, "b0.json");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->base_config, "b0_json");
  ScaleRequest r;
  r.custom = std::make_shared<const Architecture>(*a);
  ScaledModel m = Build(r);
  EXPECT_EQ(m.params_trained, 5288548);
  EXPECT_EQ(m.macs, 385814752);
  EXPECT_EQ(OpGraph(m.graph), OpGraph(BuildCustom(kEfficientNetB0).graph));
}

TEST(ArchDefJson, ErrorsNameTheLine) {
  struct Bad {
    const char* text;
    const char* message;
  };
  const Bad cases[] = {
      {"{\"stem\": 32,\n \"stages\": [[\"ds_r1_k3_s1_c16\"],\n  [\"ir_k3_s2_e6_c24\"]]}", "x.json:3: block 'ir_k3_s2_e6_c24': missing repeat count"},
      {"{\"stem\": 32,\n \"stages\": [[\"ds_r1_k3_s1_c-16\"]]}", "x.json:2: block 'ds_r1_k3_s1_c-16': c (output channels): -16"},
      {"{\"stem\": [32],\n \"stages\": []}", "x.json:1: \"stem\" must be a number or a string, found an array"},
      {"{\"stem\": 32,\n\n \"width\": 2, \"stages\": [\"ds_r1_k3_s1_c16\"]}", "x.json:3: unknown header 'width'"},
      {"{\"stem\": 32}", "x.json:1: the table has no \"stages\""},
      {"{\"stem\": 32,\n \"stages\": [[\"ds_r1_k3_s1_c16\"]\n", "x.json:3: expected ',' or ']'"},
      {"{\"stages\": [[1]]}", "x.json:1: a block must be a string, found a number"},
      {"{\"stages\": [[]]}", "a stage must be a block string or a non-empty array"},
  };
  for (const Bad& b : cases) {
    auto a = ParseArchDefJson(b.text, "x.json");
    ASSERT_FALSE(a.ok()) << b.text;
    EXPECT_NE(std::string(a.status().message()).find(b.message), std::string::npos) << a.status();
  }
}

TEST(ArchDef, LoadsEitherFormFromAFileAndNamesTheBaseByTheFile) {
  const std::string dir = ::testing::TempDir() + "/arch_def_load";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/my_net.txt") << kMobileNetV2;
  std::ofstream(dir + "/other.json") << "  {\"act\": \"relu6\", \"stages\": [\"ds_r1_k3_s1_c16\", \"ir_r2_k3_s2_e6_c24\"]}";
  auto text = LoadArchDef(dir + "/my_net.txt");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ((*text)->base_config, "my_net");
  EXPECT_EQ((*text)->rows.size(), 7u);
  auto json = LoadArchDef(dir + "/other.json");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)->rows.size(), 2u);
  EXPECT_EQ((*json)->rows[1].stage, 1);
  auto missing = LoadArchDef(dir + "/none.txt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

// A hyperspectral sensor: 200 input bands on a custom base; only the stem changes.
TEST(ArchDef, TwoHundredInputBands) {
  ScaleRequest r;
  r.in_channels = 200;
  ScaledModel m = BuildCustom(kMobileNetV2, r);
  ScaledModel rgb = BuildCustom(kMobileNetV2);
  EXPECT_EQ(m.graph.tensors[m.graph.inputs[0]].shape, (Shape{1, 224, 224, 200}));
  EXPECT_EQ(m.params_stored - rgb.params_stored, 197 * 9 * 32) << "one stem weight per extra band";
  EXPECT_EQ(m.graph.metadata.in_channels, 200);
  EXPECT_TRUE(m.graph.metadata.mean.empty()) << "no ImageNet normalization for 200 bands";
}

// Wide or deep tables within the parser's limits still cannot be scaled into absurd networks.
TEST(ArchDef, AbsurdScalingOfALargeTableIsRefused) {
  ScaleRequest wide;
  wide.custom = Parse("ir_r1_k3_s1_e64_c65536\n");
  wide.width = 100;
  auto s = ResolveScaleRequest(wide);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("far too large"), std::string::npos) << s.status();
  ScaleRequest deep;
  deep.custom = Parse("ir_r64_k3_s1_e6_c16 ir_r64_k3_s1_e6_c16 ir_r64_k3_s1_e6_c16\n");
  deep.depth = 100;
  EXPECT_FALSE(ResolveScaleRequest(deep).ok());
  // Within the bounds but over the parameter limit: refused before any weight is allocated.
  ScaleRequest big;
  big.custom = Parse("ir_r4_k3_s1_e6_c8192\n");
  big.resolution = std::make_pair(64, 64);
  auto spec = ResolveScaleRequest(big);
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto m = BuildScaledModel(*spec);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(std::string(m.status().message()).find("more than the limit"), std::string::npos) << m.status();
}

TEST(ArchDef, FamilyAndArchDefConflict) {
  ScaleRequest r;
  r.family = "efficientnet";
  r.custom = Parse(kEfficientNetB0);
  auto s = ResolveScaleRequest(r);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("--family and --arch-def"), std::string::npos) << s.status();
}

}  // namespace
}  // namespace scalert::scale
