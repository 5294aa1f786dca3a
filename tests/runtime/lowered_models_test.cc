// Lowered models (INT8, FP16, BF16 layers) through the whole runtime: file versions, loading,
// the reference backend as the oracle, and backends that cannot run a precision refusing it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/float_formats.h"
#include "runtime/dtype_rules.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "scalert_generated.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

using testing::MakeInt8TestGraph;
using testing::MakeLowFloatTestGraph;
using testing::MakeMbconvTestGraph;
using testing::RandomVector;
using testing::RunGraph;

std::shared_ptr<const Model> Load(const Graph& g) {
  auto bytes = SerializeGraph(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return nullptr;
  auto m = Model::LoadFromMemory(bytes->data(), bytes->size());
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

uint32_t FileVersion(const Graph& g) {
  auto bytes = SerializeGraph(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? fb::GetModel(bytes->data())->schema_version() : 0;
}

TEST(LoweredModels, WritersStoreTheLowestVersionAFileNeeds) {
  EXPECT_EQ(FileVersion(MakeMbconvTestGraph()), 1u);  // FP32 files stay readable by older runtimes
  EXPECT_EQ(FileVersion(MakeInt8TestGraph()), 2u);
  EXPECT_EQ(FileVersion(MakeLowFloatTestGraph(DType::kBF16)), 2u);
}

TEST(LoweredModels, GraphPrecisionNamesWhatTheLayersComputeIn) {
  EXPECT_EQ(GraphPrecision(MakeMbconvTestGraph()), Precision::kF32);
  EXPECT_EQ(GraphPrecision(MakeInt8TestGraph()), Precision::kI8);
  EXPECT_EQ(GraphPrecision(MakeLowFloatTestGraph(DType::kF16)), Precision::kF16);
  EXPECT_EQ(GraphPrecision(MakeLowFloatTestGraph(DType::kBF16)), Precision::kBF16);
}

TEST(LoweredModels, Int8ModelRunsOnTheReferenceAndDependsOnItsInput) {
  const Graph g = MakeInt8TestGraph();
  auto model = Load(g);
  ASSERT_NE(model, nullptr);
  InterpreterOptions o;
  o.backend = "reference";
  auto it = Interpreter::Create(model, o);
  ASSERT_TRUE(it.ok()) << it.status();
  EXPECT_EQ((*it)->executable().effective_precision(), Precision::kI8);
  const std::vector<std::string> kernels = (*it)->executable().op_descriptions();
  EXPECT_NE(std::find(kernels.begin(), kernels.end(), "Conv2D_s8_reference"), kernels.end());
  EXPECT_NE(std::find(kernels.begin(), kernels.end(), "Swish_s8_table_reference"), kernels.end());
  const std::vector<float> a = RunGraph(g, RandomVector(9 * 7 * 3, 1), "reference");
  const std::vector<float> b = RunGraph(g, RandomVector(9 * 7 * 3, 2), "reference");
  ASSERT_EQ(a.size(), 10u);
  EXPECT_NE(a, b);
  for (float v : a) EXPECT_TRUE(std::isfinite(v));
  // Logits are multiples of the output scale: they came through the i8 tensor.
  for (float v : a) EXPECT_NEAR(std::remainder(v, 0.005f), 0.f, 1e-6f);
}

TEST(LoweredModels, Fp16AndBf16RoundAtTensorBoundariesAndStayCloseToFp32) {
  const std::vector<float> x = RandomVector(17 * 12 * 3, 3);
  const std::vector<float> f32 = RunGraph(MakeMbconvTestGraph(), x, "reference");
  const std::vector<float> f16 = RunGraph(MakeLowFloatTestGraph(DType::kF16), x, "reference");
  const std::vector<float> bf16 = RunGraph(MakeLowFloatTestGraph(DType::kBF16), x, "reference");
  EXPECT_LT(testing::RelativeError(f16, f32), 1e-2);
  EXPECT_LT(testing::RelativeError(bf16, f32), 5e-2);
  EXPECT_NE(f16, f32);  // the rounding happened
  EXPECT_NE(bf16, f16);
}

TEST(LoweredModels, BackendsRefusePrecisionsTheyCannotRunInsteadOfRunningFp32) {
  if (AvailableBackends().size() >= 3) {
    InterpreterOptions o;
    o.backend = "xnnpack";
    auto it = Interpreter::Create(Load(MakeInt8TestGraph()), o);
    ASSERT_FALSE(it.ok());
    EXPECT_EQ(it.status().code(), absl::StatusCode::kUnimplemented) << it.status();
    EXPECT_NE(std::string(it.status().message()).find("i8"), std::string::npos) << it.status();
  }
  // Native runs every dtype (int8_steps.cc, half_steps.cc), at the precision the file says.
  for (Precision p : {Precision::kF16, Precision::kBF16}) {
    InterpreterOptions o;
    o.backend = "native";
    o.precision = p;
    auto it = Interpreter::Create(Load(MakeMbconvTestGraph()), o);
    ASSERT_FALSE(it.ok()) << PrecisionName(p);
    EXPECT_NE(std::string(it.status().message()).find("runs a model at the precision its file says"), std::string::npos)
        << it.status();
  }
  // INT8 of an FP32 file would need calibration: refused, pointing at `scalert quantize`.
  InterpreterOptions o;
  o.backend = "native";
  o.precision = Precision::kI8;
  auto it = Interpreter::Create(Load(MakeMbconvTestGraph()), o);
  ASSERT_FALSE(it.ok());
  EXPECT_NE(std::string(it.status().message()).find("scalert quantize --mode int8"), std::string::npos) << it.status();
}

// FP16 / BF16 activations with FP32 weights (a hand-made file, not the quantizer's): native runs
// them at the file's precision, close to the reference (the BF16 dot-product kernel needs BF16
// weights, so these take the FP32-arithmetic kernels).
TEST(LoweredModels, NativeRunsFp16AndBf16ActivationsLikeTheReference) {
  const std::vector<float> x = RandomVector(17 * 12 * 3, 3);
  for (DType d : {DType::kF16, DType::kBF16}) {
    const Graph g = MakeLowFloatTestGraph(d);
    const std::vector<float> want = RunGraph(g, x, "reference");
    const std::vector<float> got = RunGraph(g, x, "native");
    EXPECT_LT(testing::RelativeError(got, want), d == DType::kF16 ? 2e-3 : 2e-2) << DTypeName(d);
    InterpreterOptions o;
    o.backend = "native";
    auto it = Interpreter::Create(Load(g), o);
    ASSERT_TRUE(it.ok()) << it.status();
    // Every operator but Softmax (which has no native kernel at any precision) runs natively.
    for (const std::string& desc : (*it)->executable().op_descriptions()) {
      if (desc.rfind("Softmax", 0) != 0) {
        EXPECT_EQ(desc.find("reference"), std::string::npos) << desc;
      }
    }
  }
}

TEST(LoweredModels, NativeRunsFp16WeightsConvertedAtPrepare) {
  Graph g = MakeMbconvTestGraph();
  Graph h = g;
  for (Tensor& t : h.tensors) {
    if (!t.is_constant() || t.dtype != DType::kF32) continue;
    std::vector<float> v(t.num_elements());
    std::memcpy(v.data(), t.data, v.size() * 4);
    std::vector<uint8_t> bytes(v.size() * 2);
    for (size_t i = 0; i < v.size(); ++i) {
      uint16_t q = ref::F32ToF16(v[i]);
      std::memcpy(bytes.data() + 2 * i, &q, 2);
    }
    auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    t.dtype = DType::kF16;
    t.data = owned->data();
    t.data_bytes = owned->size();
    t.owned = owned;
  }
  const std::vector<float> x = RandomVector(17 * 12 * 3, 4);
  const std::vector<float> f32 = RunGraph(g, x, "native");
  const std::vector<float> f16w = RunGraph(h, x, "native");
  EXPECT_LT(testing::RelativeError(f16w, f32), 1e-2);
  EXPECT_EQ(FileVersion(h), 1u);  // f16 weights were always in the format
}

}  // namespace
}  // namespace scalert
