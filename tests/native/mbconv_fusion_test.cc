// The MBConv fusion pass (which blocks become which fused nodes, what is left alone) and the
// fused banded step against the reference backend: kernels 3 and 5, strides 1 and 2 on odd
// sizes, channels not a multiple of 16, with and without expand, squeeze-and-excitation and
// residual, 1 to 4 threads, every ISA level, both ways of applying the SE gate.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/fused_mbconv_step.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/graph_builder.h"
#include "runtime/passes/mbconv_fusion.h"
#include "runtime/fused_mbconv.h"
#include "tests/native/kernel_list.h"
#include "tests/native/mbconv_blocks.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

using kernels::Isa;
using testing::BlockSpec;
using testing::BlocksGraph;
using testing::RandomVector;
using testing::RelativeError;

std::vector<float> RunOnce(Executable& e, const Graph& g, const std::vector<float>& input) {
  std::memcpy(e.input_buffer(0), input.data(), input.size() * sizeof(float));
  EXPECT_TRUE(e.Invoke().ok());
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + g.tensors[g.outputs[0]].num_elements());
}

struct Mode {
  Isa isa;
  int threads;
  FusionPolicy fusion;
  native::SeGate gate = native::SeGate::kAuto;
  int64_t l2 = 0;
  int32_t chunk_cols = 0;  // fused FP32 bands in chunks of this many columns (0: as L1d decides)
};

std::unique_ptr<Executable> Prepare(const Graph& g, const Mode& m) {
  BackendOptions o;
  o.threads = m.threads;
  o.poison_freed = true;  // a fused step that read a dead tensor would see NaN
  NativeOptions no;
  no.max_isa = m.isa;
  no.fusion = m.fusion;
  no.se_gate = m.gate;
  no.l2_bytes = m.l2;
  no.fused_chunk_cols = m.chunk_cols;
  auto e = PrepareNativeWith(g, o, no);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? std::move(e).value() : nullptr;
}

// Fused native == reference within 1e-4 at every level, 1-4 threads, kOn and kAuto, both SE
// gate modes, a tiny L2 (many short bands, so halos are carried between bands) and bands in
// column chunks of 1 and 3 (a chunk's windows overlapping the one before, one new column, a
// narrower last chunk); and the same bits for every thread count.
void ExpectFusedMatches(const Graph& g, int32_t want_fused) {
  const size_t n = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
  const std::vector<float> x = RandomVector(n, 31), x2 = RandomVector(n, 32);
  auto ref = PrepareReference(g, BackendOptions());
  ASSERT_TRUE(ref.ok()) << ref.status();
  const std::vector<float> other = RunOnce(**ref, g, x2);
  const std::vector<float> want = RunOnce(**ref, g, x);
  ASSERT_GT(RelativeError(other, want), 1e-3) << "output does not depend on the input";
  ASSERT_EQ(FuseMbconvBlocks(g, [](const Graph&, const MbconvBlock&) { return true; }).fused_blocks, want_fused);
  for (Isa isa : kernels::testing::Fp32KernelLevels())
    for (auto [l2, chunk] : {std::pair<int64_t, int32_t>{0, 0}, {16 << 10, 0}, {16 << 10, 1}, {0, 3}})
      for (native::SeGate gate : {native::SeGate::kFold, native::SeGate::kScale}) {
        std::vector<float> one_thread;
        for (int threads : {1, 2, 3, 4}) {
          SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads, l2 " << l2
                                            << ", chunks of " << chunk << ", gate " << static_cast<int>(gate));
          auto e = Prepare(g, {isa, threads, FusionPolicy::kOn, gate, l2, chunk});
          ASSERT_TRUE(e);
          const std::vector<std::string> d = e->op_descriptions();
          EXPECT_EQ(std::count_if(d.begin(), d.end(), [](const std::string& k) {
                      return k.rfind("mbconv", 0) == 0 || k.rfind("dwsep", 0) == 0;
                    }), static_cast<int64_t>(d.size()));
          const std::vector<float> got = RunOnce(*e, g, x);
          EXPECT_LE(RelativeError(got, want), 1e-4);
          if (threads == 1) one_thread = got;
          else EXPECT_EQ(got, one_thread) << "results depend on the thread count";
          // Again with another input: nothing stale is reused between invocations.
          EXPECT_LE(RelativeError(RunOnce(*e, g, x2), other), 1e-4);
        }
      }
  for (int threads : {1, 2}) {
    auto e = Prepare(g, {kernels::DetectedIsa(), threads, FusionPolicy::kAuto});
    ASSERT_TRUE(e);
    EXPECT_LE(RelativeError(RunOnce(*e, g, x), want), 1e-4);
  }
}

// Under the default options (kAuto, this CPU's L2) the same bits at every thread count, where
// blocks' rows split unevenly between threads (7x7 maps on 2-4 threads, 14x14 on 3 and 4): the
// thread count decides fusion only for blocks without squeeze-and-excitation, whose fused form
// rounds as its ops do; an SE block's does not (its gate folded into the project weights).
TEST(MbconvFusionCostModel, AutoGivesTheSameBitsAtEveryThreadCount) {
  for (const BlockSpec& spec : {BlockSpec{14, 14, 16, 64, 16, 3, 2, Activation::kRelu6, 3},
                                BlockSpec{14, 14, 24, 96, 24, 3, 1, Activation::kSwish, 2, true, true}}) {
    SCOPED_TRACE(::testing::Message() << spec.h << "x" << spec.w << (spec.se ? " SE" : ""));
    const Graph g = BlocksGraph(spec);
    const size_t n = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
    const std::vector<float> x = RandomVector(n, 33);
    auto ref = PrepareReference(g, BackendOptions());
    ASSERT_TRUE(ref.ok()) << ref.status();
    const std::vector<float> want = RunOnce(**ref, g, x);
    ASSERT_GT(RelativeError(RunOnce(**ref, g, RandomVector(n, 34)), want), 1e-3) << "output does not depend on the input";
    for (Isa isa : kernels::testing::Fp32KernelLevels()) {
      std::vector<float> one_thread;
      for (int threads : {1, 2, 3, 4}) {
        SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads");
        auto e = Prepare(g, {isa, threads, FusionPolicy::kAuto});
        ASSERT_TRUE(e);
        const std::vector<float> got = RunOnce(*e, g, x);
        EXPECT_LE(RelativeError(got, want), 1e-4);  // fails on NaN / Inf
        if (threads == 1) one_thread = got;
        else EXPECT_EQ(got, one_thread) << "results depend on the thread count";
      }
    }
  }
}

TEST(MbconvFusionPass, EachBlockBecomesOneFusedNode) {
  const Graph v2 = BlocksGraph({9, 7, 8, 24, 8, 3, 1, Activation::kRelu6, 2});
  const FusedGraph f = FuseMbconvBlocks(v2, [](const Graph&, const MbconvBlock&) { return true; });
  ASSERT_EQ(f.fused_blocks, 2);
  // expand, dw, project, add of each block -> one node; nothing else in these graphs.
  ASSERT_EQ(f.graph.nodes.size(), 2u);
  for (const Node& n : f.graph.nodes) {
    EXPECT_EQ(n.type, OpType::kFusedMbconv);
    ASSERT_TRUE(n.fused);
    EXPECT_GE(n.inputs[FusedMbconv::kExpandWeights], 0);
    EXPECT_EQ(n.inputs[FusedMbconv::kSeReduceWeights], -1);
    EXPECT_EQ(n.inputs[FusedMbconv::kResidual], n.inputs[FusedMbconv::kInput]);
    EXPECT_EQ(n.fused->parts.size(), 4u);
  }
  EXPECT_EQ(f.graph.nodes[1].outputs, v2.outputs);
  EXPECT_EQ(f.node_of, (std::vector<int32_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  // The fused node's MACs are its parts'.
  int64_t macs = 0;
  for (const Node& n : v2.nodes) macs += NodeMacs(v2, n);
  EXPECT_EQ(NodeMacs(f.graph, f.graph.nodes[0]) + NodeMacs(f.graph, f.graph.nodes[1]), macs);
  // Squeeze-and-excitation and a depthwise-separable pair.
  const Graph se = BlocksGraph({9, 7, 8, 8, 12, 3, 2, Activation::kSwish, 1, true, true, false});
  const FusedGraph fs = FuseMbconvBlocks(se, [](const Graph&, const MbconvBlock&) { return true; });
  ASSERT_EQ(fs.graph.nodes.size(), 1u);
  const Node& n = fs.graph.nodes[0];
  EXPECT_EQ(n.inputs[FusedMbconv::kExpandWeights], -1);
  EXPECT_GE(n.inputs[FusedMbconv::kSeReduceWeights], 0);
  EXPECT_EQ(n.fused->se_reduce_act, Activation::kSwish);
  EXPECT_EQ(n.fused->se_gate_act, Activation::kSigmoid);
  EXPECT_EQ(n.inputs[FusedMbconv::kResidual], -1);
  EXPECT_EQ(n.fused->parts, (std::vector<std::string>{"b0.dw", "b0.se.pool", "b0.se.fc1", "b0.se.fc2", "b0.se.mul",
                                                       "b0.project"}));
  // The policy callback decides per block.
  EXPECT_EQ(FuseMbconvBlocks(v2, [](const Graph&, const MbconvBlock& b) { return b.expand == 0; }).fused_blocks, 1);
}

TEST(MbconvFusionPass, SharedGraphOutputAndNonF32TensorsAreNotFused) {
  Graph g = BlocksGraph({8, 8, 4, 12, 4, 3, 1});
  auto all = [](const Graph&, const MbconvBlock&) { return true; };
  ASSERT_EQ(FuseMbconvBlocks(g, all).fused_blocks, 1);
  Graph out = g;
  out.outputs.push_back(out.nodes[1].outputs[0]);  // the depthwise output is also a graph output
  EXPECT_EQ(FuseMbconvBlocks(out, all).fused_blocks, 0);
  Graph shared = g;
  auto relu = AddUnary(&shared, OpType::kRelu, shared.nodes[0].outputs[0], "other");  // expanded tensor read twice
  ASSERT_TRUE(relu.ok());
  shared.outputs.push_back(*relu);
  const FusedGraph f = FuseMbconvBlocks(shared, all);
  ASSERT_EQ(f.fused_blocks, 1);  // without its expand the block is a depthwise-separable pair
  EXPECT_EQ(f.graph.nodes[1].inputs[FusedMbconv::kExpandWeights], -1);
  Graph f16 = g;
  f16.tensors[f16.nodes[1].outputs[0]].dtype = DType::kF16;
  EXPECT_EQ(FuseMbconvBlocks(f16, all).fused_blocks, 0);
}

TEST(MbconvFused, KernelsStridesAndOddSizes) {
  for (int32_t k : {3, 5})
    for (int32_t s : {1, 2})
      for (auto [h, w] : {std::pair{7, 9}, std::pair{13, 9}, std::pair{6, 17}, std::pair{1, 5}}) {
        SCOPED_TRACE(::testing::Message() << "k" << k << " s" << s << " " << h << "x" << w);
        ExpectFusedMatches(BlocksGraph({h, w, 5, 19, 7, k, s}), 1);
      }
}

TEST(MbconvFused, ResidualStacksAndActivations) {
  ExpectFusedMatches(BlocksGraph({15, 11, 16, 96, 16, 3, 1, Activation::kRelu6, 3}), 3);
  ExpectFusedMatches(BlocksGraph({12, 12, 24, 144, 40, 5, 2, Activation::kSwish, 2}), 2);
  ExpectFusedMatches(BlocksGraph({20, 14, 8, 48, 8, 3, 1, Activation::kHardSwish, 2}), 2);
  ExpectFusedMatches(BlocksGraph({10, 9, 8, 32, 12, 3, 1, Activation::kRelu6, 3, false}), 3);
}

TEST(MbconvFused, SqueezeExcitationAndSeparablePairs) {
  for (auto [h, w, s] : {std::array<int32_t, 3>{7, 9, 2}, std::array<int32_t, 3>{13, 10, 1}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w << " s" << s);
    ExpectFusedMatches(BlocksGraph({h, w, 12, 36, 12, 3, s, Activation::kSwish, 2, true, true}), 2);
    ExpectFusedMatches(BlocksGraph({h, w, 20, 20, 17, 5, s, Activation::kSwish, 1, true, true, false}), 1);
    ExpectFusedMatches(BlocksGraph({h, w, 21, 21, 21, 3, s, Activation::kRelu, 1, true, false, false}), 1);
  }
}

// A separable pair with SE whose input nothing else reads writes its depthwise output over that
// input (stride 1); one whose input is also its residual, or the graph's input, or at stride 2
// recomputes the depthwise. Both match the reference at every level, thread count and band height.
TEST(MbconvFused, SeparablePairsOverwriteTheirInputWhenNothingElseReadsIt) {
  auto in_place = [](const Graph& g) {
    const FusedGraph f = FuseMbconvBlocks(g, [](const Graph&, const MbconvBlock&) { return true; });
    std::vector<bool> v;
    for (const Node& n : f.graph.nodes)
      if (n.type == OpType::kFusedMbconv)
        v.push_back(native::PlanFusedMbconv(f.graph, n, 2, {6, 32, 16, 16}, 1 << 20).in_place);
    return v;
  };
  for (int32_t k : {3, 5})
    for (auto [h, w, s] : {std::array<int32_t, 3>{7, 9, 2}, std::array<int32_t, 3>{13, 10, 1}}) {
      SCOPED_TRACE(::testing::Message() << "k" << k << " " << h << "x" << w << " s" << s);
      // The second pair reads the first's output alone: in place.
      const Graph widening = BlocksGraph({h, w, 20, 20, 17, k, s, Activation::kSwish, 3, false, true, false});
      EXPECT_EQ(in_place(widening), (std::vector<bool>{false, true, true}));
      ExpectFusedMatches(widening, 3);
      // Residual pairs read their input twice: recomputed.
      const Graph residual = BlocksGraph({h, w, 16, 16, 16, k, s, Activation::kSwish, 2, true, true, false});
      EXPECT_EQ(in_place(residual), (std::vector<bool>{false, false}));
      ExpectFusedMatches(residual, 2);
    }
  // Two images: a task's rows may end in the second image while the first's are another task's.
  const Graph two = BlocksGraph({9, 6, 12, 12, 10, 3, 1, Activation::kSwish, 2, false, true, false, 2});
  EXPECT_EQ(in_place(two), (std::vector<bool>{false, true}));
  ExpectFusedMatches(two, 2);
}

TEST(MbconvFused, OpDescriptionsNameTheFusedKernelForEveryOriginalNode) {
  const Graph g = BlocksGraph({9, 7, 8, 24, 8, 3, 1, Activation::kRelu6, 2});
  auto e = Prepare(g, {kernels::DetectedIsa(), 1, FusionPolicy::kOn});
  ASSERT_TRUE(e);
  const std::vector<std::string> d = e->op_descriptions();
  ASSERT_EQ(d.size(), g.nodes.size());
  // The level whose FP32 kernels run (a level with INT8 kernels only, like avx512vnni, runs avx512's).
  const std::string level = kernels::IsaName(kernels::testing::KernelIsa(UsableIsa(kernels::DetectedIsa())));
  for (const std::string& s : d) EXPECT_EQ(s, "mbconv_f32_" + level);
}

// The cost model sees how evenly a block's bands split between threads: a 7-row map cannot
// (4 rows against 3.5 on 2 threads), a 28-row one splits into equal bands; one thread is even.
// Blocks whose fused form rounds differently from their ops (FusedRoundsAsOps) decide as on one
// thread.
TEST(MbconvFusionCostModel, SplitImbalanceAndThreadAwareAuto) {
  const kernels::TileShape tile{12, 32, 16, 8};
  const int64_t l2 = int64_t{1} << 20;
  auto plan = [&](const Graph& g, int threads) {
    const std::vector<MbconvBlock> blocks = FindMbconvBlocks(g);
    EXPECT_EQ(blocks.size(), 1u);
    return native::PlanFusedMbconv(g, FusedMbconvNode(g, blocks[0]), threads, tile, l2);
  };
  const Graph small = BlocksGraph({7, 7, 16, 64, 16, 3, 1});
  const Graph even = BlocksGraph({28, 28, 16, 64, 16, 3, 1});
  EXPECT_DOUBLE_EQ(plan(small, 1).split_imbalance(), 1.0);
  EXPECT_NEAR(plan(small, 2).split_imbalance(), 8.0 / 7.0, 1e-9);
  EXPECT_DOUBLE_EQ(plan(even, 2).split_imbalance(), 1.0);
  const MbconvBlock b = FindMbconvBlocks(small)[0];
  EXPECT_TRUE(FusionPays(small, b, 1, tile, l2, true));
  EXPECT_FALSE(FusionPays(small, b, 2, tile, l2, true));
  EXPECT_TRUE(FusionPays(even, FindMbconvBlocks(even)[0], 2, tile, l2, true));
  // A block whose fused form rounds differently from its ops decides as on one thread.
  for (int threads : {1, 2, 3, 4}) EXPECT_TRUE(FusionPays(small, b, threads, tile, l2, false)) << threads;
}

// Every band reads the block's weights again: where they do not fit in half of L2 and those
// re-reads outweigh the expanded tensor's round trip, the block runs unfused (FusionPays).
TEST(MbconvFusionCostModel, WeightsRereadPerBandBeyondL2) {
  const kernels::TileShape tile{12, 32, 16, 8};
  const Graph wide = BlocksGraph({7, 7, 160, 960, 160, 3, 1});  // 1.2 MB of weights, 4 bands
  const MbconvBlock b = FindMbconvBlocks(wide)[0];
  EXPECT_FALSE(FusionPays(wide, b, 1, tile, int64_t{1} << 20, true));
  EXPECT_FALSE(FusionPays(wide, b, 1, tile, int64_t{2} << 20, true));
  EXPECT_TRUE(FusionPays(wide, b, 1, tile, int64_t{4} << 20, true));  // the weights stay in L2
  const Graph narrow = BlocksGraph({7, 7, 16, 64, 16, 3, 1});  // 8 KB of weights
  EXPECT_TRUE(FusionPays(narrow, FindMbconvBlocks(narrow)[0], 1, tile, int64_t{1} << 20, true));
}

// With squeeze-and-excitation: separable pairs fuse (half the memory), blocks with an expand
// fuse from 14x14 maps up, not on 7x7 ones (measured in FusionPays).
TEST(MbconvFusionCostModel, SqueezeExcitationBlocksBySize) {
  const kernels::TileShape tile{12, 32, 16, 8};
  const int64_t l2 = int64_t{1} << 20;
  auto pays = [&](const Graph& g) {
    const std::vector<MbconvBlock> blocks = FindMbconvBlocks(g);
    EXPECT_EQ(blocks.size(), 1u);
    return !blocks.empty() && FusionPays(g, blocks[0], 1, tile, l2, false);
  };
  EXPECT_TRUE(pays(BlocksGraph({14, 14, 40, 240, 40, 3, 1, Activation::kSwish, 1, true, true})));
  EXPECT_FALSE(pays(BlocksGraph({7, 7, 40, 240, 40, 3, 1, Activation::kSwish, 1, true, true})));
  EXPECT_FALSE(pays(BlocksGraph({14, 14, 40, 240, 40, 3, 2, Activation::kSwish, 1, true, true})));
  EXPECT_TRUE(pays(BlocksGraph({7, 7, 24, 24, 16, 3, 1, Activation::kSwish, 1, true, true, false})));
}

// FP32 bands whose expanded rows and depthwise output pass L1d run in column chunks: the widest
// multiple of 7 columns that fits, where a chunk's new input row makes two register tiles of the
// expand (12 rows each), on maps at least 28 wide; none where the band fits, on narrower maps,
// or without L1d.
TEST(MbconvFusionCostModel, ColumnChunksFromL1) {
  const kernels::TileShape tile{12, 32, 16, 8};
  auto chunk = [&](const BlockSpec& spec, int64_t l1) {
    const Graph g = BlocksGraph(spec);
    const std::vector<MbconvBlock> blocks = FindMbconvBlocks(g);
    EXPECT_EQ(blocks.size(), 1u);
    const native::FusedMbconvPlan p = native::PlanFusedMbconv(g, FusedMbconvNode(g, blocks[0]), 1, tile,
                                                              int64_t{2} << 20, native::SeGate::kAuto, false, l1);
    return p.chunk_cols;
  };
  // MobileNetV2's second block: 43 KB expanded rows, bands of one output row (three input rows).
  const BlockSpec mv2{112, 112, 16, 96, 24, 3, 2};
  EXPECT_EQ(chunk(mv2, 48 << 10), 14);  // 3 x 29 input columns + 14 outputs x 96 channels: 39 KB
  EXPECT_EQ(chunk(mv2, 32 << 10), 0);   // 7 columns: 14 input columns of the expand
  EXPECT_EQ(chunk({112, 112, 16, 32, 24, 3, 2}, 48 << 10), 21);  // bands of 3 rows (7 input rows)
  EXPECT_EQ(chunk({56, 56, 24, 144, 24, 3, 1}, 48 << 10), 0);   // 14 columns: 14 pixels per new row
  EXPECT_EQ(chunk(mv2, 0), 0);
  EXPECT_EQ(chunk(mv2, 8 << 10), 0);  // not even 7 columns fit
  EXPECT_EQ(chunk({14, 14, 16, 96, 24, 3, 1}, 1 << 10), 0);  // too narrow
  EXPECT_EQ(chunk({28, 28, 4, 8, 4, 3, 1}, 48 << 10), 0);    // the whole band fits
}

}  // namespace
}  // namespace scalert
