// The 16-bit patch convolution step (half_patch_conv_step.cc: column patches of the 16-bit input
// times the 16-bit GEMM; the stem of every FP16 / BF16 model) and the 16-bit transpose before it,
// on one-layer graphs lowered by the quantizer, against the reference backend on the same file:
// input channels 1 to 5, output channels not a multiple of any vector width, 3x3 and 5x5 windows
// at strides 1 and 2, odd maps, NCHW inputs; every level this CPU runs and 1 to 3 threads. Both
// backends round every tensor once, the reference summing in double and native in FP32: each
// output within one unit of the format of the reference's, plus the FP32 sum order on
// cancelling sums (and the FP16 sums' bound at avx512fp16). The same bits for every thread count; comparisons fail on NaN / Inf; the
// reference output must depend on the input; the op descriptions name the 16-bit kernels.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/isa.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/graph_builder.h"
#include "tests/native/half_lowering.h"
#include "tests/native/mbconv_blocks.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

using testing::RandomVector;
using testing::RunWith;

struct ConvSpec {
  int32_t h, w, cin, cout, kernel, stride;
  bool nchw;  // the input arrives NCHW and is transposed to NHWC first (as imported models do)
  Activation act = Activation::kNone;
};

Graph ConvGraph(const ConvSpec& s) {
  Graph g;
  int32_t x = g.AddTensor("x", s.nchw ? Shape{1, s.cin, s.h, s.w} : Shape{1, s.h, s.w, s.cin});
  g.inputs = {x};
  if (s.nchw) {
    Node t;
    t.type = OpType::kTranspose;
    t.inputs = {x};
    t.ints = {0, 2, 3, 1};
    auto y = AddNode(&g, t, "to_nhwc");
    EXPECT_TRUE(y.ok()) << y.status();
    x = *y;
  }
  ConvParams p;
  p.stride_h = p.stride_w = s.stride;
  SamePadding(s.h, s.kernel, s.stride, 1, &p.pad_top, &p.pad_bottom);
  SamePadding(s.w, s.kernel, s.stride, 1, &p.pad_left, &p.pad_right);
  auto y = AddConv2D(&g, x, testing::BlockConstant(&g, "w", {s.cout, s.kernel, s.kernel, s.cin}, 7, 0.5f),
                     testing::BlockConstant(&g, "b", {s.cout}, 8, 0.5f), p, s.act, "conv");
  EXPECT_TRUE(y.ok()) << y.status();
  g.outputs = {*y};
  return g;
}

void ExpectHalfConvMatches(const ConvSpec& s, Precision precision) {
  SCOPED_TRACE(::testing::Message() << (precision == Precision::kBF16 ? "bf16 " : "fp16 ") << s.h << "x" << s.w
                                    << "x" << s.cin << " -> " << s.cout << " k" << s.kernel << " s" << s.stride
                                    << (s.nchw ? " nchw" : ""));
  const Graph g = testing::Lowered(ConvGraph(s), precision);
  ASSERT_FALSE(g.nodes.empty());
  const int64_t in_n = g.tensors[g.inputs[0]].num_elements();
  const std::vector<float> x = RandomVector(static_cast<size_t>(in_n), 21);
  const std::vector<float> x2 = RandomVector(static_cast<size_t>(in_n), 22);
  auto ref = PrepareReference(g, BackendOptions());
  ASSERT_TRUE(ref.ok()) << ref.status();
  const std::vector<float> want = RunWith(**ref, g, x);
  ASSERT_NE(want, RunWith(**ref, g, x2)) << "the output depends on the input";
  // One unit of the format (relative spacing 2^-7 for BF16, 2^-10 for FP16), and for sums that
  // cancel the FP32 order against double: taps * 2^-23 * sum |x w| with |x| <= 1, |w| <= 0.5.
  const double unit = precision == Precision::kBF16 ? 1.0 / 128 : 1.0 / 1024;
  const double taps = static_cast<double>(s.kernel) * s.kernel * s.cin;
  const double order = taps * taps * 0.5 / (1 << 23) + 1e-6;
  for (kernels::Isa isa : kernels::SupportedIsas()) {
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(::testing::Message() << kernels::IsaName(isa) << " threads " << threads);
      BackendOptions o;
      o.threads = threads;
      o.poison_freed = true;
      auto e = PrepareNativeAtIsa(g, o, isa);
      ASSERT_TRUE(e.ok()) << e.status();
      bool conv = false, transpose = !s.nchw;
      for (const std::string& d : (*e)->op_descriptions()) {
        conv = conv || d.rfind("conv2d_columns_gemm_", 0) == 0;
        transpose = transpose || d == "transpose_16bit" || d.rfind("transpose_interleave3_", 0) == 0;
        EXPECT_EQ(d.find("_copies"), std::string::npos) << d;
        EXPECT_EQ(d.find("reference"), std::string::npos) << d;
      }
      EXPECT_TRUE(conv);
      EXPECT_TRUE(transpose);
      // At avx512fp16 the FP16 GEMM sums blocks of up to 16 products in FP16: at most 16 * 2^-11
      // of sum |x w| further (half_kernels_test.cc).
      const double sums = testing::SumsInF16(isa, precision) ? 16.0 / 2048 * taps * 0.5 : 0.0;
      const std::vector<float> got = RunWith(**e, g, x);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_TRUE(std::isfinite(got[i]) && std::isfinite(want[i])) << i;
        ASSERT_NEAR(got[i], want[i], unit * std::abs(want[i]) + order + sums) << "element " << i;
      }
      if (first.empty()) first = got;
      else ASSERT_EQ(got, first) << "the bits depend on the thread count";
    }
  }
}

const ConvSpec kSpecs[] = {
    {17, 15, 3, 32, 3, 2, true, Activation::kSwish},  // a stem, as imported: NCHW in
    {16, 16, 3, 40, 3, 2, false},
    {9, 11, 1, 17, 3, 1, false, Activation::kRelu6},
    {7, 13, 5, 24, 5, 2, false},
    {10, 9, 4, 67, 5, 1, true},
    {5, 5, 2, 1, 3, 1, false},
    {33, 8, 3, 16, 5, 2, false, Activation::kSwish},
};

TEST(HalfPatchConv, Bf16MatchesTheReference) {
  for (const ConvSpec& s : kSpecs) ExpectHalfConvMatches(s, Precision::kBF16);
}

TEST(HalfPatchConv, F16MatchesTheReference) {
  for (const ConvSpec& s : kSpecs) ExpectHalfConvMatches(s, Precision::kF16);
}

}  // namespace
}  // namespace scalert
