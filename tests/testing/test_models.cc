#include "tests/testing/test_models.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "runtime/graph_builder.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"

namespace scalert::testing {

std::vector<float> RandomVector(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

namespace {

int32_t Weights(Graph* g, const std::string& name, Shape shape, uint32_t seed, int32_t fan_in) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  float bound = std::sqrt(3.f / static_cast<float>(fan_in));
  return g->AddConstantF32(name, shape, RandomVector(static_cast<size_t>(n), seed, -bound, bound));
}

int32_t Check(absl::StatusOr<int32_t> r) {
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : 0;
}

}  // namespace

Graph MakeMbconvTestGraph(int32_t h, int32_t w, int32_t c, uint32_t seed) {
  Graph g;
  int32_t x = g.AddTensor("input", {1, h, w, c});
  g.inputs = {x};
  ConvParams stem;
  stem.stride_h = stem.stride_w = 2;
  SamePadding(h, 3, 2, 1, &stem.pad_top, &stem.pad_bottom);
  SamePadding(w, 3, 2, 1, &stem.pad_left, &stem.pad_right);
  const int32_t c0 = 8, ce = 24, cse = 4, classes = 10;
  int32_t y = Check(AddConv2D(&g, x, Weights(&g, "stem.w", {c0, 3, 3, c}, seed, 9 * c),
                              g.AddConstantF32("stem.b", {c0}, RandomVector(c0, seed + 1, -0.1f, 0.1f)), stem,
                              Activation::kSwish, "stem"));
  int32_t block_in = y;
  y = Check(AddConv2D(&g, y, Weights(&g, "expand.w", {ce, 1, 1, c0}, seed + 2, c0), -1, ConvParams(),
                      Activation::kRelu6, "expand"));
  ConvParams dw;
  dw.pad_top = dw.pad_bottom = dw.pad_left = dw.pad_right = 1;
  y = Check(AddDepthwiseConv2D(&g, y, Weights(&g, "dw.w", {1, 3, 3, ce}, seed + 3, 9),
                               g.AddConstantF32("dw.b", {ce}, RandomVector(ce, seed + 4, -0.1f, 0.1f)), dw,
                               Activation::kHardSwish, "dw"));
  int32_t se = Check(AddNode(&g, [&] { Node n; n.type = OpType::kGlobalAveragePool; n.inputs = {y}; n.name = "se.pool"; return n; }(), "se.pool.out"));
  se = Check(AddConv2D(&g, se, Weights(&g, "se.reduce.w", {cse, 1, 1, ce}, seed + 5, ce),
                       g.AddConstantF32("se.reduce.b", {cse}, RandomVector(cse, seed + 6)), ConvParams(),
                       Activation::kSwish, "se.reduce"));
  se = Check(AddConv2D(&g, se, Weights(&g, "se.expand.w", {ce, 1, 1, cse}, seed + 7, cse),
                       g.AddConstantF32("se.expand.b", {ce}, RandomVector(ce, seed + 8)), ConvParams(),
                       Activation::kNone, "se.expand"));
  se = Check(AddUnary(&g, OpType::kSigmoid, se, "se.gate"));
  y = Check(AddBinary(&g, OpType::kMul, y, se, Activation::kNone, "se.scale"));
  y = Check(AddConv2D(&g, y, Weights(&g, "project.w", {c0, 1, 1, ce}, seed + 9, ce), -1, ConvParams(),
                      Activation::kNone, "project"));
  y = Check(AddBinary(&g, OpType::kAdd, y, block_in, Activation::kNone, "residual"));
  y = Check(AddNode(&g, [&] { Node n; n.type = OpType::kGlobalAveragePool; n.inputs = {y}; n.name = "pool"; return n; }(), "pool.out"));
  y = Check(AddFullyConnected(&g, y, Weights(&g, "fc.w", {classes, c0}, seed + 10, c0),
                              g.AddConstantF32("fc.b", {classes}, RandomVector(classes, seed + 11, -0.1f, 0.1f)),
                              Activation::kNone, "fc"));
  y = Check(AddUnary(&g, OpType::kSoftmax, y, "softmax"));
  g.outputs = {y};
  g.metadata.family = "test";
  g.metadata.input_h = h;
  g.metadata.input_w = w;
  g.metadata.in_channels = c;
  return g;
}

std::vector<float> RunGraph(const Graph& g, const std::vector<float>& input, const std::string& backend, int threads) {
  auto bytes = SerializeGraph(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return {};
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return {};
  InterpreterOptions o;
  o.backend = backend;
  o.threads = threads;
  auto it = Interpreter::Create(*model, o);
  EXPECT_TRUE(it.ok()) << it.status();
  if (!it.ok()) return {};
  EXPECT_TRUE((*it)->SetInput(0, input.data(), input.size() * sizeof(float)).ok());
  EXPECT_TRUE((*it)->Invoke().ok());
  const Tensor& out = (*it)->output(0);
  std::vector<float> y(static_cast<size_t>(out.num_elements()));
  EXPECT_TRUE((*it)->GetOutput(0, y.data(), y.size() * sizeof(float)).ok());
  return y;
}

double RelativeError(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return INFINITY;
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    // std::max drops a NaN operand, so a NaN or Inf anywhere must be caught explicitly.
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
    max_diff = std::max(max_diff, std::abs(static_cast<double>(a[i]) - b[i]));
    max_ref = std::max(max_ref, std::abs(static_cast<double>(b[i])));
  }
  return max_ref > 0 ? max_diff / max_ref : max_diff;
}

}  // namespace scalert::testing
