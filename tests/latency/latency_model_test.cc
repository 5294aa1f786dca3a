// The latency model on synthetic profiles with known parameters (no timing anywhere): the
// roofline fit recovers them, classes follow labels without their ISA, fused steps group, a
// network's prediction is the sum of its groups.
#include "tools/latency/latency_model.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "runtime/graph_builder.h"
#include "tools/latency/native_steps.h"
#include "tools/latency/profiler.h"

namespace scalert::latency {
namespace {

TEST(KernelClassTest, StripsOnlyAKnownIsaLevel) {
  EXPECT_EQ(KernelClass("conv1x1_f32_avx2"), "conv1x1_f32");
  EXPECT_EQ(KernelClass("dwconv_f32_neon"), "dwconv_f32");
  EXPECT_EQ(KernelClass("gemm_f32_6x16_avx512"), "gemm_f32_6x16");
  EXPECT_EQ(KernelClass("xnnpack"), "xnnpack");
  EXPECT_EQ(KernelClass("conv2d_f32_reference"), "conv2d_f32_reference");
  EXPECT_EQ(LabelIsa("conv1x1_f32_avx2"), "avx2");
  EXPECT_EQ(LabelIsa("xnnpack"), "");
}

TEST(RooflineFitTest, RecoversKnownParametersAcrossBothRegimes) {
  RooflineParams truth;
  truth.overhead_ms = 0.004;
  truth.gflops = 80;  // ridge at 80 / 20 = 4 FLOP/byte
  truth.gbps = 20;
  std::vector<FitPoint> pts;
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 200; ++i) {
    const double bytes = 1e4 * std::pow(1000.0, u(rng));
    const double intensity = 0.25 * std::pow(64.0, u(rng));  // 0.25 .. 16 FLOP/byte: both sides of the ridge
    pts.push_back({bytes * intensity, bytes, RooflineMs(truth, bytes * intensity, bytes)});
  }
  auto fit = FitRoofline(pts);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(fit->gflops, 80, 80 * 0.03);
  EXPECT_NEAR(fit->gbps, 20, 20 * 0.06);  // the ridge grid has 2.5% steps
  EXPECT_NEAR(fit->overhead_ms, 0.004, 0.001);
  EXPECT_LT(fit->rms_rel_error, 0.03);
  EXPECT_EQ(fit->samples, 200);
}

TEST(RooflineFitTest, MemoryOnlyClassAndDegenerateInput) {
  std::vector<FitPoint> pts;
  for (double b : {1e4, 1e5, 1e6}) pts.push_back({0, b, 0.001 + b / 50e6});  // 50 GB/s, 1 us
  auto fit = FitRoofline(pts);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_NEAR(RooflineMs(*fit, 0, 5e5), 0.001 + 5e5 / 50e6, 1e-4);
  EXPECT_FALSE(FitRoofline({}).ok());
  EXPECT_FALSE(FitRoofline({{1, 1, 0}, {2, 2, -1}}).ok());
  auto one = FitRoofline({{1e6, 1e5, 0.01}});
  ASSERT_TRUE(one.ok());
  EXPECT_NEAR(RooflineMs(*one, 1e6, 1e5), 0.01, 1e-6);
}

TEST(SustainedTest, DriftIsThePassChangeInPercent) {
  EXPECT_DOUBLE_EQ(PassDriftPct(10, 11), 10);
  EXPECT_DOUBLE_EQ(PassDriftPct(10, 9), -10);
  EXPECT_EQ(PassDriftPct(0, 9), 0);
}

TEST(WarmWeightTest, ByFootprintAgainstTheCache) {
  EXPECT_EQ(WarmWeight(10 << 20, 32 << 20), 1.0);
  EXPECT_EQ(WarmWeight(64 << 20, 32 << 20), 0.0);
  EXPECT_NEAR(WarmWeight(32 << 20, 32 << 20), 0.5, 1e-12);
  EXPECT_EQ(WarmWeight(1, 0), 0.5);
}

// x -> conv1x1 (relu6) -> depthwise (relu6) -> conv1x1 -> pool.
Graph SmallGraph() {
  Graph g;
  int32_t x = g.AddTensor("x", {1, 8, 8, 4});
  g.inputs = {x};
  int32_t w1 = g.AddConstantF32("w1", {16, 1, 1, 4}, std::vector<float>(64, 0.1f));
  int32_t wd = g.AddConstantF32("wd", {1, 3, 3, 16}, std::vector<float>(144, 0.1f));
  int32_t w2 = g.AddConstantF32("w2", {8, 1, 1, 16}, std::vector<float>(128, 0.1f));
  ConvParams p;
  ConvParams pd;
  pd.pad_top = pd.pad_bottom = pd.pad_left = pd.pad_right = 1;
  int32_t a = *AddConv2D(&g, x, w1, -1, p, Activation::kRelu6, "expand");
  int32_t b = *AddDepthwiseConv2D(&g, a, wd, -1, pd, Activation::kRelu6, "dw");
  int32_t c = *AddConv2D(&g, b, w2, -1, p, Activation::kNone, "project");
  Node pool;
  pool.type = OpType::kGlobalAveragePool;
  pool.inputs = {c};
  int32_t y = *AddNode(&g, pool, "pool");
  g.outputs = {y};
  return g;
}

TEST(GroupStepsTest, FusedStepsJoinTheStepThatRunsThem) {
  const Graph g = SmallGraph();
  const std::vector<std::string> labels = {"mbconv_f32_avx2", "mbconv_f32_avx2", "mbconv_f32_avx2",
                                           "global_avg_pool_f32_avx2"};
  auto unfused = GroupSteps(g, labels, {});
  ASSERT_TRUE(unfused.ok());
  ASSERT_EQ(unfused->size(), 4u);
  EXPECT_EQ((*unfused)[0].klass, "mbconv_f32+relu6");
  EXPECT_EQ((*unfused)[2].klass, "mbconv_f32+none");
  EXPECT_EQ((*unfused)[3].klass, "global_avg_pool_f32+none@1x1");
  EXPECT_DOUBLE_EQ((*unfused)[0].flops, 2.0 * 64 * 4 * 16);
  auto fused = GroupSteps(g, labels, {true, true, false, false});
  ASSERT_TRUE(fused.ok());
  ASSERT_EQ(fused->size(), 2u);
  EXPECT_EQ((*fused)[0].first, 0);
  EXPECT_EQ((*fused)[0].last, 2);
  EXPECT_DOUBLE_EQ((*fused)[0].flops, (*unfused)[0].flops + (*unfused)[1].flops + (*unfused)[2].flops);
  // A fused block reads its input and weights and writes its output: not the expanded tensor.
  const double outside = (8 * 8 * 4 + 64 + 144 + 128 + 8 * 8 * 8) * 4.0;
  EXPECT_DOUBLE_EQ((*fused)[0].bytes, outside);
  EXPECT_FALSE(GroupSteps(g, {"a"}, {}).ok());
}

TEST(FindEmptyStepsTest, OnlyNearZeroStepsBeforeARealOneWithTheSameLabel) {
  EXPECT_EQ(FindEmptySteps({"m", "m", "m", "p"}, {0.0001, 0.0001, 0.5, 0.01}),
            (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(FindEmptySteps({"c", "c"}, {0.2, 0.3}), (std::vector<bool>{false, false}));
  EXPECT_EQ(FindEmptySteps({"c", "d"}, {0.0001, 0.3}), (std::vector<bool>{false, false}));
}

DeviceSetting SyntheticSetting(const RooflineParams& conv, const RooflineParams& pool) {
  DeviceSetting s;
  s.threads = 1;
  for (int i = 1; i <= 20; ++i) {
    const double f = 1e5 * i * i, b = 3e4 * i;
    s.samples.push_back({"conv1x1_f32_avx2", "conv1x1_f32+relu6", 1, f, b, RooflineMs(conv, f, b),
                         2 * RooflineMs(conv, f, b), "g"});
    s.samples.push_back({"global_avg_pool_f32_avx2", "global_avg_pool_f32+none@1x1", 1, 0, b, RooflineMs(pool, 0, b),
                         RooflineMs(pool, 0, b), "g"});
  }
  return s;
}

TEST(LatencyModelTest, PredictsTheSumOfItsGroupsWarmOrCold) {
  RooflineParams conv{0.002, 50, 10}, pool{0.001, 0, 40};
  const DeviceSetting s = SyntheticSetting(conv, pool);
  DeviceInfo dev;
  dev.isa = "avx2";
  dev.l3_bytes = 32 << 20;
  auto m = FitLatencyModel(s, dev);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->classes.size(), 2u);
  EXPECT_TRUE(m->classes.at("conv1x1_f32+relu6").has_cold);
  std::vector<StepGroup> groups = {{0, 0, "conv1x1_f32_avx2", "conv1x1_f32+relu6", 4e6, 2e5},
                                   {1, 1, "global_avg_pool_f32_avx2", "global_avg_pool_f32+none@1x1", 0, 1e5},
                                   {2, 2, "fc_f32_avx2", "fc_f32+none@1x1", 1e6, 4e6}};
  const NetworkPrediction warm = PredictGroups(*m, groups, 1.0);
  const double expect = RooflineMs(conv, 4e6, 2e5) + RooflineMs(pool, 0, 1e5);
  EXPECT_NEAR(warm.groups[0].ms + warm.groups[1].ms, expect, expect * 0.02);
  EXPECT_FALSE(warm.groups[2].profiled);
  ASSERT_EQ(warm.unprofiled.size(), 1u);
  EXPECT_EQ(warm.unprofiled[0], "fc_f32+none@1x1");
  double sum = 0;
  for (const GroupPrediction& g : warm.groups) sum += g.ms;
  EXPECT_DOUBLE_EQ(warm.total_ms, sum);
  const NetworkPrediction cold = PredictGroups(*m, groups, 0.0);
  EXPECT_NEAR(cold.groups[0].ms, 2 * RooflineMs(conv, 4e6, 2e5), 0.03 * 2 * RooflineMs(conv, 4e6, 2e5));
  // The FLOP-proportional baseline: total ms per FLOP of the profile times the group's FLOPs.
  EXPECT_DOUBLE_EQ(warm.groups[0].flop_ms, 4e6 * m->ms_per_flop);
  EXPECT_EQ(warm.groups[1].flop_ms, 0);
  EXPECT_NE(FormatFit(*m).find("conv1x1_f32+relu6"), std::string::npos);
}

}  // namespace
}  // namespace scalert::latency
