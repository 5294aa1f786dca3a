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
    for (const std::string& want : std::vector<std::string>{
             "quantize_f32_s8_portable", "conv2d_im2col_s8_" + gemm, "dwconv_s8_" + level(kernels::KernelOp::kDwConv),
             "swish_table_s8_" + table, "sigmoid_table_s8_" + table,
             "mul_channel_s8_" + level(kernels::KernelOp::kMulChannel), "add_s8_" + level(kernels::KernelOp::kAdd),
             "global_avg_pool_s8_" + level(kernels::KernelOp::kGlobalAvgPool), "fc_s8_" + gemm,
             "dequantize_s8_f32_portable"})
      EXPECT_NE(std::find(ops.begin(), ops.end(), want), ops.end()) << kernels::IsaName(isa) << ": no " << want;
    // Only data movement (the reshape before the classifier) runs the reference's copy.
    for (const std::string& op : ops)
      if (op.rfind("Reshape", 0) != 0) {
        EXPECT_EQ(op.find("_s8_reference"), std::string::npos) << op;
      }
  }
}

}  // namespace
}  // namespace scalert
