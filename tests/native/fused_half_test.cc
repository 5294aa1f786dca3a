// Fused FP16 / BF16 blocks (fused_mbconv_step.h) on graphs of blocks lowered by the quantizer
// (`scalert quantize --mode fp16|bf16`): kernels 3 and 5, strides 1 and 2 on odd sizes, channels
// not a multiple of 16, with and without expand, squeeze-and-excitation and residual; every
// level this CPU runs, 1 to 3 threads, the default L2 and a tiny one (short bands, rows carried
// between bands). Both forms of a 16-bit block run (fused_mbconv_step.h): 16-bit rows where the
// level's 16-bit GEMMs compute in 16 bits (avx512bf16 and amx BF16, neonfhm and avx512fp16
// FP16), FP32 rows
// elsewhere.
// Against the unfused 16-bit native path: the same bits where the fused step rounds exactly where
// the ops do (16-bit rows, no residual). Else it rounds less (the residual added before the
// project's one rounding; FP32 rows), and on outputs this small the largest error is one of a
// few values: within twice the file's own error (reference on the lowered file against FP32)
// from FP32, and within three times it from the ops (unfused native, reference), or one unit in
// the last place of the format where that is more (times HalfSumFactor at avx512fp16, whose FP16
// kernels sum in FP16). Whole models
// keep half_models_test.cc's tighter bounds. The same bits for every thread count; comparisons
// fail on NaN / Inf; the reference output must depend on the input.
#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/fused_mbconv_step.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/passes/mbconv_fusion.h"
#include "tests/native/mbconv_blocks.h"
#include "tests/native/half_lowering.h"
#include "tests/testing/test_models.h"
#include "tools/quantize/calibration.h"
#include "tools/quantize/policy.h"
#include "tools/quantize/quantizer.h"

namespace scalert {
namespace {

using kernels::Isa;
using testing::BlockSpec;
using testing::BlocksGraph;
using testing::Lowered;
using testing::RandomVector;
using testing::RelativeError;
using testing::RunWith;
using testing::NativeWithFusion;
using testing::RunReference;

// The op descriptions that name a fused 16-bit block of `p` (one per original node it runs): on
// 16-bit rows (mbconv_bf16_<isa>) or, with `f32_rows`, on FP32 rows (mbconv_f16s_f32acc_<isa>).
int64_t FusedHalfOps(const Executable& e, Precision p, bool f32_rows = false) {
  const std::string dtype = std::string("_") + (p == Precision::kF16 ? "f16" : "bf16");
  int64_t count = 0;
  for (const std::string& d : e.op_descriptions())
    if ((d.rfind("mbconv", 0) == 0 || d.rfind("dwsep", 0) == 0) &&
        (d.find(dtype + "_") != std::string::npos || d.find(dtype + "s_f32acc_") != std::string::npos) &&
        (!f32_rows || d.find("s_f32acc_") != std::string::npos))
      ++count;
  return count;
}

void ExpectFusedHalfMatches(const BlockSpec& spec, int32_t want_fused) {
  const Graph fp32 = BlocksGraph(spec);
  const bool residual = std::any_of(fp32.nodes.begin(), fp32.nodes.end(),
                                    [](const Node& n) { return n.type == OpType::kAdd; });
  for (Precision p : {Precision::kF16, Precision::kBF16}) {
    SCOPED_TRACE(PrecisionName(p));
    const Graph g = Lowered(fp32, p);
    ASSERT_FALSE(g.nodes.empty());
    ASSERT_EQ(FuseMbconvBlocks(g, [](const Graph&, const MbconvBlock&) { return true; }).fused_blocks, want_fused);
    const size_t size = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
    const std::vector<float> x = RandomVector(size, 41), x2 = RandomVector(size, 42);
    const std::vector<float> want = RunReference(g, x), other = RunReference(g, x2);
    ASSERT_GT(RelativeError(other, want), 1e-2) << "output does not depend on the input";
    const std::vector<float> exact = RunReference(fp32, x), exact2 = RunReference(fp32, x2);
    const double storage = RelativeError(want, exact), storage2 = RelativeError(other, exact2);
    ASSERT_GT(storage, 0) << "nothing is lowered";
    // Fewer roundings than the ops (the residual, FP32 rows) but elsewhere: on outputs this
    // small the largest error is one of a few values, so within twice the ops' error from FP32,
    // and within both errors from the ops.
    // Never below one unit in the last place of the format (relative to the largest output):
    // a 1x3 output of 7 channels may round its largest error either way.
    const double unit = p == Precision::kF16 ? 1.0 / 1024 : 1.0 / 128;
    for (Isa isa : kernels::SupportedIsas())
      for (auto [l2, chunk] : {std::pair<int64_t, int32_t>{0, 0}, {16 << 10, 0}, {16 << 10, 1}, {0, 3}}) {
        const double f = testing::HalfSumFactor(isa, p);  // FP16 sums at avx512fp16
        const double from_ops = std::max(3 * f * storage, unit), from_ops2 = std::max(3 * f * storage2, unit);
        const double from_fp32 = std::max(2 * f * storage, unit), from_fp32_2 = std::max(2 * f * storage2, unit);
        std::vector<float> one_thread;
        for (int threads : {1, 2, 3}) {
          SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads, l2 " << l2
                                            << ", chunks of " << chunk << "; storage " << storage);
          auto fused = NativeWithFusion(g, isa, threads, FusionPolicy::kOn, l2, chunk);
          auto unfused = NativeWithFusion(g, isa, threads, FusionPolicy::kOff, l2);
          ASSERT_TRUE(fused && unfused);
          EXPECT_GT(FusedHalfOps(*fused, p), 0);
          EXPECT_EQ(FusedHalfOps(*unfused, p), 0);
          const std::vector<float> got = RunWith(*fused, g, x), plain = RunWith(*unfused, g, x);
          EXPECT_LE(RelativeError(got, want), from_ops);  // fails on NaN / Inf
          EXPECT_LE(RelativeError(got, exact), from_fp32);
          // On 16-bit rows a block rounds where its ops do; on FP32 rows only its output.
          if (residual || FusedHalfOps(*fused, p, true) > 0) EXPECT_LE(RelativeError(got, plain), from_ops);
          else EXPECT_EQ(got, plain) << "the fused block rounds differently from its ops";
          if (threads == 1) one_thread = got;
          else EXPECT_EQ(got, one_thread) << "results depend on the thread count";
          // Again with another input: nothing stale is reused between invocations.
          const std::vector<float> again = RunWith(*fused, g, x2);
          EXPECT_LE(RelativeError(again, other), from_ops2);
          EXPECT_LE(RelativeError(again, exact2), from_fp32_2);
        }
      }
  }
}

TEST(FusedHalfBlocks, KernelsStridesAndOddSizes) {
  for (int32_t k : {3, 5})
    for (int32_t s : {1, 2})
      for (auto [h, w] : {std::pair{7, 9}, std::pair{13, 9}, std::pair{1, 5}}) {
        SCOPED_TRACE(::testing::Message() << "k" << k << " s" << s << " " << h << "x" << w);
        ExpectFusedHalfMatches({h, w, 5, 19, 7, k, s}, 1);
      }
}

TEST(FusedHalfBlocks, ResidualStacksAndActivations) {
  ExpectFusedHalfMatches({15, 11, 16, 96, 16, 3, 1, Activation::kRelu6, 3}, 3);
  ExpectFusedHalfMatches({12, 12, 24, 144, 40, 5, 2, Activation::kSwish, 2}, 2);
  ExpectFusedHalfMatches({10, 9, 8, 32, 12, 3, 1, Activation::kRelu6, 3, false}, 3);
}

TEST(FusedHalfBlocks, SqueezeExcitationAndSeparablePairs) {
  for (auto [h, w, s] : {std::array<int32_t, 3>{7, 9, 2}, std::array<int32_t, 3>{13, 10, 1}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w << " s" << s);
    ExpectFusedHalfMatches({h, w, 12, 36, 12, 3, s, Activation::kSwish, 2, true, true}, 2);
    ExpectFusedHalfMatches({h, w, 20, 20, 17, 5, s, Activation::kSwish, 1, true, true, false}, 1);
    ExpectFusedHalfMatches({h, w, 21, 21, 21, 3, s, Activation::kRelu, 1, true, false, false}, 1);
  }
}

// MobileNetV2's 7x7 and 14x14 blocks (expand 960 and 576): the fused step against its ops, where
// a 16-bit block on AMX tiles runs the whole map as one band (the plan below) -- no residual
// on the first, so the same bits as the ops' whole-tensor GEMMs.
TEST(FusedHalfBlocks, MobileNetV2SmallMapBlocks) {
  ExpectFusedHalfMatches({7, 7, 160, 960, 96, 3, 1}, 1);
  ExpectFusedHalfMatches({14, 14, 96, 576, 96, 3, 1, Activation::kRelu6, 2}, 2);
}

// Under the default options (kAuto, this CPU's L2) a 16-bit file gives the same bits at every
// thread count: blocks whose rows split unevenly between threads (7x7 maps on 2, 3 and 4
// threads, 14x14 on 3 and 4) fuse or not whatever the thread count, though their fused form
// rounds differently from their ops (the residual before the one rounding; FP32 rows). With and
// without squeeze-and-excitation, at every level this CPU runs.
TEST(FusedHalfBlocks, AutoFusionGivesTheSameBitsAtEveryThreadCount) {
  for (const BlockSpec& spec : {BlockSpec{14, 14, 16, 64, 16, 3, 2, Activation::kRelu6, 3},
                                BlockSpec{14, 14, 24, 96, 24, 3, 1, Activation::kSwish, 2, true, true}}) {
    SCOPED_TRACE(::testing::Message() << spec.h << "x" << spec.w << (spec.se ? " SE" : ""));
    const Graph fp32 = BlocksGraph(spec);
    for (Precision p : {Precision::kF16, Precision::kBF16}) {
      SCOPED_TRACE(PrecisionName(p));
      const Graph g = Lowered(fp32, p);
      ASSERT_FALSE(g.nodes.empty());
      const size_t size = static_cast<size_t>(g.tensors[g.inputs[0]].num_elements());
      const std::vector<float> x = RandomVector(size, 45), x2 = RandomVector(size, 46);
      const std::vector<float> want = RunReference(g, x);
      ASSERT_GT(RelativeError(RunReference(g, x2), want), 1e-2) << "output does not depend on the input";
      const double storage = RelativeError(want, RunReference(fp32, x));
      ASSERT_GT(storage, 0) << "nothing is lowered";
      const double unit = p == Precision::kF16 ? 1.0 / 1024 : 1.0 / 128;
      for (Isa isa : kernels::SupportedIsas()) {
        std::vector<float> one_thread;
        for (int threads : {1, 2, 3, 4}) {
          SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads");
          auto e = NativeWithFusion(g, isa, threads, FusionPolicy::kAuto);
          ASSERT_TRUE(e);
          const std::vector<float> got = RunWith(*e, g, x);
          // Fails on NaN / Inf; ExpectFusedHalfMatches's bound against the ops (the bits are the point).
          EXPECT_LE(RelativeError(got, want), std::max(3 * testing::HalfSumFactor(isa, p) * storage, unit));
          if (threads == 1) one_thread = got;
          else EXPECT_EQ(got, one_thread) << "results depend on the thread count";
        }
      }
    }
  }
}

// The band plan of a 16-bit block whose project kernel has 32-row AMX tiles: the whole map as
// one band where its expanded rows and depthwise output fit in half of L2 (capped at 1 MiB),
// with the rows still split between threads; short bands otherwise, for other tiles, for FP32
// and squeeze-and-excitation blocks and for maps one pixel wide.
TEST(FusedHalfBlocks, AmxTilesTakeWholeMapBands) {
  const kernels::TileShape amx{32, 32, 0, 16}, dot{12, 32, 0, 16};
  const int64_t mib = int64_t{1} << 20;
  auto plan = [&](const Graph& g, const kernels::TileShape& tile, int threads, int64_t l2) {
    const std::vector<MbconvBlock> blocks = FindMbconvBlocks(g);
    EXPECT_EQ(blocks.size(), 1u);
    return native::PlanFusedMbconv(g, FusedMbconvNode(g, blocks[0]), threads, tile, l2);
  };
  for (Precision p : {Precision::kBF16, Precision::kF16}) {
    SCOPED_TRACE(PrecisionName(p));
    const Graph s7 = Lowered(BlocksGraph({7, 7, 160, 960, 160, 3, 1}), p);  // 2 x 94 KB expanded
    const Graph s14 = Lowered(BlocksGraph({14, 14, 96, 576, 96, 3, 1}), p);  // 2 x 225 KB
    ASSERT_FALSE(s7.nodes.empty() || s14.nodes.empty());
    for (int threads : {1, 2, 3}) {
      const native::FusedMbconvPlan a7 = plan(s7, amx, threads, 2 * mib), a14 = plan(s14, amx, threads, 2 * mib);
      EXPECT_EQ(a7.band_rows, 7);
      EXPECT_EQ(a7.bands_per_image, 1);
      EXPECT_EQ(a7.slots, threads);  // tasks split the map's rows
      EXPECT_EQ(a14.band_rows, 14);
      EXPECT_EQ(a14.slots, threads);
      EXPECT_EQ(plan(s7, amx, threads, 4 * mib).band_rows, 7);  // the cap: the same on larger L2s
      // Other tiles: bands of a quarter of the map at most (4 bands of 2 rows, 5 of 3 rows).
      const native::FusedMbconvPlan d7 = plan(s7, dot, threads, 2 * mib), d14 = plan(s14, dot, threads, 2 * mib);
      EXPECT_EQ(d7.band_rows, 2);
      EXPECT_EQ(d7.bands_per_image, 4);
      EXPECT_EQ(d14.band_rows, 3);
      EXPECT_EQ(d7.slots, threads);
    }
    EXPECT_LT(plan(s7, amx, 1, 256 << 10).band_rows, 7);  // 188 KB past half of a 256 KB L2
    EXPECT_EQ(plan(s14, amx, 1, mib).band_rows, 14);       // 450 KB within half of 1 MiB
    EXPECT_LT(plan(s14, amx, 1, 512 << 10).band_rows, 14);
    // 56x56 (MobileNetV2's 144-wide blocks): 1.8 MB expanded, short bands.
    EXPECT_LT(plan(Lowered(BlocksGraph({56, 56, 24, 144, 24, 3, 1}), p), amx, 1, 2 * mib).band_rows, 56);
    EXPECT_EQ(plan(Lowered(BlocksGraph({7, 1, 16, 64, 16, 3, 1}), p), amx, 1, 2 * mib).band_rows, 2);  // one pixel wide
    const Graph se = Lowered(BlocksGraph({14, 14, 40, 240, 40, 3, 1, Activation::kSwish, 1, true, true}), p);
    EXPECT_EQ(plan(se, amx, 1, 2 * mib).band_rows, plan(se, dot, 1, 2 * mib).band_rows);
    EXPECT_LT(plan(se, amx, 1, 2 * mib).band_rows, 14);
  }
  const Graph f7 = BlocksGraph({7, 7, 160, 960, 160, 3, 1});  // FP32 rows: as for any tile
  EXPECT_EQ(plan(f7, amx, 1, 2 * mib).band_rows, plan(f7, dot, 1, 2 * mib).band_rows);
  EXPECT_LT(plan(f7, amx, 1, 2 * mib).band_rows, 7);
}

// A block whose tensors are not all one dtype (an FP16 block with a BF16 depthwise output) is
// left unfused; the cost model's default (kAuto) fuses lowered blocks like FP32 ones.
TEST(FusedHalfBlocks, MixedBlocksAreNotFusedAndAutoFuses) {
  const Graph g = Lowered(BlocksGraph({28, 28, 16, 64, 16, 3, 1}), Precision::kF16);
  ASSERT_FALSE(g.nodes.empty());
  auto all = [](const Graph&, const MbconvBlock&) { return true; };
  ASSERT_EQ(FuseMbconvBlocks(g, all).fused_blocks, 1);
  Graph mixed = g;
  for (Node& n : mixed.nodes)
    if (n.type == OpType::kDepthwiseConv2D) mixed.tensors[n.outputs[0]].dtype = DType::kBF16;
  EXPECT_EQ(FuseMbconvBlocks(mixed, all).fused_blocks, 0);
  auto e = NativeWithFusion(g, kernels::DetectedIsa(), 1, FusionPolicy::kAuto);
  ASSERT_TRUE(e);
  EXPECT_GT(FusedHalfOps(*e, Precision::kF16), 0);
}

// A mixed file: the middle of three blocks FP16, the others FP32. Each block fuses in its own
// dtype within one plan (the arena holds both forms' scratch), and the result matches the
// reference on that file.
TEST(FusedHalfBlocks, MixedFileFusesEachBlockInItsDtype) {
  const Graph fp32 = BlocksGraph({11, 9, 16, 48, 16, 3, 1, Activation::kRelu6, 3});
  quantize::QuantizeOptions o;
  o.mode = Precision::kMixed;
  o.fp32_backend = "reference";
  o.policy = quantize::Policy{Precision::kF32, {}};
  for (const char* part : {"expand", "dw", "project", "add"}) o.policy->by_name[std::string("b1.") + part] = Precision::kF16;
  auto samples = quantize::RandomSamples(fp32, 4, 1);  // a mixed file is calibrated
  ASSERT_TRUE(samples.ok()) << samples.status();
  o.calibration = *samples;
  auto r = quantize::Quantize(fp32, o);
  ASSERT_TRUE(r.ok()) << r.status();
  const Graph& g = r->lowered;
  const std::vector<float> x = RandomVector(static_cast<size_t>(g.tensors[g.inputs[0]].num_elements()), 43);
  const std::vector<float> want = RunReference(g, x), exact = RunReference(fp32, x);
  ASSERT_GT(RelativeError(RunReference(g, RandomVector(x.size(), 44)), want), 1e-2) << "output does not depend on the input";
  const double storage = RelativeError(want, exact);
  ASSERT_GT(storage, 0) << "nothing is lowered";
  for (Isa isa : kernels::SupportedIsas()) {
    std::vector<float> one_thread;
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << ", " << threads << " threads");
      auto e = NativeWithFusion(g, isa, threads, FusionPolicy::kOn);
      ASSERT_TRUE(e);
      const std::vector<std::string> ops = e->op_descriptions();
      EXPECT_GT(FusedHalfOps(*e, Precision::kF16), 0);
      EXPECT_GT(std::count_if(ops.begin(), ops.end(), [](const std::string& d) { return d.rfind("mbconv_f32_", 0) == 0; }),
                0);
      const std::vector<float> got = RunWith(*e, g, x);
      EXPECT_LE(RelativeError(got, want), std::max(3 * testing::HalfSumFactor(isa, Precision::kF16) * storage, 1.0 / 1024));  // fails on NaN / Inf
      if (threads == 1) one_thread = got;
      else EXPECT_EQ(got, one_thread) << "results depend on the thread count";
    }
  }
}

}  // namespace
}  // namespace scalert
