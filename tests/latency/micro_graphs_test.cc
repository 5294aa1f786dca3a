// The profile-device grid: every graph is a valid model, names are unique, and the network
// slices it is cut from add up to the whole network (same MACs), so a block benchmarked alone
// is the block inside the network.
#include "tools/latency/micro_graphs.h"

#include <set>

#include "gtest/gtest.h"
#include "runtime/model_format.h"
#include "tools/latency/latency_model.h"
#include "tools/latency/native_steps.h"
#include "tools/latency/profiler.h"
#include "tools/scale/network_builder.h"

namespace scalert::latency {
namespace {

int64_t Macs(const Graph& g) {
  int64_t m = 0;
  for (const Node& n : g.nodes) m += NodeMacs(g, n);
  return m;
}

TEST(MicroGraphsTest, DefaultGridIsValidAndUnique) {
  auto graphs = BuildMicroGraphs(ProfileGrid(false));
  ASSERT_TRUE(graphs.ok()) << graphs.status();
  EXPECT_GT(graphs->size(), 60u);
  EXPECT_LT(graphs->size(), 400u);
  std::set<std::string> names;
  for (const MicroGraph& m : *graphs) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_TRUE(SerializeGraph(m.graph).ok()) << m.name;
  }
  EXPECT_GT(ProfileGrid(true).size(), ProfileGrid(false).size());
}

TEST(MicroGraphsTest, SlicesAddUpToTheNetwork) {
  for (scale::Family f : {scale::Family::kEfficientNet, scale::Family::kMobileNetV2, scale::Family::kMobileNetV3Small}) {
    scale::NetworkConfig c;
    c.family = f;
    c.width = 0.75;
    c.input_h = c.input_w = 160;
    auto plan = scale::PlanNetwork(c);
    ASSERT_TRUE(plan.ok());
    auto whole = scale::BuildNetwork(*plan);
    ASSERT_TRUE(whole.ok());
    int64_t sum = 0;
    auto stem = scale::BuildNetworkSlice(*plan, {true, 0, -1, false});
    ASSERT_TRUE(stem.ok());
    sum += Macs(stem->graph);
    for (int32_t i = 0; i < static_cast<int32_t>(plan->blocks.size()); ++i) {
      auto b = scale::BuildNetworkSlice(*plan, {false, i, i, false});
      ASSERT_TRUE(b.ok()) << i;
      sum += Macs(b->graph);
    }
    auto head = scale::BuildNetworkSlice(*plan, {false, 0, -1, true});
    ASSERT_TRUE(head.ok());
    sum += Macs(head->graph);
    EXPECT_EQ(sum, Macs(whole->graph)) << scale::FamilyName(f);
  }
}

TEST(MicroGraphsTest, BadSlicesAreRefused) {
  scale::NetworkConfig c;
  auto plan = scale::PlanNetwork(c);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(scale::BuildNetworkSlice(*plan, {false, 0, -1, false}).ok());
  EXPECT_FALSE(scale::BuildNetworkSlice(*plan, {false, 0, 999, false}).ok());
  EXPECT_FALSE(scale::BuildNetworkSlice(*plan, {true, 3, 4, false}).ok());
  EXPECT_FALSE(scale::BuildNetworkSlice(*plan, {false, 1, 2, true}).ok());
}

// What the search predicts with: the native plan of a model, grouped, against a profile built
// from that same plan with known per-class times (labels come from the real backend).
TEST(PredictionTest, NativePlanGroupsMatchAProfileOfTheSameKernels) {
  scale::NetworkConfig c;
  c.family = scale::Family::kMobileNetV2;
  c.width = 0.5;
  c.input_h = c.input_w = 96;
  auto plan = scale::PlanNetwork(c);
  ASSERT_TRUE(plan.ok());
  auto net = scale::BuildNetwork(*plan);
  ASSERT_TRUE(net.ok());
  scale::AllocateWeights(&net->graph);
  auto model = ModelFromGraph(net->graph, "test");
  ASSERT_TRUE(model.ok()) << model.status();
  auto described = DescribeNativePlan(*model, 1, Precision::kF32, false);
  ASSERT_TRUE(described.ok()) << described.status();
  ASSERT_EQ(described->labels.size(), net->graph.nodes.size());
  EXPECT_GT(described->footprint_bytes, 0);
  auto groups = GroupSteps((*model)->graph(), described->labels, described->empty);
  ASSERT_TRUE(groups.ok());
  DeviceSetting s;
  const RooflineParams roof{0.001, 50, 20};
  for (const StepGroup& g : *groups)
    s.samples.push_back({g.kernel, g.klass, 1, g.flops, g.bytes, RooflineMs(roof, g.flops, g.bytes),
                         RooflineMs(roof, g.flops, g.bytes), "self"});
  DeviceInfo dev;
  dev.isa = LabelIsa(described->labels[0]);
  auto m = FitLatencyModel(s, dev);
  ASSERT_TRUE(m.ok());
  const NetworkPrediction p = PredictGroups(*m, *groups, 1.0);
  double expect = 0;
  for (const StepSample& x : s.samples) expect += x.ms;
  EXPECT_TRUE(p.unprofiled.empty());
  EXPECT_NEAR(p.total_ms, expect, expect * 0.05);
}

}  // namespace
}  // namespace scalert::latency

namespace scalert::latency {
namespace {

// The profiler's bookkeeping (not its times): one sample per step group per graph, whatever the
// number of sustained passes, and the ISA read from the labels.
TEST(ProfilerTest, OneSamplePerGroupEvenAfterSeveralPasses) {
  auto graphs = BuildMicroGraphs({{scale::Family::kMobileNetV3Small, 0.5, 64}});
  ASSERT_TRUE(graphs.ok());
  size_t groups = 0;
  for (const MicroGraph& m : *graphs) {
    auto model = ModelFromGraph(m.graph, m.name);
    ASSERT_TRUE(model.ok());
    auto plan = DescribeNativePlan(*model, 1, Precision::kF32, false);
    ASSERT_TRUE(plan.ok());
    groups += GroupSteps(m.graph, plan->labels, {})->size();
  }
  ProfileSettings s;
  s.timing.warmup = 0;
  s.timing.min_runs = s.timing.max_runs = 1;
  s.timing.unprofiled_runs = 1;
  s.sustained = true;
  s.max_passes = 2;
  s.drift_tolerance_pct = 1e-12;  // never settles: both passes run
  std::string isa;
  auto setting = ProfileSetting(*graphs, 1, Precision::kF32, s, &isa);
  ASSERT_TRUE(setting.ok()) << setting.status();
  EXPECT_EQ(setting->samples.size(), groups);
  EXPECT_EQ(setting->graphs.size(), graphs->size());
  EXPECT_TRUE(setting->sustained);
  EXPECT_FALSE(isa.empty());
  for (const StepSample& x : setting->samples) {
    EXPECT_FALSE(x.klass.empty());
    EXPECT_EQ(x.ms_cold, 0);  // no eviction asked
  }
}

}  // namespace
}  // namespace scalert::latency
