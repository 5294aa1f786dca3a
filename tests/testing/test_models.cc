#include "tests/testing/test_models.h"

#include <algorithm>
#include <cmath>
#include <cstring>
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

std::vector<int8_t> RandomInt8(size_t n, uint32_t seed, int lo) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(lo, 127);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(u(rng));
  return v;
}

namespace {

// The metadata every test graph carries: family "test", its input size and channels.
void SetTestMetadata(Graph* g, int32_t h, int32_t w, int32_t c) {
  g->metadata.family = "test";
  g->metadata.input_h = h;
  g->metadata.input_w = w;
  g->metadata.in_channels = c;
}

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
  SetTestMetadata(&g, h, w, c);
  return g;
}

namespace {

int32_t QuantizedActivation(Graph* g, const std::string& name, Shape shape, float scale, int64_t zero_point) {
  int32_t t = g->AddTensor(name, std::move(shape), DType::kI8);
  g->tensors[t].quant.scale = {scale};
  g->tensors[t].quant.zero_point = {zero_point};
  return t;
}

int32_t Int8Weights(Graph* g, const std::string& name, Shape shape, int32_t axis, uint32_t seed) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(-127, 127);
  std::vector<uint8_t> bytes(static_cast<size_t>(n));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(static_cast<int8_t>(u(rng)));
  const int32_t channels = shape[axis];
  int32_t t = g->AddConstant(name, std::move(shape), DType::kI8, std::move(bytes));
  g->tensors[t].quant.axis = axis;
  for (int32_t c = 0; c < channels; ++c) {
    g->tensors[t].quant.scale.push_back(0.004f + 0.0005f * static_cast<float>(c % 7));
    g->tensors[t].quant.zero_point.push_back(0);
  }
  return t;
}

int32_t Int32Bias(Graph* g, const std::string& name, int32_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> u(-2000, 2000);
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
  for (int32_t i = 0; i < n; ++i) {
    int32_t v = u(rng);
    std::memcpy(bytes.data() + 4 * i, &v, 4);
  }
  return g->AddConstant(name, {n}, DType::kI32, std::move(bytes));
}

int32_t Op(Graph* g, OpType type, std::vector<int32_t> inputs, int32_t output, const std::string& name,
           Activation act = Activation::kNone) {
  Node n;
  n.type = type;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  n.name = name;
  n.activation = act;
  g->nodes.push_back(std::move(n));
  return output;
}

}  // namespace

Graph MakeInt8TestGraph(int32_t h, int32_t w, uint32_t seed) {
  Graph g;
  const int32_t c = 3, c0 = 8, classes = 10;
  int32_t x = g.AddTensor("input", {1, h, w, c});
  g.inputs = {x};
  int32_t q = Op(&g, OpType::kQuantize, {x}, QuantizedActivation(&g, "input.q", {1, h, w, c}, 1.f / 128, 0), "quantize");
  ConvParams stem;
  stem.stride_h = stem.stride_w = 2;
  SamePadding(h, 3, 2, 1, &stem.pad_top, &stem.pad_bottom);
  SamePadding(w, 3, 2, 1, &stem.pad_left, &stem.pad_right);
  const int32_t oh = (h + 1) / 2, ow = (w + 1) / 2;
  int32_t y = Op(&g, OpType::kConv2D, {q, Int8Weights(&g, "stem.w", {c0, 3, 3, c}, 0, seed), Int32Bias(&g, "stem.b", c0, seed + 1)},
                 QuantizedActivation(&g, "stem.out", {1, oh, ow, c0}, 6.f / 255, -128), "stem", Activation::kRelu6);
  g.nodes.back().conv = stem;
  const int32_t block_in = y;
  ConvParams dw;
  dw.pad_top = dw.pad_bottom = dw.pad_left = dw.pad_right = 1;
  y = Op(&g, OpType::kDepthwiseConv2D, {y, Int8Weights(&g, "dw.w", {1, 3, 3, c0}, 3, seed + 2), Int32Bias(&g, "dw.b", c0, seed + 3)},
         QuantizedActivation(&g, "dw.out", {1, oh, ow, c0}, 0.02f, 5), "dw");
  g.nodes.back().conv = dw;
  y = Op(&g, OpType::kSwish, {y}, QuantizedActivation(&g, "swish.out", {1, oh, ow, c0}, 0.015f, -100), "swish");
  int32_t se = Op(&g, OpType::kGlobalAveragePool, {y}, QuantizedActivation(&g, "se.pool", {1, 1, 1, c0}, 0.01f, -90), "se.pool");
  se = Op(&g, OpType::kSigmoid, {se}, QuantizedActivation(&g, "se.gate", {1, 1, 1, c0}, 1.f / 256, -128), "se.gate");
  y = Op(&g, OpType::kMul, {y, se}, QuantizedActivation(&g, "se.out", {1, oh, ow, c0}, 0.01f, -90), "se.scale");
  y = Op(&g, OpType::kAdd, {y, block_in}, QuantizedActivation(&g, "residual", {1, oh, ow, c0}, 0.03f, -60), "residual");
  y = Op(&g, OpType::kGlobalAveragePool, {y}, QuantizedActivation(&g, "pool", {1, 1, 1, c0}, 0.02f, -70), "pool");
  y = Op(&g, OpType::kReshape, {y}, QuantizedActivation(&g, "flat", {1, c0}, 0.02f, -70), "flatten");
  g.nodes.back().ints = {1, c0};
  y = Op(&g, OpType::kFullyConnected, {y, Int8Weights(&g, "fc.w", {classes, c0}, 0, seed + 4), Int32Bias(&g, "fc.b", classes, seed + 5)},
         QuantizedActivation(&g, "logits.q", {1, classes}, 0.005f, 0), "fc");
  y = Op(&g, OpType::kDequantize, {y}, g.AddTensor("logits", {1, classes}), "dequantize");
  g.outputs = {y};
  SetTestMetadata(&g, h, w, c);
  return g;
}

Graph MakeInt8ConvTestGraph(int32_t batch, int32_t h, int32_t w, int32_t c, int32_t out_c, int32_t kernel,
                            int32_t stride, uint32_t seed) {
  Graph g;
  int32_t x = g.AddTensor("input", {batch, h, w, c});
  g.inputs = {x};
  int32_t q = Op(&g, OpType::kQuantize, {x}, QuantizedActivation(&g, "input.q", {batch, h, w, c}, 1.f / 128, 3),
                 "quantize");
  ConvParams conv;
  conv.stride_h = conv.stride_w = stride;
  SamePadding(h, kernel, stride, 1, &conv.pad_top, &conv.pad_bottom);
  SamePadding(w, kernel, stride, 1, &conv.pad_left, &conv.pad_right);
  const int32_t oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride;
  int32_t y = Op(&g, OpType::kConv2D,
                 {q, Int8Weights(&g, "conv.w", {out_c, kernel, kernel, c}, 0, seed), Int32Bias(&g, "conv.b", out_c, seed + 1)},
                 QuantizedActivation(&g, "conv.out", {batch, oh, ow, out_c}, 6.f / 255, -128), "conv", Activation::kRelu6);
  g.nodes.back().conv = conv;
  y = Op(&g, OpType::kDequantize, {y}, g.AddTensor("output", {batch, oh, ow, out_c}), "dequantize");
  g.outputs = {y};
  SetTestMetadata(&g, h, w, c);
  return g;
}

Graph MakeLowFloatTestGraph(DType dtype, int32_t h, int32_t w) {
  Graph g = MakeMbconvTestGraph(h, w);
  for (Tensor& t : g.tensors)
    if (!t.is_constant()) t.dtype = dtype;
  // The graph input and output stay f32, converted at the boundary.
  const int32_t in = g.inputs[0], out = g.outputs[0];
  const int32_t in_low = g.AddTensor("input.low", g.tensors[in].shape, dtype);
  for (Node& n : g.nodes)
    for (int32_t& i : n.inputs)
      if (i == in) i = in_low;
  g.tensors[in].dtype = DType::kF32;
  const int32_t out_f32 = g.AddTensor("output.f32", g.tensors[out].shape, DType::kF32);
  Op(&g, OpType::kQuantize, {in}, in_low, "to_low");
  Op(&g, OpType::kDequantize, {out}, out_f32, "to_f32");
  g.outputs = {out_f32};
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
