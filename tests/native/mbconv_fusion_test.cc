// The MBConv fusion pass (which chains it finds) and the fused row-by-row step against the
// reference backend and the unfused native plan: kernels 3 and 5, strides 1 and 2, odd channel
// counts, non-square sizes, blocks with and without a residual, 1 and 2 threads, every ISA level.
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/graph_builder.h"
#include "runtime/passes/mbconv_fusion.h"
#include "tests/native/kernel_list.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

using kernels::Isa;
using testing::RandomVector;
using testing::RelativeError;

struct BlockSpec {
  int32_t h, w, cin, expand, cout, kernel, stride;
  Activation act = Activation::kRelu6;
  int32_t blocks = 1;  // stacked blocks (the first with `stride`, the rest stride 1)
  bool residual = true;  // later blocks keep their width and add a residual; else they widen by 4
};

int32_t Constant(Graph* g, const std::string& name, Shape shape, uint32_t seed, float bound) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return g->AddConstantF32(name, shape, RandomVector(static_cast<size_t>(n), seed, -bound, bound));
}

// MobileNetV2-style inverted residual blocks: expand 1x1 -> dw kxk -> project 1x1 (+ residual
// when the shapes allow).
Graph BlocksGraph(const BlockSpec& s) {
  Graph g;
  int32_t x = g.AddTensor("x", {1, s.h, s.w, s.cin});
  g.inputs = {x};
  int32_t cin = s.cin, h = s.h, w = s.w;
  for (int32_t b = 0; b < s.blocks; ++b) {
    const std::string p = "b" + std::to_string(b) + ".";
    const int32_t stride = b == 0 ? s.stride : 1, cout = b == 0 ? s.cout : s.residual ? cin : cin + 4;
    const uint32_t seed = 100 * b;
    auto y = AddConv2D(&g, x, Constant(&g, p + "e.w", {s.expand, 1, 1, cin}, seed + 1, 0.5f),
                       Constant(&g, p + "e.b", {s.expand}, seed + 2, 0.1f), ConvParams(), s.act, p + "expand");
    ConvParams dw;
    dw.stride_h = dw.stride_w = stride;
    SamePadding(h, s.kernel, stride, 1, &dw.pad_top, &dw.pad_bottom);
    SamePadding(w, s.kernel, stride, 1, &dw.pad_left, &dw.pad_right);
    y = AddDepthwiseConv2D(&g, *y, Constant(&g, p + "d.w", {1, s.kernel, s.kernel, s.expand}, seed + 3, 0.4f),
                           Constant(&g, p + "d.b", {s.expand}, seed + 4, 0.1f), dw, s.act, p + "dw");
    y = AddConv2D(&g, *y, Constant(&g, p + "p.w", {cout, 1, 1, s.expand}, seed + 5, 0.3f), -1, ConvParams(),
                  Activation::kNone, p + "project");
    EXPECT_TRUE(y.ok()) << y.status();
    const Shape& ys = g.tensors[*y].shape;
    if (ys == g.tensors[x].shape) y = AddBinary(&g, OpType::kAdd, *y, x, Activation::kNone, p + "add");
    x = *y;
    cin = cout;
    h = ys[1];
    w = ys[2];
  }
  g.outputs = {x};
  return g;
}

std::vector<float> RunOnce(Executable& e, const Graph& g, const std::vector<float>& input) {
  std::memcpy(e.input_buffer(0), input.data(), input.size() * sizeof(float));
  EXPECT_TRUE(e.Invoke().ok());
  const float* y = static_cast<const float*>(e.output_buffer(0));
  return std::vector<float>(y, y + g.tensors[g.outputs[0]].num_elements());
}

// Fused native == reference (and == unfused native) at every level and thread count.
void ExpectFusedMatches(const Graph& g, const std::string& fused_label) {
  const size_t n = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
  const std::vector<float> x = RandomVector(n, 31), x2 = RandomVector(n, 32);
  auto ref = PrepareReference(g, BackendOptions());
  ASSERT_TRUE(ref.ok()) << ref.status();
  const std::vector<float> other = RunOnce(**ref, g, x2);
  const std::vector<float> want = RunOnce(**ref, g, x);
  ASSERT_GT(RelativeError(other, want), 1e-3) << "output does not depend on the input";
  for (Isa isa : kernels::testing::Fp32KernelLevels())
    for (int threads : {1, 2})
      for (bool fuse : {true, false}) {
        SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads, fuse " << fuse);
        BackendOptions o;
        o.threads = threads;
        NativeOptions no;
        no.max_isa = isa;
        no.fuse_mbconv = fuse;
        no.fuse_min_expanded_bytes = 0;  // these graphs are small: fuse every chain
        auto e = PrepareNativeWith(g, o, no);
        ASSERT_TRUE(e.ok()) << e.status();
        EXPECT_LE(RelativeError(RunOnce(**e, g, x), want), 1e-5);
        // Again with another input: nothing stale is reused between invocations.
        EXPECT_LE(RelativeError(RunOnce(**e, g, x2), other), 1e-5);
        const std::vector<std::string> d = (*e)->op_descriptions();
        const std::string label = fused_label + "_f32_" + kernels::IsaName(kernels::testing::KernelIsa(UsableIsa(isa)));
        EXPECT_EQ(d[0] == label, fuse) << d[0];
      }
}

TEST(MbconvFusionPass, FindsChainsAndLeavesSqueezeExcitationUnfused) {
  const Graph v2 = BlocksGraph({9, 7, 8, 24, 8, 3, 1, Activation::kRelu6, 2});
  const std::vector<MbconvChain> chains = FindMbconvChains(v2);
  ASSERT_EQ(chains.size(), 2u);
  EXPECT_EQ(v2.nodes[chains[0].expand].name, "b0.expand");
  EXPECT_EQ(v2.nodes[chains[0].depthwise].name, "b0.dw");
  EXPECT_EQ(v2.nodes[chains[0].project].name, "b0.project");
  EXPECT_EQ(v2.nodes[chains[1].project].name, "b1.project");
  // With squeeze-and-excitation the depthwise output is also pooled: only expand + dw fuse.
  const Graph se = testing::MakeMbconvTestGraph(11, 9);
  const std::vector<MbconvChain> se_chains = FindMbconvChains(se);
  ASSERT_EQ(se_chains.size(), 1u);
  EXPECT_EQ(se.nodes[se_chains[0].expand].name, "expand");
  EXPECT_EQ(se.nodes[se_chains[0].depthwise].name, "dw");
  EXPECT_EQ(se_chains[0].project, -1);
}

TEST(MbconvFusionPass, IgnoresNonPointwiseExpandAndSharedTensors) {
  // The stem is 3x3: not an expand; a depthwise output that is a graph output is not fused away.
  Graph g = BlocksGraph({8, 8, 4, 12, 4, 3, 1});
  g.outputs.push_back(g.nodes[1].outputs[0]);  // dw output also a graph output
  const std::vector<MbconvChain> chains = FindMbconvChains(g);
  ASSERT_EQ(chains.size(), 1u);
  EXPECT_EQ(chains[0].project, -1);
}

TEST(MbconvFused, KernelsStridesAndOddSizes) {
  for (int32_t k : {3, 5})
    for (int32_t s : {1, 2})
      for (auto [h, w] : {std::pair{13, 9}, std::pair{6, 17}, std::pair{1, 5}}) {
        SCOPED_TRACE(::testing::Message() << "k" << k << " s" << s << " " << h << "x" << w);
        ExpectFusedMatches(BlocksGraph({h, w, 5, 19, 7, k, s}), "mbconv");
      }
}

TEST(MbconvFused, ResidualStacksAndActivations) {
  ExpectFusedMatches(BlocksGraph({15, 11, 16, 96, 16, 3, 1, Activation::kRelu6, 3}), "mbconv");
  ExpectFusedMatches(BlocksGraph({12, 12, 24, 144, 40, 5, 2, Activation::kSwish, 2}), "mbconv");
  ExpectFusedMatches(BlocksGraph({20, 14, 8, 48, 8, 3, 1, Activation::kHardSwish, 2}), "mbconv");
}

TEST(MbconvFused, ChainedBlocksWithoutResidual) {
  // A block's input dies at its expand; without the plan keeping it alive until the fused step
  // runs, the arena may give the block output the same bytes (it does for this graph).
  ExpectFusedMatches(BlocksGraph({10, 9, 8, 32, 12, 3, 1, Activation::kRelu6, 3, false}), "mbconv");
  ExpectFusedMatches(BlocksGraph({11, 8, 6, 24, 10, 5, 2, Activation::kRelu, 3, false}), "mbconv");
}

TEST(MbconvFused, ExpandDepthwiseBeforeSqueezeExcitation) {
  // The stem runs first, so the fused expand + depthwise chain is the second step.
  for (auto [h, w] : {std::pair{17, 12}, std::pair{30, 9}}) {
    const Graph g = testing::MakeMbconvTestGraph(h, w);
    const size_t n = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
    const std::vector<float> x = RandomVector(n, 41);
    auto ref = PrepareReference(g, BackendOptions());
    ASSERT_TRUE(ref.ok());
    const std::vector<float> want = RunOnce(**ref, g, x);
    for (int threads : {1, 2}) {
      BackendOptions o;
      o.threads = threads;
      NativeOptions no;
      no.max_isa = kernels::DetectedIsa();
      no.fuse_mbconv = true;  // off by default
      no.fuse_min_expanded_bytes = 0;  // and these graphs are small
      auto e = PrepareNativeWith(g, o, no);
      ASSERT_TRUE(e.ok()) << e.status();
      EXPECT_LE(RelativeError(RunOnce(**e, g, x), want), 1e-4);
      EXPECT_EQ((*e)->op_descriptions()[1], "expand_dwconv_f32_" + std::string(kernels::IsaName(kernels::testing::KernelIsa(no.max_isa))));
    }
  }
}

}  // namespace
}  // namespace scalert
