// Fused INT8 blocks (fused_mbconv_s8_step.h) on graphs of blocks quantized by the quantizer
// (`scalert quantize --mode int8`, random calibration): kernels 3 and 5, strides 1 and 2 on odd
// sizes (7x9, 13x9, 1x5), channels 5, 7, 19 and 33, with and without expand, squeeze-and-
// excitation and residual, relu6 (fused into the conv's clamp), swish and hard-swish (separate
// table ops), both operand orders of the SE Mul and the residual Add, one-pixel maps, a batch of
// two; every level this CPU runs, 1 to 3 threads, the default L2 and a tiny one (one-row bands,
// expanded rows carried between bands). The fused block must compute exactly the bits of
// its ops one by one: against the unfused native INT8 path and the reference backend, bit for
// bit, after checking that the output depends on the input (comparisons of equal vectors fail
// on NaN; outputs are checked finite).
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/fused_mbconv_s8_step.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/dtype_rules.h"
#include "runtime/passes/mbconv_fusion.h"
#include "tests/native/half_lowering.h"
#include "tests/native/mbconv_blocks.h"
#include "tests/testing/test_models.h"
#include "tools/quantize/calibration.h"
#include "tools/quantize/quantizer.h"

namespace scalert {
namespace {

using kernels::Isa;
using testing::BlockSpec;
using testing::BlocksGraph;
using testing::RandomVector;
using testing::RunWith;
using testing::NativeWithFusion;
using testing::RunReference;

Graph Int8(const Graph& fp32) {
  quantize::QuantizeOptions o;
  o.mode = Precision::kI8;
  o.fp32_backend = "reference";
  auto samples = quantize::RandomSamples(fp32, 4, 7);
  EXPECT_TRUE(samples.ok()) << samples.status();
  if (!samples.ok()) return Graph();
  o.calibration = *samples;
  auto r = quantize::Quantize(fp32, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(r->lowered) : Graph();
}

// The op descriptions naming a fused INT8 block (one per original node it runs).
int64_t FusedInt8Ops(const Executable& e) {
  int64_t count = 0;
  for (const std::string& d : e.op_descriptions())
    if ((d.rfind("mbconv", 0) == 0 || d.rfind("dwsep", 0) == 0) && d.find("_s8_") != std::string::npos) ++count;
  return count;
}

void ExpectFusedInt8GraphMatches(const Graph& g, int32_t want_fused) {
  ASSERT_FALSE(g.nodes.empty());
  ASSERT_EQ(GraphPrecision(g), Precision::kI8);
  ASSERT_EQ(FuseMbconvBlocks(g, [](const Graph&, const MbconvBlock&) { return true; }).fused_blocks, want_fused);
  const size_t size = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
  const std::vector<float> x = RandomVector(size, 41), x2 = RandomVector(size, 42);
  const std::vector<float> want = RunReference(g, x), want2 = RunReference(g, x2);
  ASSERT_FALSE(want.empty());
  ASSERT_NE(want, want2) << "the output does not depend on the input";
  for (float v : want) ASSERT_TRUE(std::isfinite(v));
  for (Isa isa : kernels::SupportedIsas())
    for (int64_t l2 : {int64_t{0}, int64_t{1} << 10})
      for (int threads : {1, 2, 3}) {
        SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads, l2 " << l2);
        auto fused = NativeWithFusion(g, isa, threads, FusionPolicy::kOn, l2);
        auto unfused = NativeWithFusion(g, isa, threads, FusionPolicy::kOff, l2);
        ASSERT_TRUE(fused && unfused);
        EXPECT_GT(FusedInt8Ops(*fused), 0);
        EXPECT_EQ(FusedInt8Ops(*unfused), 0);
        EXPECT_EQ(RunWith(*fused, g, x), RunWith(*unfused, g, x)) << "the fused block differs from its ops";
        EXPECT_EQ(RunWith(*fused, g, x), want);
        EXPECT_EQ(RunWith(*fused, g, x2), want2);  // again, another input: nothing stale reused
      }
}

void ExpectFusedInt8Matches(const BlockSpec& spec, int32_t want_fused) {
  ExpectFusedInt8GraphMatches(Int8(BlocksGraph(spec)), want_fused);
}

TEST(FusedInt8Blocks, KernelsStridesAndOddSizes) {
  for (int32_t k : {3, 5})
    for (int32_t s : {1, 2})
      for (auto [h, w] : {std::pair{7, 9}, std::pair{13, 9}, std::pair{1, 5}}) {
        SCOPED_TRACE(::testing::Message() << "k" << k << " s" << s << " " << h << "x" << w);
        ExpectFusedInt8Matches({h, w, 5, 19, 7, k, s}, 1);
      }
}

TEST(FusedInt8Blocks, ResidualStacksAndActivations) {
  ExpectFusedInt8Matches({15, 11, 7, 33, 7, 3, 1, Activation::kRelu6, 3}, 3);
  ExpectFusedInt8Matches({12, 12, 5, 19, 5, 5, 1, Activation::kSwish, 2}, 2);
  ExpectFusedInt8Matches({9, 13, 7, 33, 19, 3, 2, Activation::kHardSwish, 2}, 2);
  ExpectFusedInt8Matches({10, 9, 8, 32, 12, 3, 1, Activation::kRelu6, 3, false}, 3);
}

TEST(FusedInt8Blocks, SqueezeExcitationAndSeparablePairs) {
  for (auto [h, w, s] : {std::array<int32_t, 3>{7, 9, 2}, std::array<int32_t, 3>{13, 9, 1},
                         std::array<int32_t, 3>{1, 5, 1}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w << " s" << s);
    ExpectFusedInt8Matches({h, w, 7, 33, 7, 3, s, Activation::kSwish, 2, true, true}, 2);
    ExpectFusedInt8Matches({h, w, 19, 19, 5, 5, s, Activation::kHardSwish, 1, true, true, false}, 1);
    ExpectFusedInt8Matches({h, w, 19, 19, 19, 3, s, Activation::kRelu6, 1, true, false, false}, 1);
  }
}

// Pass B of SE blocks gates and projects in chunks of about 32 KiB (at least 64 pixels): wide
// expansions on maps of odd widths, so chunks end inside rows, bands hold several and the last is
// partial (600 channels: 64-pixel chunks; 72: 448), kernels 3 and 5, strides 1 and 2, a residual
// (the Add per chunk) and a separable block.
TEST(FusedInt8Blocks, SqueezeExcitationGatesInChunks) {
  for (auto [k, s] : {std::pair{5, 1}, std::pair{3, 2}}) {
    SCOPED_TRACE(::testing::Message() << "k " << k << " s" << s);
    ExpectFusedInt8Matches({23, 19, 8, 600, 8, k, s, Activation::kSwish, 2, true, true}, 2);
    ExpectFusedInt8Matches({31, 29, 72, 72, 9, k, s, Activation::kSwish, 1, true, true, false}, 1);
  }
}

// Expands of depth >= 24 (a multiple of 4) run on AMX, which writes the band as unsigned bytes
// for the avx512vnni depthwise (no table between them: relu6 in the clamp, or no activation):
// kernels 3 and 5, strides 1 and 2, odd sizes, expanded channels not a multiple of 16 or 32,
// residual stacks, a 7x7 map split by channels at 2-3 threads. Every level runs them (the others
// keep signed bytes).
TEST(FusedInt8Blocks, AmxExpandWritesUnsignedBytes) {
  for (int32_t k : {3, 5})
    for (int32_t s : {1, 2})
      for (auto [h, w] : {std::pair{7, 9}, std::pair{12, 10}}) {
        SCOPED_TRACE(::testing::Message() << "k" << k << " s" << s << " " << h << "x" << w);
        ExpectFusedInt8Matches({h, w, 24, 52, 24, k, s, Activation::kRelu6, 2}, 2);
      }
  ExpectFusedInt8Matches({9, 11, 32, 100, 32, 3, 1, Activation::kNone, 2}, 2);
  ExpectFusedInt8Matches({7, 7, 40, 140, 40, 3, 1, Activation::kRelu6, 2}, 2);
  // As pixel pairs too (3x3 at stride 1, even widths, expanded channels a multiple of 16).
  ExpectFusedInt8Matches({9, 10, 24, 48, 24, 3, 1, Activation::kRelu6, 2}, 2);
  ExpectFusedInt8Matches({6, 12, 32, 144, 32, 3, 1, Activation::kNone, 2}, 2);
  ExpectFusedInt8Matches({8, 8, 40, 144, 40, 3, 1, Activation::kRelu6, 2}, 2);
  ExpectFusedInt8Matches({5, 2, 24, 96, 24, 3, 1, Activation::kRelu6, 1}, 1);
}

// The SE Mul and the residual Add with their operands the other way round (the gate first, the
// residual first), on a 1x1 map where the gate has the shape of the tensor it scales.
TEST(FusedInt8Blocks, OperandOrderAndOnePixelMaps) {
  for (auto [h, w] : {std::pair{1, 1}, std::pair{5, 3}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w);
    Graph g = Int8(BlocksGraph({h, w, 7, 33, 7, 3, 1, Activation::kSwish, 2, true, true}));
    ASSERT_FALSE(g.nodes.empty());
    int32_t swapped = 0;
    for (Node& n : g.nodes)
      if (n.type == OpType::kMul || n.type == OpType::kAdd) {
        std::swap(n.inputs[0], n.inputs[1]);
        ++swapped;
      }
    ASSERT_EQ(swapped, 4);  // two SE Muls, two residual Adds
    ExpectFusedInt8GraphMatches(g, 2);
  }
}

// A batch of two images: tasks split the batch's rows, each image pools and gates on its own.
TEST(FusedInt8Blocks, BatchOfTwo) {
  for (const BlockSpec& spec : {BlockSpec{7, 9, 7, 33, 7, 3, 1, Activation::kSwish, 2, true, true},
                                BlockSpec{13, 9, 5, 19, 7, 5, 2, Activation::kRelu6, 2}}) {
    Graph fp32 = BlocksGraph(spec);
    for (Tensor& t : fp32.tensors)
      if (!t.is_constant() && t.shape.size() == 4) t.shape[0] = 2;
    ExpectFusedInt8GraphMatches(Int8(fp32), 2);
  }
}

// Blocks on small maps split pass A by expanded channels at 2+ threads (each task every row,
// its channels; parts of whole 64-channel units, the last one partial): 140 channels make parts
// 128 + 12 at 2 threads and 64 + 64 + 12 at 3; a 5x5 window on 7 rows would expand 11 rows split
// by rows; without SE the project runs in a pass B. Large maps and 1 thread keep the row split.
TEST(FusedInt8Blocks, SmallBlocksSplitChannelsAtTwoThreads) {
  const Graph g = Int8(BlocksGraph({7, 7, 8, 140, 8, 5, 1, Activation::kSwish, 2, true, true}));
  ASSERT_FALSE(g.nodes.empty());
  auto all = [](const Graph&, const MbconvBlock&) { return true; };
  const Graph fused = FuseMbconvBlocks(g, all).graph;
  int32_t blocks = 0;
  for (const Node& n : fused.nodes) {
    if (!native::IsFusedMbconvS8(n)) continue;
    ++blocks;
    EXPECT_FALSE(native::PlanFusedMbconvS8(fused, n, 1, int64_t{1} << 20).split_channels);
    EXPECT_TRUE(native::PlanFusedMbconvS8(fused, n, 2, int64_t{1} << 20).split_channels);
    EXPECT_TRUE(native::PlanFusedMbconvS8(fused, n, 3, int64_t{1} << 20).split_channels);
  }
  EXPECT_EQ(blocks, 2);
  ExpectFusedInt8GraphMatches(g, 2);
  // Without SE (the project then runs in a pass B of its own), 3x3 windows: 9 rows for 7.
  const Graph plain = Int8(BlocksGraph({7, 7, 8, 140, 8, 3, 1, Activation::kRelu6, 2}));
  ASSERT_FALSE(plain.nodes.empty());
  const Graph plain_fused = FuseMbconvBlocks(plain, all).graph;
  for (const Node& n : plain_fused.nodes) {
    if (!native::IsFusedMbconvS8(n)) continue;
    EXPECT_TRUE(native::PlanFusedMbconvS8(plain_fused, n, 2, int64_t{1} << 20).split_channels);
  }
  ExpectFusedInt8GraphMatches(plain, 2);
  const Graph large = Int8(BlocksGraph({56, 56, 8, 40, 8, 3, 1, Activation::kSwish, 1, true, true}));
  ASSERT_FALSE(large.nodes.empty());
  const Graph large_fused = FuseMbconvBlocks(large, all).graph;
  for (const Node& n : large_fused.nodes) {
    if (!native::IsFusedMbconvS8(n)) continue;
    EXPECT_FALSE(native::PlanFusedMbconvS8(large_fused, n, 2, int64_t{1} << 20).split_channels);
  }
}

// The pass records an INT8 block's table ops as parts of the block, in dataflow order, and the
// fused node keeps the nodes it replaced.
TEST(FusedInt8Blocks, TablesArePartsOfTheBlock) {
  const Graph g = Int8(BlocksGraph({9, 9, 8, 24, 8, 3, 1, Activation::kSwish, 1, true, true}));
  ASSERT_FALSE(g.nodes.empty());
  const std::vector<MbconvBlock> blocks = FindMbconvBlocks(g);
  ASSERT_EQ(blocks.size(), 1u);
  const MbconvBlock& b = blocks[0];
  for (int32_t t : {b.expand_table, b.depthwise_table, b.se_reduce_table, b.se_gate_table}) {
    ASSERT_GE(t, 0);
    EXPECT_EQ(g.tensors[g.nodes[t].inputs[0]].dtype, DType::kI8);
  }
  EXPECT_EQ(g.nodes[b.expand_table].type, OpType::kSwish);
  EXPECT_EQ(g.nodes[b.se_gate_table].type, OpType::kSigmoid);
  const Node n = FusedMbconvNode(g, b);
  ASSERT_TRUE(n.fused->int8.has_value());
  EXPECT_EQ(n.fused->parts.size(), 12u);  // expand, dw, pool, fc1, fc2, mul, project, add and 4 tables
  EXPECT_EQ(n.fused->int8->se_gate_table->name, g.nodes[b.se_gate_table].name);
  // An FP32 block keeps no INT8 parts.
  const Graph fp32 = BlocksGraph({9, 9, 8, 24, 8, 3, 1});
  EXPECT_FALSE(FusedMbconvNode(fp32, FindMbconvBlocks(fp32).at(0)).fused->int8.has_value());
}

}  // namespace
}  // namespace scalert
