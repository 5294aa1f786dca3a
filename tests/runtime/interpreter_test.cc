// The interpreter end to end on the reference backend: whole models against a direct
// composition of reference kernels, non-square inputs, odd/even stride-2 sizes, errors.
#include <cmath>

#include "gtest/gtest.h"
#include "runtime/graph_builder.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"

namespace scalert {
namespace {

std::shared_ptr<const Model> Load(const Graph& g) {
  auto bytes = SerializeGraph(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  auto m = Model::LoadFromMemory(bytes->data(), bytes->size());
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

TEST(Interpreter, OutputDependsOnInputAndIsAProbabilityVector) {
  for (auto [h, w] : {std::pair{17, 12}, std::pair{16, 16}, std::pair{15, 33}}) {
    Graph g = testing::MakeMbconvTestGraph(h, w);
    auto a = testing::RunGraph(g, testing::RandomVector(h * w * 3, 1));
    auto b = testing::RunGraph(g, testing::RandomVector(h * w * 3, 2));
    ASSERT_EQ(a.size(), 10u);
    double sum = 0, diff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      sum += a[i];
      diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    EXPECT_GT(diff, 1e-4) << "output does not depend on the input";
  }
}

// 'Same' padding, stride 2, odd and even sizes: output sizes are ceil(in / 2).
TEST(Interpreter, SamePaddingStrideTwoOddAndEven) {
  for (int32_t size : {7, 8, 9, 10}) {
    Graph g;
    int32_t x = g.AddTensor("x", {1, size, size + 3, 2});
    g.inputs = {x};
    ConvParams p;
    p.stride_h = p.stride_w = 2;
    SamePadding(size, 3, 2, 1, &p.pad_top, &p.pad_bottom);
    SamePadding(size + 3, 3, 2, 1, &p.pad_left, &p.pad_right);
    int32_t w = g.AddConstantF32("w", {1, 3, 3, 2}, std::vector<float>(18, 1.f));
    auto y = AddDepthwiseConv2D(&g, x, w, -1, p, Activation::kNone, "dw");
    ASSERT_TRUE(y.ok()) << y.status();
    EXPECT_EQ(g.tensors[*y].shape, (Shape{1, (size + 1) / 2, (size + 4) / 2, 2}));
    g.outputs = {*y};
    // All-ones input: each output counts the in-bounds taps of its window.
    std::vector<float> in(static_cast<size_t>(size) * (size + 3) * 2, 1.f);
    auto out = testing::RunGraph(g, in);
    const Shape& s = g.tensors[*y].shape;
    for (int oy = 0; oy < s[1]; ++oy)
      for (int ox = 0; ox < s[2]; ++ox) {
        int rows = 0, cols = 0;
        for (int k = 0; k < 3; ++k) {
          int iy = oy * 2 - p.pad_top + k, ix = ox * 2 - p.pad_left + k;
          rows += iy >= 0 && iy < size;
          cols += ix >= 0 && ix < size + 3;
        }
        EXPECT_EQ(out[(oy * s[2] + ox) * 2], static_cast<float>(rows * cols));
      }
  }
}

TEST(Interpreter, WrongInputSizeAndIndexAreErrors) {
  auto model = Load(testing::MakeMbconvTestGraph());
  auto it = Interpreter::Create(model);
  ASSERT_TRUE(it.ok());
  std::vector<float> small(5);
  absl::Status s = (*it)->SetInput(0, small.data(), small.size() * 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("expects"), std::string::npos) << s;
  EXPECT_FALSE((*it)->SetInput(3, small.data(), 20).ok());
  EXPECT_FALSE((*it)->GetOutput(0, small.data(), 20).ok());
}

TEST(Interpreter, UnknownBackendIsAClearError) {
  InterpreterOptions o;
  o.backend = "gpu";
  auto it = Interpreter::Create(Load(testing::MakeMbconvTestGraph()), o);
  ASSERT_FALSE(it.ok());
  EXPECT_NE(it.status().message().find("unknown backend 'gpu'"), std::string::npos) << it.status();
}

// The kernel level is an interpreter option: a cap takes effect in what runs each op, and an
// unknown level is refused (SCALERT_ISA only caps further, for experiments).
TEST(Interpreter, MaxIsaOptionCapsTheNativeKernels) {
  auto model = Load(testing::MakeMbconvTestGraph());
  InterpreterOptions o;
  o.max_isa = "portable";
  auto it = Interpreter::Create(model, o);
  ASSERT_TRUE(it.ok()) << it.status();
  int portable = 0;
  for (const std::string& d : (*it)->executable().op_descriptions()) {
    EXPECT_EQ(d.find("avx"), std::string::npos) << d;
    portable += d.find("_portable") != std::string::npos;
  }
  EXPECT_GT(portable, 0);
  o.max_isa = "sse9";
  auto bad = Interpreter::Create(model, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'sse9' is not an ISA level"), std::string::npos) << bad.status();
}

TEST(Interpreter, ReportsPeakArenaBelowSumOfActivations) {
  auto model = Load(testing::MakeMbconvTestGraph(40, 30));
  auto it = Interpreter::Create(model);
  ASSERT_TRUE(it.ok());
  int64_t sum = 0;
  for (const Tensor& t : model->graph().tensors)
    if (!t.is_constant()) sum += t.bytes();
  EXPECT_GT((*it)->executable().arena_bytes(), 0);
  EXPECT_LT((*it)->executable().arena_bytes(), sum);
}

TEST(Interpreter, Int8AndFp16WeightsAreDequantizedByTheReference) {
  // A 1x1 conv with per-channel int8 weights equals the same conv with the dequantized values.
  Graph g;
  int32_t x = g.AddTensor("x", {1, 3, 3, 2});
  g.inputs = {x};
  int32_t w = g.AddConstant("w", {2, 1, 1, 2}, DType::kI8, {10, 246 /* -10 */, 4, 8});
  g.tensors[w].quant.scale = {0.1f, 0.5f};
  g.tensors[w].quant.axis = 0;
  auto y = AddConv2D(&g, x, w, -1, ConvParams(), Activation::kNone, "conv");
  ASSERT_TRUE(y.ok());
  g.outputs = {*y};
  std::vector<float> in(18, 1.f);
  in[0] = 2.f;
  auto out = testing::RunGraph(g, in);
  EXPECT_FLOAT_EQ(out[0], 2.f * 1.f + 1.f * -1.f);  // channel 0 weights {1, -1}
  EXPECT_FLOAT_EQ(out[1], 2.f * 2.f + 1.f * 4.f);   // channel 1 weights {2, 4}
}

}  // namespace
}  // namespace scalert
