// Backbones (`scalert scale --outputs`): which stage ends become outputs, their names, strides and
// shapes, that nothing after the last one is built, and that the feature maps run, depend on the
// input and agree between the reference and native backends, for every block type.
#include <cmath>

#include <gtest/gtest.h>

#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"
#include "tools/model_summary.h"
#include "tools/scale/block_string.h"
#include "tools/scale/feature_outputs.h"
#include "tools/scale/scaler.h"

namespace scalert::scale {
namespace {

std::vector<std::pair<int32_t, std::string>> Outputs(const std::string& spec, Family f) {
  auto o = ParseFeatureOutputs(spec, GetArchitecture(f));
  EXPECT_TRUE(o.ok()) << o.status();
  std::vector<std::pair<int32_t, std::string>> r;
  if (o.ok())
    for (const FeatureOutput& x : *o) r.emplace_back(x.stage, x.name);
  return r;
}

using P = std::vector<std::pair<int32_t, std::string>>;

TEST(FeatureOutputs, LevelsAreTheLastStageAtEachStride) {
  // EfficientNet: stages end at strides 2, 4, 8, 16, 16, 32, 32.
  EXPECT_EQ(StageStrides(GetArchitecture(Family::kEfficientNet)), (std::vector<int32_t>{2, 4, 8, 16, 16, 32, 32}));
  EXPECT_EQ(Outputs("C3,C4,C5", Family::kEfficientNet), (P{{3, "C3"}, {5, "C4"}, {7, "C5"}}));
  EXPECT_EQ(Outputs("stages", Family::kEfficientNet), (P{{1, "C1"}, {2, "C2"}, {3, "C3"}, {5, "C4"}, {7, "C5"}}));
  EXPECT_EQ(Outputs("2, 4", Family::kEfficientNet), (P{{2, "stage2"}, {4, "stage4"}}));
  // MobileNetV3-Small's first block has stride 2: no stage ends at stride 2.
  EXPECT_EQ(Outputs("stages", Family::kMobileNetV3Small), (P{{1, "C2"}, {2, "C3"}, {4, "C4"}, {5, "C5"}}));
}

TEST(FeatureOutputs, RefusesWhatTheNetworkDoesNotHave) {
  const Architecture& a = GetArchitecture(Family::kEfficientNet);
  struct Bad {
    const char* spec;
    const char* message;
  };
  for (const Bad& b : {Bad{"C6", "no stage ends at stride 64 for C6 (the stages end at strides 2, 4, 8, 16, 16, 32, 32)"},
                       Bad{"0", "stage 0 does not exist (stages 1..7)"}, Bad{"8", "stage 8 does not exist"},
                       Bad{"3,C3", "names stage 3 twice"}, Bad{"heads", "'heads' is not"}, Bad{"C3,,C4", "'' is not"},
                       Bad{"C0", "outside C1..C12"}}) {
    auto o = ParseFeatureOutputs(b.spec, a);
    ASSERT_FALSE(o.ok()) << b.spec;
    EXPECT_NE(std::string(o.status().message()).find(b.message), std::string::npos) << o.status();
  }
  ScaleRequest r;
  r.family = "efficientnet";
  r.outputs = "C3";
  r.num_classes = 10;
  EXPECT_FALSE(ResolveScaleRequest(r).ok()) << "a backbone has no classes";
}

absl::StatusOr<ScaledModel> BuildBackbone(ScaleRequest r, bool weights = true) {
  auto spec = ResolveScaleRequest(r);
  if (!spec.ok()) return spec.status();
  BuildOptions o;
  o.weights = weights;
  return BuildScaledModel(*spec, o);
}

TEST(Backbone, EfficientNetB0FeatureMapsAndNoHead) {
  ScaleRequest r;
  r.preset = "b0";
  r.outputs = "C3,C4,C5";
  auto m = BuildBackbone(r, false);
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = m->graph;
  ASSERT_EQ(g.outputs.size(), 3u);
  const Shape expected[] = {{1, 28, 28, 40}, {1, 14, 14, 112}, {1, 7, 7, 320}};
  const int32_t strides[] = {8, 16, 32};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(g.tensors[g.outputs[i]].name, "C" + std::to_string(i + 3));
    EXPECT_EQ(g.tensors[g.outputs[i]].shape, expected[i]);
    EXPECT_EQ(tools::OutputStride(g, g.outputs[i]), strides[i]);
  }
  for (const Node& n : g.nodes) {
    EXPECT_NE(n.type, OpType::kFullyConnected) << n.name;
    EXPECT_NE(n.name, "features.8") << "the head conv is not built";
  }
  EXPECT_EQ(m->plan.head, 0);
  // What the classifier costs on top: the head conv and the classifier, nothing else.
  ScaleRequest classifier;
  classifier.preset = "b0";
  auto c = BuildBackbone(classifier, false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->macs - m->macs, 7 * 7 * 320 * 1280 + 1280 * 1000);
  // Exact counts before rounding equal the built ones at the base (nothing is rounded).
  EXPECT_DOUBLE_EQ(UnroundedMacs(m->plan, 224, 224), static_cast<double>(m->macs));
}

TEST(Backbone, StagesAfterTheLastOutputAreNotBuilt) {
  ScaleRequest r;
  r.family = "mobilenet_v2";
  r.outputs = "2";
  auto m = BuildBackbone(r, false);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->plan.stages.size(), 2u);
  EXPECT_EQ(m->graph.tensors[m->graph.outputs[0]].shape, (Shape{1, 56, 56, 24}));
  EXPECT_EQ(m->graph.tensors[m->graph.outputs[0]].name, "stage2");
}

// Every output of a graph, run on one backend.
std::vector<std::vector<float>> RunAll(const Graph& g, const std::vector<float>& x, const std::string& backend) {
  auto bytes = SerializeGraph(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return {};
  InterpreterOptions o;
  o.backend = backend;
  auto it = Interpreter::Create(*model, o);
  EXPECT_TRUE(it.ok()) << it.status();
  if (!it.ok()) return {};
  EXPECT_TRUE((*it)->SetInput(0, x.data(), x.size() * sizeof(float)).ok());
  absl::Status s = (*it)->Invoke();
  EXPECT_TRUE(s.ok()) << s;
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < (*it)->num_outputs(); ++i) {
    out.emplace_back(static_cast<size_t>((*it)->output(i).num_elements()));
    EXPECT_TRUE((*it)->GetOutput(i, out.back().data(), out.back().size() * sizeof(float)).ok());
  }
  return out;
}

// Runs a backbone on two inputs and two backends: outputs finite, dependent on the input, equal.
void CheckRuns(const Graph& g) {
  const size_t n = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
  const std::vector<float> x0 = testing::RandomVector(n, 11), x1 = testing::RandomVector(n, 12);
  auto ref0 = RunAll(g, x0, "reference"), ref1 = RunAll(g, x1, "reference"), nat0 = RunAll(g, x0, "native");
  ASSERT_EQ(ref0.size(), g.outputs.size());
  ASSERT_EQ(nat0.size(), g.outputs.size());
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const std::string& name = g.tensors[g.outputs[i]].name;
    for (float v : ref0[i]) ASSERT_TRUE(std::isfinite(v)) << name;
    EXPECT_GT(testing::RelativeError(ref1[i], ref0[i]), 0.05) << name << " barely depends on the input";
    EXPECT_LE(testing::RelativeError(nat0[i], ref0[i]), 1e-4) << name << ": native differs from reference";
  }
}

TEST(Backbone, RunsOnReferenceAndNativeWithInputDependentFeatures) {
  ScaleRequest r;
  r.preset = "b0";
  r.outputs = "stages";
  r.resolution = std::make_pair(96, 128);
  auto m = BuildBackbone(r);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->graph.outputs.size(), 5u);
  EXPECT_EQ(m->graph.tensors[m->graph.outputs[4]].shape, (Shape{1, 3, 4, 320}));
  CheckRuns(m->graph);
}

// Every block type of the notation, in one custom base with 200 input bands.
TEST(Backbone, EveryBlockTypeRunsWithTwoHundredBands) {
  auto a = ParseArchDefText(R"(
stem 24
act relu6
cn_r1_k3_s1_c24_skip
ds_r1_k3_s1_c16_se0.25_nsw
dsa_r1_k3_s2_c32_se0.25
er_r2_k3_s2_e4_c48_se0.25 ir_r1_k5_s1_e1_c48_noskip_nhs
ir_r2_k3_s2_e6_c64_se0.25
ir_r1_k3_s2_e3_c96
)", "every_block.txt");
  ASSERT_TRUE(a.ok()) << a.status();
  ScaleRequest r;
  r.custom = std::make_shared<const Architecture>(*a);
  r.outputs = "C3,C4,C5";
  r.in_channels = 200;
  r.resolution = std::make_pair(64, 64);
  auto m = BuildBackbone(r);
  ASSERT_TRUE(m.ok()) << m.status();
  const Graph& g = m->graph;
  ASSERT_EQ(g.outputs.size(), 3u);
  EXPECT_EQ(g.tensors[g.inputs[0]].shape, (Shape{1, 64, 64, 200}));
  EXPECT_EQ(g.tensors[g.outputs[0]].shape, (Shape{1, 8, 8, 48}));
  EXPECT_EQ(g.tensors[g.outputs[1]].shape, (Shape{1, 4, 4, 64}));
  EXPECT_EQ(g.tensors[g.outputs[2]].shape, (Shape{1, 2, 2, 96}));
  EXPECT_DOUBLE_EQ(UnroundedMacs(m->plan, 64, 64), static_cast<double>(m->macs)) << "nothing rounded at the base";
  CheckRuns(g);
}

}  // namespace
}  // namespace scalert::scale
