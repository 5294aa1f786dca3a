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
    const auto& r = kernels::KernelRegistry::Global();
    const std::string gemm = kernels::IsaName(r.FindEntry(kernels::KernelOp::kGemm, kernels::KernelDType::kS8, isa)->isa);
    const std::string dw = kernels::IsaName(r.FindEntry(kernels::KernelOp::kDwConv, kernels::KernelDType::kS8, isa)->isa);
    for (const std::string& want : std::vector<std::string>{"quantize_f32_s8_portable", "conv2d_im2col_s8_" + gemm, "dwconv_s8_" + dw,
                                    "swish_table_s8_portable", "sigmoid_table_s8_portable", "mul_channel_s8_portable",
                                    "add_s8_portable", "global_avg_pool_s8_portable", "fc_s8_" + gemm,
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
