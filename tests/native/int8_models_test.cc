// The native INT8 steps on the INT8 MBConv test graph (quantize, stem im2col, depthwise, swish
// table, SE pool / sigmoid / channel mul, residual add, pool, reshape, FC, dequantize) at 7x9 and
// 65x49: bit for bit with the reference at every level and thread count, and labelled with the
// INT8 kernels that ran.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/model.h"
#include "tests/native/int8_parity.h"
#include "tests/native/kernel_list.h"

namespace scalert {
namespace {

TEST(NativeInt8, TestGraphMatchesTheReferenceBitForBit) {
  for (auto [h, w] : {std::pair{7, 9}, std::pair{65, 49}, std::pair{1, 1}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w);
    testing::ExpectNativeInt8MatchesReference(testing::MakeInt8TestGraph(h, w, 3));
  }
}

// The general convolution alone (patches, then the GEMM over several output rows per call):
// depths not a multiple of 4 (27, 45, 75, 175: the amx level runs them padded to the next
// multiple, the patches still k bytes apart; 9: too short, avx512vnni), kernels 3 and 5, strides 1
// and 2, odd sizes, two images (calls that cross an image's last row), every level, 1-3 threads.
TEST(NativeInt8, GeneralConvMatchesTheReferenceBitForBit) {
  struct Case {
    int32_t batch, h, w, c, out_c, kernel, stride;
  };
  for (const Case& t : {Case{1, 65, 49, 3, 32, 3, 2}, Case{2, 33, 21, 3, 24, 5, 1}, Case{1, 17, 23, 5, 40, 3, 1},
                        Case{1, 9, 7, 1, 16, 3, 2}, Case{1, 19, 13, 7, 33, 5, 2}, Case{2, 70, 11, 6, 8, 3, 1}}) {
    SCOPED_TRACE(::testing::Message() << t.batch << "x" << t.h << "x" << t.w << "x" << t.c << " -> " << t.out_c
                                      << ", kernel " << t.kernel << ", stride " << t.stride);
    testing::ExpectNativeInt8MatchesReference(
        testing::MakeInt8ConvTestGraph(t.batch, t.h, t.w, t.c, t.out_c, t.kernel, t.stride, 11));
  }
}

TEST(NativeInt8, StepsNameTheInt8KernelsThatRun) {
  const Graph g = testing::MakeInt8TestGraph(7, 9, 3);
  for (kernels::Isa isa : kernels::SupportedIsas()) {
    auto e = PrepareNativeAtIsa(g, BackendOptions(), isa);
    ASSERT_TRUE(e.ok()) << e.status();
    const std::vector<std::string> ops = (*e)->op_descriptions();
    // The level of the kS8 kernel the registry gives for `op` at this level.
    auto level = [isa](kernels::KernelOp op) {
      return std::string(kernels::IsaName(
          kernels::KernelRegistry::Global().FindEntry(op, kernels::KernelDType::kS8, isa)->isa));
    };
    const std::string gemm = level(kernels::KernelOp::kGemm), table = level(kernels::KernelOp::kActivation);
    // The FC (k = 8) is too short for the amx GEMM, whose entry runs it on the avx512vnni kernel:
    // its label says so. The stem (k = 27) runs on amx at depth 28 (zero weights appended).
    const std::string short_gemm = gemm == "amx" ? "avx512vnni" : gemm;
    for (const std::string& want : std::vector<std::string>{
             "quantize_f32_s8_" + level(kernels::KernelOp::kQuantize), "conv2d_im2col_s8_" + gemm,
             "dwconv_s8_" + level(kernels::KernelOp::kDwConv),
             "swish_table_s8_" + table, "sigmoid_table_s8_" + table,
             "mul_channel_s8_" + level(kernels::KernelOp::kMulChannel), "add_s8_" + level(kernels::KernelOp::kAdd),
             "global_avg_pool_s8_" + level(kernels::KernelOp::kGlobalAvgPool), "fc_s8_" + short_gemm,
             "dequantize_s8_f32_" + level(kernels::KernelOp::kDequantize)})
      EXPECT_NE(std::find(ops.begin(), ops.end(), want), ops.end()) << kernels::IsaName(isa) << ": no " << want;
    // Only data movement (the reshape before the classifier) runs the reference's copy.
    for (const std::string& op : ops)
      if (op.rfind("Reshape", 0) != 0) {
        EXPECT_EQ(op.find("_s8_reference"), std::string::npos) << op;
      }
  }
}

// An imported model's NCHW input: Quantize, then the INT8 transpose to NHWC (transpose_s8, or the
// level's Interleave3 kernel: interleave3_test.cc), then
// back to f32: native equals the reference and the values land where the permutation says.
TEST(NativeInt8, TransposeMovesBytes) {
  Graph g;
  const int32_t x = g.AddTensor("input", {1, 3, 5, 7});
  g.inputs = {x};
  auto add = [&g](OpType type, std::vector<int32_t> in, int32_t out, const char* name) {
    Node n;
    n.type = type;
    n.inputs = std::move(in);
    n.outputs = {out};
    n.name = name;
    g.nodes.push_back(n);
    return out;
  };
  auto q8 = [&g](const char* name, Shape shape) {
    const int32_t t = g.AddTensor(name, std::move(shape), DType::kI8);
    g.tensors[t].quant.scale = {1.f / 64};
    g.tensors[t].quant.zero_point = {3};
    return t;
  };
  const int32_t q = add(OpType::kQuantize, {x}, q8("q", {1, 3, 5, 7}), "quantize");
  const int32_t t = add(OpType::kTranspose, {q}, q8("nhwc", {1, 5, 7, 3}), "to_nhwc");
  g.nodes.back().ints = {0, 2, 3, 1};
  g.outputs = {add(OpType::kDequantize, {t}, g.AddTensor("out", {1, 5, 7, 3}), "dequantize")};
  const std::vector<float> in = testing::RandomVector(3 * 5 * 7, 9);
  const std::vector<float> want = testing::RunGraph(g, in, "reference");
  const std::vector<float> got = testing::RunGraph(g, in, "native");
  EXPECT_EQ(got, want);
  EXPECT_NEAR(got[(2 * 7 + 4) * 3 + 1], in[(1 * 5 + 2) * 7 + 4], 1.f / 128);  // [c=1, h=2, w=4]
  auto e = PrepareNative(g, BackendOptions());
  ASSERT_TRUE(e.ok()) << e.status();
  const std::vector<std::string> ops = (*e)->op_descriptions();
  EXPECT_NE(std::find_if(ops.begin(), ops.end(), [](const std::string& op) { return op.rfind("transpose_", 0) == 0; }),
            ops.end());
}

}  // namespace
}  // namespace scalert
