// The xnnpack backend's contract beyond parity: precision requests and what took effect, clear
// errors for what it cannot run, op descriptions, profiling, threads, and the C API selecting it.
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/backend.h"
#include "runtime/backends/xnnpack/xnnpack_status.h"
#include "runtime/c_api.h"
#include "runtime/graph_builder.h"
#include "runtime/model_format.h"
#include "tests/testing/test_models.h"
#include "tests/xnnpack/xnnpack_test_util.h"

namespace scalert::testing {
namespace {

using ::testing::HasSubstr;

int32_t Check(absl::StatusOr<int32_t> r) {
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : 0;
}

// MobileNetV2/V3-style ops only (no sigmoid, swish or softmax, which this XNNPACK cannot run
// in FP16): conv + ReLU6 -> depthwise + hard-swish -> hard-sigmoid SE gate -> residual add ->
// pool -> FC -> hard-swish on [1, 5].
Graph MakeFp16FriendlyGraph() {
  Graph g;
  int32_t x = g.AddTensor("input", {1, 12, 10, 3});
  g.inputs = {x};
  ConvParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  int32_t y = Check(AddConv2D(&g, x, g.AddConstantF32("w0", {8, 3, 3, 3}, RandomVector(216, 1, -0.3f, 0.3f)),
                              g.AddConstantF32("b0", {8}, RandomVector(8, 2, -0.1f, 0.1f)), p, Activation::kRelu6,
                              "stem"));
  int32_t d = Check(AddDepthwiseConv2D(&g, y, g.AddConstantF32("w1", {1, 3, 3, 8}, RandomVector(72, 3, -0.5f, 0.5f)),
                                       -1, p, Activation::kHardSwish, "dw"));
  Node pool;
  pool.type = OpType::kGlobalAveragePool;
  pool.inputs = {d};
  pool.name = "se.pool";
  int32_t se = Check(AddNode(&g, pool, "se.pool.out"));
  se = Check(AddConv2D(&g, se, g.AddConstantF32("w_se", {8, 1, 1, 8}, RandomVector(64, 5, -1.f, 1.f)),
                       g.AddConstantF32("b_se", {8}, RandomVector(8, 6, -1.f, 1.f)), ConvParams(),
                       Activation::kHardSigmoid, "se.gate"));
  d = Check(AddBinary(&g, OpType::kMul, d, se, Activation::kNone, "se.scale"));
  y = Check(AddBinary(&g, OpType::kAdd, d, y, Activation::kNone, "residual"));
  pool.inputs = {y};
  pool.name = "pool";
  y = Check(AddNode(&g, pool, "pool.out"));
  y = Check(AddFullyConnected(&g, y, g.AddConstantF32("w2", {5, 8}, RandomVector(40, 4, -3.f, 3.f)), -1,
                              Activation::kNone, "fc"));
  g.outputs = {Check(AddUnary(&g, OpType::kHardSwish, y, "head.act"))};
  return g;
}

TEST(XnnpackBackendTest, ListedAsAvailable) {
  std::vector<std::string> b = AvailableBackends();
  EXPECT_NE(std::find(b.begin(), b.end(), "xnnpack"), b.end());
}

TEST(XnnpackBackendTest, OneDescriptionPerOperatorSayingBackendAndPrecision) {
  Graph g = MakeMbconvTestGraph();
  auto it = MakeInterpreter(g, "xnnpack");
  ASSERT_TRUE(it.ok()) << it.status();
  std::vector<std::string> d = (*it)->executable().op_descriptions();
  ASSERT_EQ(d.size(), g.nodes.size());
  for (size_t i = 0; i < d.size(); ++i) EXPECT_EQ(d[i].rfind("xnnpack f32: ", 0), 0u) << i << ": " << d[i];
  EXPECT_THAT(d[0], HasSubstr("convolution_2d + sigmoid + multiply2"));  // swish has no node of its own
}

TEST(XnnpackBackendTest, Fp16TakesEffectOnAGraphXnnpackCanRunInFp16) {
  Graph g = MakeFp16FriendlyGraph();
  auto it = MakeInterpreter(g, "xnnpack", 1, Precision::kF16);
  ASSERT_TRUE(it.ok()) << it.status();
  const Executable& e = (*it)->executable();
  ASSERT_EQ(e.effective_precision(), Precision::kF16)
      << "XNNPACK refused FP16 on this CPU: " << e.op_descriptions()[0];
  for (const std::string& d : e.op_descriptions()) EXPECT_EQ(d.rfind("xnnpack f16: ", 0), 0u) << d;
  std::vector<float> x = RandomInput(g, 5);
  std::vector<float> want = RunGraph(g, x);
  std::vector<float> got = RunOnce(**it, x);
  // FP16 arithmetic: about 3 decimal digits. Also not bit-equal to FP32, or it did not run FP16.
  EXPECT_LE(RelativeError(got, want), 2e-2);
  EXPECT_GT(RelativeError(got, want), 0.0);
}

TEST(XnnpackBackendTest, Fp16RefusedFallsBackToFp32AndSaysSo) {
  // Sigmoid and softmax have no FP16 operator in this XNNPACK, which would refuse the graph.
  Graph g = MakeMbconvTestGraph();
  auto it = MakeInterpreter(g, "xnnpack", 2, Precision::kF16);
  ASSERT_TRUE(it.ok()) << it.status();
  const Executable& e = (*it)->executable();
  EXPECT_EQ(e.effective_precision(), Precision::kF32);
  std::vector<std::string> d = e.op_descriptions();
  for (const std::string& s : d) EXPECT_EQ(s.rfind("xnnpack f32 (f16 not possible for this graph): ", 0), 0u) << s;
  EXPECT_THAT(d.back(), HasSubstr("[no f16 softmax in this XNNPACK]"));
  std::vector<float> x = RandomInput(g, 6);
  EXPECT_LE(RelativeError(RunOnce(**it, x), RunGraph(g, x)), 1e-4);
}

TEST(XnnpackBackendTest, Int8WithoutAQuantizedModelIsUnimplemented) {
  auto it = MakeInterpreter(MakeMbconvTestGraph(), "xnnpack", 1, Precision::kI8);
  ASSERT_FALSE(it.ok());
  EXPECT_EQ(it.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(it.status().message()), HasSubstr("int8"));
  EXPECT_THAT(std::string(it.status().message()), HasSubstr("not quantized"));
}

TEST(XnnpackBackendTest, QuantizeOperatorIsRejectedByName) {
  Graph g;
  int32_t x = g.AddTensor("input", {1, 4});
  int32_t q = g.AddTensor("q", {1, 4}, DType::kI8);
  g.tensors[q].quant.scale = {0.1f};
  g.tensors[q].quant.zero_point = {0};
  int32_t y = g.AddTensor("y", {1, 4});
  Node n;
  n.type = OpType::kQuantize;
  n.name = "quant";
  n.inputs = {x};
  n.outputs = {q};
  g.nodes.push_back(n);
  n.type = OpType::kDequantize;
  n.name = "dequant";
  n.inputs = {q};
  n.outputs = {y};
  g.nodes.push_back(n);
  g.inputs = {x};
  g.outputs = {y};
  ASSERT_TRUE(MakeInterpreter(g, "reference").ok());  // a valid model
  auto e = PrepareBackend("xnnpack", g, BackendOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("quant"));
}

TEST(XnnpackBackendTest, InteriorTransposeIsRejectedByName) {
  Graph g;
  int32_t x = g.AddTensor("input", {1, 4, 5, 3});
  g.inputs = {x};
  int32_t y = Check(AddUnary(&g, OpType::kRelu, x, "relu"));
  Node t;
  t.type = OpType::kTranspose;
  t.inputs = {y};
  t.name = "middle_transpose";
  t.ints = {0, 3, 1, 2};
  y = Check(AddNode(&g, t, "t.out"));
  g.outputs = {Check(AddUnary(&g, OpType::kRelu6, y, "relu6"))};
  auto it = MakeInterpreter(g, "xnnpack");
  ASSERT_FALSE(it.ok());
  EXPECT_EQ(it.status().code(), absl::StatusCode::kUnimplemented);
  const std::string m(it.status().message());
  EXPECT_THAT(m, HasSubstr("#1 Transpose 'middle_transpose'"));
  EXPECT_THAT(m, HasSubstr("no partitioning"));
}

TEST(XnnpackBackendTest, ProfilingTimesTheSubgraph) {
  Graph g = MakeMbconvTestGraph();
  auto it = MakeInterpreter(g, "xnnpack");
  ASSERT_TRUE(it.ok()) << it.status();
  (*it)->executable().set_profiling(true);
  std::vector<float> x = RandomInput(g, 1);
  RunOnce(**it, x);
  RunOnce(**it, x);
  std::vector<StepProfile> p = (*it)->executable().profile();
  ASSERT_EQ(p.size(), 1u);  // this XNNPACK has no per-operator timing
  EXPECT_EQ(p[0].calls, 2);
  EXPECT_GT(p[0].seconds, 0.0);
  int64_t macs = 0;
  for (const Node& n : g.nodes) macs += NodeMacs(g, n);
  EXPECT_EQ(p[0].macs, macs);
  EXPECT_EQ(p[0].kernel, "xnnpack f32");
}

TEST(XnnpackBackendTest, InvokeMakesNoXnnpackAllocations) {
  // XNNPACK's own (C) allocations go through our counting allocator; operator new is checked
  // for every backend by tests/reliability/invoke_allocation_test.
  Graph g = MakeMbconvTestGraph(19, 14);
  std::vector<float> x = RandomInput(g, 1);
  for (int threads : {1, 2}) {
    const int64_t before_prepare = XnnpackAllocationCount();
    auto it = MakeInterpreter(g, "xnnpack", threads);
    ASSERT_TRUE(it.ok()) << it.status();
    EXPECT_GT(XnnpackAllocationCount(), before_prepare);  // the counter sees Prepare's packing
    RunOnce(**it, x);
    const int64_t before = XnnpackAllocationCount();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*it)->Invoke().ok());
    EXPECT_EQ(XnnpackAllocationCount(), before) << threads << " thread(s)";
  }
}

TEST(XnnpackBackendTest, ArenaBytesCoverTheBuffersItOwns) {
  Graph g = MakeMbconvTestGraph();
  auto it = MakeInterpreter(g, "xnnpack");
  ASSERT_TRUE(it.ok()) << it.status();
  int64_t io = g.tensors[g.inputs[0]].bytes() + g.tensors[g.outputs[0]].bytes();
  EXPECT_GE((*it)->executable().arena_bytes(), io);
}

TEST(XnnpackBackendTest, ThreadCounts) {
  Graph g = MakeMbconvTestGraph(20, 14);
  std::vector<float> x = RandomInput(g, 2);
  std::vector<float> want = RunGraph(g, x);
  for (int threads : {3, 4}) {
    auto it = MakeInterpreter(g, "xnnpack", threads);
    ASSERT_TRUE(it.ok()) << it.status();
    EXPECT_LE(RelativeError(RunOnce(**it, x), want), 1e-4) << threads;
  }
  EXPECT_FALSE(MakeInterpreter(g, "xnnpack", 0).ok());
}

TEST(XnnpackBackendTest, InterpretersOnSeveralThreadsAtOnce) {
  // Each interpreter owns its runtime and pool; XNNPACK is initialized once, from any thread.
  Graph g = MakeMbconvTestGraph(16, 11);
  std::vector<float> x = RandomInput(g, 3);
  std::vector<float> want = RunGraph(g, x);
  std::vector<double> err(4, 1.0);
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i)
    workers.emplace_back([&, i] {
      auto it = MakeInterpreter(g, "xnnpack", 1 + i % 2);
      if (!it.ok()) return;
      std::vector<float> y;
      for (int r = 0; r < 3; ++r) y = RunOnce(**it, x);
      err[i] = RelativeError(y, want);
    });
  for (std::thread& t : workers) t.join();
  for (double e : err) EXPECT_LE(e, 1e-4);
}

TEST(XnnpackBackendTest, CApiSelectsXnnpack) {
  Graph g = MakeMbconvTestGraph(13, 10);
  const std::string path = ::testing::TempDir() + "/xnnpack_c_api.srm";
  ASSERT_TRUE(WriteModelFile(g, path).ok());
  scalert_model* model = nullptr;
  ASSERT_EQ(scalert_model_load_file(path.c_str(), &model), SCALERT_OK) << scalert_last_error();
  std::vector<float> x = RandomInput(g, 4);
  std::vector<float> want = RunGraph(g, x);

  scalert_options* o = scalert_options_create();
  ASSERT_EQ(scalert_options_set_backend(o, "xnnpack"), SCALERT_OK);
  ASSERT_EQ(scalert_options_set_threads(o, 2), SCALERT_OK);
  scalert_interpreter* it = nullptr;
  ASSERT_EQ(scalert_interpreter_create(model, o, &it), SCALERT_OK) << scalert_last_error();
  ASSERT_EQ(scalert_interpreter_set_input(it, 0, x.data(), x.size() * sizeof(float)), SCALERT_OK);
  ASSERT_EQ(scalert_interpreter_invoke(it), SCALERT_OK) << scalert_last_error();
  std::vector<float> y(want.size());
  ASSERT_EQ(scalert_interpreter_get_output(it, 0, y.data(), y.size() * sizeof(float)), SCALERT_OK);
  EXPECT_LE(RelativeError(y, want), 1e-4);
  scalert_interpreter_free(it);

  // int8 without a quantized model: an "unsupported" code and a message, no interpreter.
  ASSERT_EQ(scalert_options_set_precision(o, "int8"), SCALERT_OK);
  it = nullptr;
  EXPECT_EQ(scalert_interpreter_create(model, o, &it), SCALERT_UNSUPPORTED);
  EXPECT_EQ(it, nullptr);
  EXPECT_THAT(std::string(scalert_last_error()), HasSubstr("int8"));
  scalert_options_free(o);
  scalert_model_free(model);
}

}  // namespace
}  // namespace scalert::testing
