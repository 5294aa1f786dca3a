// Resolving user parameters, the canonical op graph, metadata, the cost report and sweeps.
#include "tools/scale/scaler.h"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "runtime/model.h"
#include "runtime/model_format.h"
#include "runtime/version.h"
#include "tools/scale/sweep.h"

namespace scalert::scale {
namespace {

ScaleSpec Resolve(const ScaleRequest& r) {
  auto s = ResolveScaleRequest(r);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : ScaleSpec();
}

ScaledModel Shapes(const ScaleRequest& r) {
  BuildOptions o;
  o.weights = false;
  auto m = BuildScaledModel(Resolve(r), o);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : ScaledModel();
}

TEST(Resolve, PresetImpliesFamilyAndOfficialCoefficients) {
  ScaleRequest r;
  r.preset = "b4";
  ScaleSpec s = Resolve(r);
  EXPECT_EQ(s.family, Family::kEfficientNet);
  EXPECT_EQ(s.base_config, "b4");
  EXPECT_EQ(s.network.width, 1.4);
  EXPECT_EQ(s.network.depth, 1.8);
  EXPECT_EQ(s.network.input_h, 380);  // official, not rounded to a multiple of 8
  EXPECT_EQ(s.network.input_w, 380);
  r.preset = "lite3";
  s = Resolve(r);
  EXPECT_EQ(s.family, Family::kEfficientNetLite);
  EXPECT_EQ(s.network.input_h, 280);
}

TEST(Resolve, CompoundScalingFromPhi) {
  ScaleRequest r;
  r.family = "efficientnet";
  r.phi = 3;
  ScaleSpec s = Resolve(r);
  EXPECT_TRUE(s.compound);
  EXPECT_NEAR(s.network.depth, 1.728, 1e-12);
  EXPECT_NEAR(s.network.width, 1.331, 1e-12);
  EXPECT_NEAR(s.exact_h, 224 * 1.520875, 1e-9);
  EXPECT_EQ(s.network.input_h, 344);  // 340.7 rounded to a multiple of 8
  EXPECT_EQ(s.network.input_h % 8, 0);
  r.alpha = 1.1;
  r.beta = 1.2;
  r.gamma = 1.0;
  s = Resolve(r);
  EXPECT_NEAR(s.network.depth, 1.331, 1e-12);
  EXPECT_NEAR(s.network.width, 1.728, 1e-12);
  EXPECT_EQ(s.network.input_h, 224);
}

TEST(Resolve, ExplicitMultipliersOverridePhi) {
  ScaleRequest r;
  r.family = "efficientnet";
  r.phi = 2;
  r.resolution = std::make_pair(224, 224);
  r.depth = 1.0;
  ScaleSpec s = Resolve(r);
  EXPECT_NEAR(s.network.width, 1.21, 1e-12);
  EXPECT_EQ(s.network.depth, 1.0);
  EXPECT_EQ(s.network.input_h, 224);
}

TEST(Resolve, MobileNetWidthAndResolutionMultipliers) {
  ScaleRequest r;
  r.family = "mobilenet_v2";
  r.width = 0.75;
  r.resolution = std::make_pair(128, 128);
  ScaleSpec s = Resolve(r);
  EXPECT_EQ(s.network.width, 0.75);
  EXPECT_EQ(s.network.input_h, 128);
  r.resolution.reset();
  r.rho = 0.571;
  s = Resolve(r);
  EXPECT_EQ(s.network.input_h, 128);  // 127.9 rounded to a multiple of 8
  EXPECT_EQ(s.network.input_w, 128);
  r.rho.reset();
  r.resolution = std::make_pair(130, 250);  // exact pixels are kept, non-square allowed
  s = Resolve(r);
  EXPECT_EQ(s.network.input_h, 130);
  EXPECT_EQ(s.network.input_w, 250);
  ScaledModel m = Shapes(r);
  EXPECT_EQ(m.graph.tensors[m.graph.inputs[0]].shape, (Shape{1, 130, 250, 3}));
}

TEST(Resolve, BadParametersAreRejectedWithAClearMessage) {
  struct Bad {
    const char* what;
    ScaleRequest r;
    const char* message;  // a part of the expected message
  };
  auto req = [](auto edit) {
    ScaleRequest r;
    r.family = "efficientnet";
    edit(r);
    return r;
  };
  const Bad bad[] = {
      {"phi < 0", req([](ScaleRequest& r) { r.phi = -1; }), "--phi must be >= 0"},
      {"phi nan", req([](ScaleRequest& r) { r.phi = NAN; }), "--phi must be >= 0"},
      {"width 0", req([](ScaleRequest& r) { r.width = 0; }), "--width must be a positive"},
      {"width < 0", req([](ScaleRequest& r) { r.width = -1; }), "--width must be a positive"},
      {"depth 0", req([](ScaleRequest& r) { r.depth = 0; }), "--depth must be a positive"},
      {"rho 0", req([](ScaleRequest& r) { r.rho = 0; }), "--rho must be a positive"},
      {"alpha 0", req([](ScaleRequest& r) { r.phi = 1; r.alpha = 0; }), "--alpha must be a positive"},
      {"gamma < 0", req([](ScaleRequest& r) { r.phi = 1; r.gamma = -1.15; }), "--gamma must be a positive"},
      {"alpha without phi", req([](ScaleRequest& r) { r.alpha = 1.2; }), "give --phi too"},
      {"resolution too small", req([](ScaleRequest& r) { r.resolution = std::make_pair(16, 224); }), "outside"},
      {"resolution 31", req([](ScaleRequest& r) { r.resolution = std::make_pair(31, 31); }), "[32, 4096]"},
      {"rho too small", req([](ScaleRequest& r) { r.rho = 0.1; }), "outside"},
      {"resolution too large", req([](ScaleRequest& r) { r.resolution = std::make_pair(5000, 5000); }), "outside"},
      {"unknown family", req([](ScaleRequest& r) { r.family = "resnet50"; }), "unknown family 'resnet50'"},
      {"unknown preset", req([](ScaleRequest& r) { r.preset = "b9"; }), "unknown preset 'b9'"},
      {"preset of another family", req([](ScaleRequest& r) { r.family = "mobilenet_v2"; r.preset = "b3"; }),
       "belongs to family efficientnet"},
      {"preset and phi", req([](ScaleRequest& r) { r.preset = "b1"; r.phi = 1; }), "give one"},
      {"rho and resolution", req([](ScaleRequest& r) { r.rho = 1; r.resolution = std::make_pair(224, 224); }),
       "give one"},
      {"no family", req([](ScaleRequest& r) { r.family.clear(); }), "--family"},
      {"in channels 0", req([](ScaleRequest& r) { r.in_channels = 0; }), "--in-channels"},
      {"divisor 0", req([](ScaleRequest& r) { r.divisor = 0; }), "--divisor"},
      {"classes vs labels", req([](ScaleRequest& r) { r.num_classes = 3; r.labels = {"a", "b"}; }), "labels"},
      {"far too wide", req([](ScaleRequest& r) { r.width = 1e9; }), "too large"},
  };
  for (const Bad& b : bad) {
    auto s = ResolveScaleRequest(b.r);
    ASSERT_FALSE(s.ok()) << b.what;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << b.what;
    EXPECT_NE(std::string(s.status().message()).find(b.message), std::string::npos)
        << b.what << ": " << s.status().message();
  }
}

TEST(Resolve, TooManyParametersIsRejectedBeforeAnyWeightIsMade) {
  ScaleRequest r;
  r.family = "efficientnet";
  r.width = 60;
  r.depth = 2;
  auto spec = ResolveScaleRequest(r);
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto m = BuildScaledModel(*spec);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(std::string(m.status().message()).find("parameters"), std::string::npos) << m.status();
}

std::map<OpType, int> OpCounts(const Graph& g) {
  std::map<OpType, int> c;
  for (const Node& n : g.nodes) ++c[n.type];
  return c;
}

const Node* FindNode(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

// The op form the ONNX importer produces for torchvision exports, so both can be compared.
TEST(CanonicalGraph, EfficientNetB0) {
  ScaleRequest r;
  r.preset = "b0";
  const Graph g = Shapes(r).graph;
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.tensors[g.inputs[0]].name, "input");
  EXPECT_EQ(g.tensors[g.inputs[0]].shape, (Shape{1, 224, 224, 3}));
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, (Shape{1, 1000}));
  auto counts = OpCounts(g);
  EXPECT_EQ(counts[OpType::kMul], 16);  // one SE per block
  EXPECT_EQ(counts[OpType::kAdd], 9);   // stride 1 and in == out
  EXPECT_EQ(counts[OpType::kDepthwiseConv2D], 16);
  EXPECT_EQ(counts[OpType::kGlobalAveragePool], 17);
  EXPECT_EQ(counts[OpType::kFullyConnected], 1);
  EXPECT_EQ(counts[OpType::kConv2D], 1 + 15 + 16 + 32 + 1);  // stem, expands, projects, SE pairs, head
  for (OpType t : {OpType::kSoftmax, OpType::kReshape, OpType::kSigmoid, OpType::kSwish, OpType::kTranspose})
    EXPECT_EQ(counts.count(t), 0u) << OpTypeName(t);

  const Node* stem = FindNode(g, "features.0");
  ASSERT_NE(stem, nullptr);
  EXPECT_EQ(stem->type, OpType::kConv2D);
  EXPECT_EQ(stem->activation, Activation::kSwish);
  EXPECT_EQ(stem->conv.stride_h, 2);
  EXPECT_EQ(stem->conv.pad_top, 1);
  EXPECT_EQ(stem->conv.pad_bottom, 1);
  ASSERT_EQ(stem->inputs.size(), 3u);  // batch norm folded into the bias
  const Node* dw = FindNode(g, "features.1.0.block.0");
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->type, OpType::kDepthwiseConv2D);
  const Node* fc1 = FindNode(g, "features.1.0.block.1.fc1");
  const Node* fc2 = FindNode(g, "features.1.0.block.1.fc2");
  const Node* se = FindNode(g, "features.1.0.block.1");
  ASSERT_TRUE(fc1 && fc2 && se);
  EXPECT_EQ(fc1->activation, Activation::kSwish);
  EXPECT_EQ(fc2->activation, Activation::kSigmoid);
  EXPECT_EQ(g.tensors[fc1->inputs[1]].shape, (Shape{8, 1, 1, 32}));  // max(1, 32 / 4)
  EXPECT_EQ(se->type, OpType::kMul);
  EXPECT_EQ(se->inputs[0], dw->outputs[0]);
  EXPECT_EQ(se->inputs[1], fc2->outputs[0]);
  const Node* k5 = FindNode(g, "features.3.0.block.1");  // stage 3: kernel 5, pad 2, stride 2
  ASSERT_NE(k5, nullptr);
  EXPECT_EQ(g.tensors[k5->inputs[1]].shape[1], 5);
  EXPECT_EQ(k5->conv.pad_left, 2);
  EXPECT_EQ(k5->conv.stride_w, 2);
  const Node* add = FindNode(g, "features.2.1.add");
  const Node* project = FindNode(g, "features.2.1.block.3");
  ASSERT_TRUE(add && project);
  EXPECT_EQ(project->activation, Activation::kNone);
  EXPECT_EQ(add->inputs[0], project->outputs[0]);
  EXPECT_EQ(add->inputs[1], FindNode(g, "features.2.0.block.3")->outputs[0]);
  EXPECT_NE(FindNode(g, "features.8"), nullptr);  // head
  const Node& last = g.nodes.back();
  EXPECT_EQ(last.type, OpType::kFullyConnected);
  EXPECT_EQ(last.name, "classifier.1");
  EXPECT_EQ(g.tensors[last.inputs[0]].shape, (Shape{1, 1, 1, 1280}));  // FC straight on the pool
  EXPECT_EQ(g.tensors[last.outputs[0]].name, "logits");
}

TEST(CanonicalGraph, MobileNetV3LargeAndV2) {
  ScaleRequest r;
  r.family = "mobilenet_v3_large";
  const Graph g = Shapes(r).graph;
  const Node* fc1 = FindNode(g, "features.4.block.2.fc1");  // first SE block (40 ch, expanded 72)
  const Node* fc2 = FindNode(g, "features.4.block.2.fc2");
  ASSERT_TRUE(fc1 && fc2);
  EXPECT_EQ(fc1->activation, Activation::kRelu);
  EXPECT_EQ(fc2->activation, Activation::kHardSigmoid);
  EXPECT_EQ(g.tensors[fc1->inputs[1]].shape, (Shape{24, 1, 1, 72}));  // MakeDivisible(72 / 4, 8)
  EXPECT_EQ(FindNode(g, "features.0")->activation, Activation::kHardSwish);
  EXPECT_EQ(FindNode(g, "features.1.block.0")->type, OpType::kDepthwiseConv2D);  // no expand: 16 -> 16
  EXPECT_EQ(FindNode(g, "features.16")->activation, Activation::kHardSwish);       // head, 960
  const Node* hidden = FindNode(g, "classifier.0");
  ASSERT_NE(hidden, nullptr);
  EXPECT_EQ(hidden->activation, Activation::kHardSwish);
  EXPECT_EQ(g.tensors[hidden->inputs[1]].shape, (Shape{1280, 960}));
  EXPECT_EQ(g.nodes.back().name, "classifier.3");

  r.family = "mobilenet_v2";
  const Graph v2 = Shapes(r).graph;
  EXPECT_EQ(OpCounts(v2)[OpType::kAdd], 10);
  EXPECT_EQ(OpCounts(v2)[OpType::kMul], 0);
  EXPECT_EQ(FindNode(v2, "features.1.conv.0")->type, OpType::kDepthwiseConv2D);  // t = 1: no expand
  EXPECT_EQ(FindNode(v2, "features.2.conv.0")->activation, Activation::kRelu6);
  EXPECT_EQ(FindNode(v2, "features.2.conv.2")->activation, Activation::kNone);  // linear bottleneck
  EXPECT_NE(FindNode(v2, "features.18"), nullptr);
  EXPECT_EQ(v2.nodes.back().name, "classifier.1");
}

TEST(InputChannels, OnlyTheStemChanges) {
  ScaleRequest r;
  r.family = "efficientnet";
  const ScaledModel rgb = Shapes(r);
  r.in_channels = 13;
  const ScaledModel ms = Shapes(r);
  ASSERT_EQ(rgb.graph.nodes.size(), ms.graph.nodes.size());
  int differing = 0;
  for (size_t i = 0; i < rgb.graph.tensors.size(); ++i)
    if (rgb.graph.tensors[i].shape != ms.graph.tensors[i].shape) ++differing;
  EXPECT_EQ(differing, 2);  // the input and the stem weights
  EXPECT_EQ(ms.params_stored - rgb.params_stored, 9 * 10 * 32);
  EXPECT_EQ(ms.macs - rgb.macs, 112LL * 112 * 9 * 10 * 32);
  EXPECT_TRUE(ms.graph.metadata.mean.empty());  // ImageNet statistics do not apply
  EXPECT_EQ(ms.graph.metadata.in_channels, 13);
  auto cost = CompareWithBase(ms);
  ASSERT_TRUE(cost.ok());
  std::string report = FormatScalingReport(ms, *cost);
  EXPECT_NE(report.find("13 -> 32 channels"), std::string::npos) << report;
  EXPECT_NE(report.find("864 with 3 input channels"), std::string::npos) << report;
}

TEST(Metadata, RecordsTheScalingAndSurvivesTheFile) {
  ScaleRequest r;
  r.family = "mobilenet_v3_small";
  r.phi = 1;
  r.resolution = std::make_pair(64, 96);
  r.labels = {"cat", "dog", "bird"};
  r.seed = 3;
  auto spec = ResolveScaleRequest(r);
  ASSERT_TRUE(spec.ok());
  auto m = BuildScaledModel(*spec);
  ASSERT_TRUE(m.ok()) << m.status();
  auto bytes = SerializeGraph(m->graph);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto g = ReadGraph(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
  ASSERT_TRUE(g.ok()) << g.status();
  const ModelMetadata& md = g->metadata;
  EXPECT_EQ(md.family, "mobilenet_v3_small");
  EXPECT_EQ(md.base_config, "1.0");
  EXPECT_EQ(md.phi, 1.f);
  EXPECT_FLOAT_EQ(md.alpha, 1.2f);
  EXPECT_FLOAT_EQ(md.beta, 1.1f);
  EXPECT_FLOAT_EQ(md.gamma, 1.15f);
  EXPECT_FLOAT_EQ(md.width_multiplier, 1.1f);
  EXPECT_FLOAT_EQ(md.depth_multiplier, 1.2f);
  EXPECT_EQ(md.input_h, 64);
  EXPECT_EQ(md.input_w, 96);
  EXPECT_EQ(md.in_channels, 3);
  EXPECT_EQ(md.channel_divisor, 8);
  EXPECT_EQ(md.params_trained, m->params_trained);
  EXPECT_EQ(md.producer, "scalert scale");
  EXPECT_EQ(md.producer_version, SCALERT_VERSION_STRING);
  EXPECT_EQ(md.source, "scaler");
  EXPECT_EQ(md.input_layout, "NHWC");
  EXPECT_EQ(md.color_order, "RGB");
  EXPECT_EQ(md.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
  EXPECT_EQ(md.std, (std::vector<float>{0.229f, 0.224f, 0.225f}));
  EXPECT_EQ(md.labels, r.labels);
  EXPECT_EQ(g->tensors[g->outputs[0]].shape, (Shape{1, 3}));  // one logit per label
  EXPECT_EQ(GraphParams(*g), m->params_stored);
}

TEST(Cost, CountedRatioAgainstTheBaseNextToTheLaw) {
  ScaleRequest r;
  r.family = "efficientnet";
  r.phi = 0;
  ScaledModel base = Shapes(r);
  auto c0 = CompareWithBase(base);
  ASSERT_TRUE(c0.ok());
  EXPECT_EQ(c0->base_macs, 385814752);
  EXPECT_DOUBLE_EQ(c0->counted, 1.0);
  EXPECT_DOUBLE_EQ(c0->ideal, 1.0);
  EXPECT_DOUBLE_EQ(c0->predicted, 1.0);
  EXPECT_NEAR(c0->unrounded, 1.0, 1e-12);  // nothing rounded at the base
  r.phi = 3;
  ScaledModel m = Shapes(r);
  auto c3 = CompareWithBase(m);
  ASSERT_TRUE(c3.ok());
  EXPECT_NEAR(c3->predicted, std::pow(1.2 * 1.21 * 1.3225, 3), 1e-9);
  EXPECT_NEAR(c3->ideal, 1.728 * 1.331 * 1.331 * 1.520875 * 1.520875, 1e-9);
  EXPECT_DOUBLE_EQ(c3->counted, static_cast<double>(m.macs) / 385814752.0);
  EXPECT_GT(c3->counted, c3->unrounded);  // repeats round up
  EXPECT_LT(c3->counted, 1.3 * c3->unrounded);
  EXPECT_NEAR(c3->unrounded, c3->ideal, 0.05 * c3->ideal);  // the law nearly holds for B0's layers
  std::string report = FormatScalingReport(m, *c3);
  for (const char* part : {"alpha*beta^2*gamma^2 = 1.9203", "predicted FLOPs factor", "law d*w^2*r^2", "counted",
                           "repeats: exact -> built", "344x344", "unrounded", "rounding"})
    EXPECT_NE(report.find(part), std::string::npos) << part << "\n" << report;
}

TEST(Sweep, WritesEveryMemberAndASummary) {
  const std::string dir = ::testing::TempDir() + "/scale_sweep_test";
  std::filesystem::remove_all(dir);
  ScaleRequest r;
  r.family = "mobilenet_v3_small";
  r.resolution = std::make_pair(32, 32);
  auto rows = RunSweep(r, {0, 1, 2}, dir);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  for (const SweepRow& row : *rows) {
    auto model = Model::Load(dir + "/" + row.file);
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_EQ((*model)->graph().metadata.phi, static_cast<float>(row.spec.phi));
    EXPECT_EQ((*model)->graph().metadata.params_trained, row.params_trained);
  }
  EXPECT_LT((*rows)[0].params_trained, (*rows)[2].params_trained);
  ASSERT_TRUE(std::filesystem::exists(dir + "/summary.md"));
  ASSERT_TRUE(std::filesystem::exists(dir + "/summary.csv"));
  std::string csv = SweepCsv(*rows);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  EXPECT_NE(csv.find("mobilenet_v3_small_phi2.srm"), std::string::npos);
  std::string md = SweepMarkdown(*rows);
  EXPECT_NE(md.find("| 1 | mobilenet_v3_small_phi1.srm |"), std::string::npos) << md;
  std::filesystem::remove_all(dir);
}

TEST(Sweep, ABadMemberWritesNothing) {
  const std::string dir = ::testing::TempDir() + "/scale_sweep_bad";
  std::filesystem::remove_all(dir);
  ScaleRequest r;
  r.family = "mobilenet_v3_small";
  r.resolution = std::make_pair(32, 32);
  auto rows = RunSweep(r, {0, -1}, dir);  // phi 0 alone is fine; every member is checked first
  ASSERT_FALSE(rows.ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace scalert::scale
