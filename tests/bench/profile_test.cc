// The per-op profile's arithmetic and the merging of fused blocks, on hand-made step lists.
#include "tools/bench/profile.h"

#include "gtest/gtest.h"
#include "tests/testing/test_models.h"

namespace scalert::bench {
namespace {

StepProfile Step(const std::string& name, const std::string& kernel, int64_t macs, int64_t bytes, double seconds,
                 int64_t calls = 10) {
  StepProfile s;
  s.name = name;
  s.kernel = kernel;
  s.macs = macs;
  s.bytes = bytes;
  s.seconds = seconds;
  s.calls = calls;
  return s;
}

MachinePeaks Peaks() {
  MachinePeaks p;
  p.measured = true;
  p.gflops_1thread = 100;    // 1e11 FLOP/s
  p.read_gbps_1thread = 10;  // 1e10 B/s: ridge at 10 FLOP/byte
  p.gflops_all = 200;
  p.read_gbps_all = 20;
  return p;
}

TEST(BenchProfileTest, RooflineArithmetic) {
  // 10 calls of 1 ms each; 1e6 MACs = 2e6 FLOP -> 2 GFLOP/s; 1e5 bytes -> 20 FLOP/B (compute).
  // 1e6 bytes for the second -> 2 FLOP/B (memory); 1 GB/s of a 10 GB/s roof.
  std::vector<ProfileRow> rows = BuildProfile(
      {Step("operator #0 Conv2D 'a'", "k1", 1000000, 100000, 0.01),
       Step("operator #1 Conv2D 'b'", "k2", 1000000, 1000000, 0.01),
       Step("operator #2 Add 'c'", "k3", 0, 2000000, 0.02)},
      Peaks(), 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "#0 Conv2D 'a'");
  EXPECT_DOUBLE_EQ(rows[0].ms, 1);
  EXPECT_DOUBLE_EQ(rows[0].share, 0.25);
  EXPECT_DOUBLE_EQ(rows[0].gflops, 2);
  EXPECT_DOUBLE_EQ(rows[0].intensity, 20);
  EXPECT_EQ(rows[0].bound, "compute");
  EXPECT_DOUBLE_EQ(rows[0].roof_gflops, 100);
  EXPECT_DOUBLE_EQ(rows[0].of_roof, 0.02);
  EXPECT_EQ(rows[1].bound, "memory");
  EXPECT_DOUBLE_EQ(rows[1].roof_gflops, 20);  // 2 FLOP/B x 10 GB/s
  EXPECT_DOUBLE_EQ(rows[1].gbps, 1);
  EXPECT_DOUBLE_EQ(rows[1].of_roof, 0.1);
  EXPECT_EQ(rows[2].bound, "memory");  // no MACs: it only moves bytes
  EXPECT_DOUBLE_EQ(rows[2].share, 0.5);
  EXPECT_DOUBLE_EQ(rows[2].of_roof, 0.1);
  // Two threads use the all-core peaks, capped at 2x one thread's.
  EXPECT_DOUBLE_EQ(BuildProfile({Step("#0", "k", 1000000, 100000, 0.01)}, Peaks(), 2)[0].roof_gflops, 200);
}

TEST(BenchProfileTest, WithoutPeaksNoBound) {
  std::vector<ProfileRow> rows = BuildProfile({Step("#0", "k", 10, 10, 0.001)}, MachinePeaks(), 1);
  EXPECT_EQ(rows[0].bound, "");
  EXPECT_DOUBLE_EQ(rows[0].roof_gflops, 0);
}

TEST(BenchProfileTest, FusedBlockIsOneRowWithItsExternalBytes) {
  // The test graph's ops 1 (expand) and 2 (dw) as one fused block run at its last step.
  Graph g = testing::MakeMbconvTestGraph(16, 12, 3, 1);
  std::vector<StepProfile> steps = {
      Step("operator #0 Conv2D 'stem'", "conv", 100, 1000, 0.01),
      Step("operator #1 Conv2D 'expand'", "expand_dwconv", 300, 5000, 1e-8),  // empty: clock reads only
      Step("operator #2 DepthwiseConv2D 'dw'", "expand_dwconv", 200, 4000, 0.02),
      Step("operator #3 GlobalAveragePool 'se.pool'", "pool", 0, 100, 0.001),
  };
  std::vector<ProfileRow> rows = BuildProfile(steps, Peaks(), 1, &g);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].name, "#1..#2 (fused) 'expand'");
  EXPECT_EQ(rows[1].macs, 500);
  // Bytes: the block input, expand and dw weights and dw bias, and the dw output (read later);
  // the expanded tensor stays inside.
  const Node& expand = g.nodes[1];
  const Node& dw = g.nodes[2];
  int64_t expect = g.tensors[expand.inputs[0]].bytes() + g.tensors[expand.inputs[1]].bytes() +
                   g.tensors[dw.inputs[1]].bytes() + g.tensors[dw.inputs[2]].bytes() +
                   g.tensors[dw.outputs[0]].bytes();
  EXPECT_EQ(rows[1].bytes, expect);
  EXPECT_LT(rows[1].bytes, 5000 + 4000 + g.tensors[expand.outputs[0]].bytes());
  // Without the graph the per-step bytes are summed.
  EXPECT_EQ(BuildProfile(steps, Peaks(), 1)[1].bytes, 9000);
  EXPECT_EQ(BuildProfile(steps, Peaks(), 1)[1].name, "#1..#2 (fused)");
  // A three-step block (expand, dw, project) with two empty steps is one row too.
  std::vector<StepProfile> three = {Step("operator #1 Conv2D 'expand'", "mbconv", 300, 5000, 2e-8),
                                    Step("operator #2 DepthwiseConv2D 'dw'", "mbconv", 200, 4000, 3e-8),
                                    Step("operator #3 Conv2D 'project'", "mbconv", 100, 3000, 0.02),
                                    Step("operator #4 Conv2D 'next.expand'", "mbconv", 0, 0, 2e-8)};
  std::vector<ProfileRow> merged = BuildProfile(three, Peaks(), 1);
  ASSERT_EQ(merged.size(), 2u);  // the next block's empty first step stays its own row
  EXPECT_EQ(merged[0].name, "#1..#3 (fused)");
  EXPECT_EQ(merged[0].macs, 600);
}

TEST(BenchProfileTest, SameKernelStepsThatBothTakeTimeStayApart) {
  std::vector<ProfileRow> rows = BuildProfile(
      {Step("operator #4 Conv2D 'se.reduce'", "conv1x1", 96, 512, 3e-6),
       Step("operator #5 Conv2D 'se.expand'", "conv1x1", 96, 592, 3e-6)},
      Peaks(), 1);
  EXPECT_EQ(rows.size(), 2u);
}

}  // namespace
}  // namespace scalert::bench
