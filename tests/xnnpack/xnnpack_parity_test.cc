// The xnnpack backend against the reference backend, op by op and on small networks: every op
// and activation the format has (except the quantized ones), odd shapes, 1 and 2 threads.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>

#include "fp16.h"
#include "gtest/gtest.h"
#include "runtime/graph_builder.h"
#include "tests/testing/test_models.h"
#include "tests/xnnpack/xnnpack_test_util.h"

namespace scalert::testing {
namespace {

constexpr Activation kAllActivations[] = {Activation::kNone,        Activation::kRelu,  Activation::kRelu6,
                                          Activation::kSigmoid,     Activation::kHardSigmoid, Activation::kSwish,
                                          Activation::kHardSwish};

int32_t Check(absl::StatusOr<int32_t> r) {
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : 0;
}

int32_t Constant(Graph* g, const std::string& name, Shape shape, uint32_t seed, float bound) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return g->AddConstantF32(name, shape, RandomVector(static_cast<size_t>(n), seed, -bound, bound));
}

// Scales the input so activations see their whole range (HardSwish bends at +-3, Relu6 at 6).
int32_t Scaled(Graph* g, int32_t x, float factor) {
  return Check(AddBinary(g, OpType::kMul, x, g->AddConstantF32("scale", {1}, {factor}), Activation::kNone, "scale"));
}

// A builder-style case for Conv2D / DepthwiseConv2D: one conv on a [1, h, w, c] input.
struct ConvCase {
  bool depthwise = false;
  int32_t h = 9, w = 13, c = 5, out_c = 7, kernel = 3, stride = 1, dilation = 1, multiplier = 1;
  bool same_padding = true, bias = true;
  ConvParams explicit_pads;  // used when same_padding is false
  Activation act = Activation::kNone;

  Graph Build() const {
    Graph g;
    int32_t x = g.AddTensor("input", {1, h, w, c});
    g.inputs = {x};
    ConvParams p = explicit_pads;
    p.stride_h = p.stride_w = stride;
    p.dilation_h = p.dilation_w = dilation;
    p.depth_multiplier = multiplier;
    if (same_padding) {
      // TensorFlow 'same': asymmetric when the total is odd (extra on the bottom/right).
      SamePadding(h, kernel, stride, dilation, &p.pad_top, &p.pad_bottom);
      SamePadding(w, kernel, stride, dilation, &p.pad_left, &p.pad_right);
    }
    const int32_t cout = depthwise ? c * multiplier : out_c;
    Shape ws = depthwise ? Shape{1, kernel, kernel, cout} : Shape{cout, kernel, kernel, c};
    const float bound = std::sqrt(3.f / (depthwise ? kernel * kernel : kernel * kernel * c));
    int32_t wt = Constant(&g, "w", ws, 3, bound);
    int32_t b = bias ? Constant(&g, "b", {cout}, 4, 0.5f) : -1;
    x = Scaled(&g, x, 2.f);
    int32_t y = depthwise ? Check(AddDepthwiseConv2D(&g, x, wt, b, p, act, "dw"))
                          : Check(AddConv2D(&g, x, wt, b, p, act, "conv"));
    g.outputs = {y};
    return g;
  }
  void Test() const {
    SCOPED_TRACE(::testing::Message() << (depthwise ? "depthwise" : "conv") << " " << h << "x" << w << "x" << c
                                      << " k" << kernel << " s" << stride << " d" << dilation << " m" << multiplier
                                      << " same=" << same_padding << " bias=" << bias << " act="
                                      << static_cast<int>(act));
    ExpectXnnpackMatchesReference(Build());
  }
};

TEST(XnnpackParityTest, Conv2DKernelStrideChannelSweep) {
  for (int32_t kernel : {1, 3, 5})
    for (int32_t stride : {1, 2})
      for (int32_t c : {1, 3, 17}) {
        ConvCase k;
        k.h = 10;  // even: 'same' padding with stride 2 is asymmetric (0 top, 1 bottom)
        k.kernel = kernel;
        k.stride = stride;
        k.c = c;
        k.out_c = c + 4;
        k.Test();
      }
}

TEST(XnnpackParityTest, Conv2DEveryFusedActivation) {
  for (Activation a : kAllActivations) {
    ConvCase k;
    k.act = a;
    k.Test();
  }
}

TEST(XnnpackParityTest, ConvAndDepthwiseWithFourDifferentPads) {
  for (bool depthwise : {false, true})
    for (int32_t stride : {1, 2}) {
      ConvCase k;
      k.depthwise = depthwise;
      k.stride = stride;
      k.same_padding = false;
      k.explicit_pads.pad_top = 0;
      k.explicit_pads.pad_bottom = 2;
      k.explicit_pads.pad_left = 1;
      k.explicit_pads.pad_right = 0;
      k.Test();
    }
}

TEST(XnnpackParityTest, Conv2DValidPaddingNoBiasDilation) {
  ConvCase k;
  k.same_padding = false;
  k.bias = false;
  k.h = 12;
  k.w = 7;
  k.Test();
  k.dilation = 2;
  k.same_padding = true;
  k.Test();
}

TEST(XnnpackParityTest, DepthwiseKernelStrideChannelSweep) {
  for (int32_t kernel : {3, 5})
    for (int32_t stride : {1, 2})
      for (int32_t c : {1, 7, 19}) {
        ConvCase k;
        k.depthwise = true;
        k.kernel = kernel;
        k.stride = stride;
        k.c = c;
        k.h = 11;
        k.w = 6;  // 'same' with stride 2: left 0 / right 1 (k3), 1 / 2 (k5)
        k.Test();
      }
}

TEST(XnnpackParityTest, DepthwiseMultiplierActivationsNoBias) {
  for (Activation a : kAllActivations) {
    ConvCase k;
    k.depthwise = true;
    k.multiplier = 2;
    k.act = a;
    k.bias = a != Activation::kRelu;
    k.Test();
  }
}

TEST(XnnpackParityTest, FullyConnectedOn2DAndPooled4DInputs) {
  for (Activation a : kAllActivations) {
    // [3, 13] -> [3, 6]
    Graph g;
    int32_t x = g.AddTensor("input", {3, 13});
    g.inputs = {x};
    x = Scaled(&g, x, 2.f);
    g.outputs = {Check(AddFullyConnected(&g, x, Constant(&g, "w", {6, 13}, 5, 0.5f),
                                         Constant(&g, "b", {6}, 6, 0.5f), a, "fc"))};
    SCOPED_TRACE(::testing::Message() << "2D, act " << static_cast<int>(a));
    ExpectXnnpackMatchesReference(g);
  }
  // [2, 5, 4, 9] -> pool [2, 1, 1, 9] -> fc [2, 11]: XNNPACK flattens the pooled input.
  Graph g;
  int32_t x = g.AddTensor("input", {2, 5, 4, 9});
  g.inputs = {x};
  Node pool;
  pool.type = OpType::kGlobalAveragePool;
  pool.inputs = {x};
  pool.name = "pool";
  int32_t y = Check(AddNode(&g, pool, "pool.out"));
  g.outputs = {Check(AddFullyConnected(&g, y, Constant(&g, "w", {11, 9}, 7, 0.5f), -1, Activation::kNone, "fc"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, FullyConnectedFlattensSpatialInput) {
  // [2, 3, 2, 5] -> fc with 30 inputs per batch item.
  Graph g;
  int32_t x = g.AddTensor("input", {2, 3, 2, 5});
  g.inputs = {x};
  g.outputs = {Check(AddFullyConnected(&g, x, Constant(&g, "w", {4, 30}, 8, 0.3f), Constant(&g, "b", {4}, 9, 0.1f),
                                       Activation::kRelu6, "fc"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, GlobalAveragePoolOddSizes) {
  for (auto [h, w, c] : {std::tuple{1, 1, 3}, std::tuple{7, 3, 17}, std::tuple{13, 10, 40}}) {
    Graph g;
    int32_t x = g.AddTensor("input", {1, h, w, c});
    g.inputs = {x};
    Node pool;
    pool.type = OpType::kGlobalAveragePool;
    pool.inputs = {x};
    pool.name = "pool";
    g.outputs = {Check(AddNode(&g, pool, "pool.out"))};
    SCOPED_TRACE(::testing::Message() << h << "x" << w << "x" << c);
    ExpectXnnpackMatchesReference(g);
  }
}

// Two branches of the input through 1x1 convs, combined by `type` with a fused activation.
Graph BinaryGraph(OpType type, Activation act, bool se_broadcast, bool constant_operand) {
  Graph g;
  const int32_t c = 11;
  int32_t x = g.AddTensor("input", {1, 6, 9, 3});
  g.inputs = {x};
  int32_t a = Check(AddConv2D(&g, x, Constant(&g, "wa", {c, 1, 1, 3}, 1, 1.f), -1, ConvParams(), Activation::kNone, "a"));
  int32_t b;
  if (constant_operand) {
    b = Constant(&g, "k", {c}, 2, 2.f);  // broadcast over N, H, W
  } else {
    b = Check(AddConv2D(&g, x, Constant(&g, "wb", {c, 1, 1, 3}, 3, 1.f), -1, ConvParams(), Activation::kNone, "b"));
    if (se_broadcast) {
      Node pool;
      pool.type = OpType::kGlobalAveragePool;
      pool.inputs = {b};
      pool.name = "pool";
      b = Check(AddNode(&g, pool, "pool.out"));  // [1, 1, 1, c]
      b = Check(AddUnary(&g, OpType::kSigmoid, b, "gate"));
    }
  }
  g.outputs = {Check(AddBinary(&g, type, a, b, act, "op"))};
  return g;
}

TEST(XnnpackParityTest, AddAndMulEveryActivation) {
  for (OpType type : {OpType::kAdd, OpType::kMul})
    for (Activation a : kAllActivations) {
      SCOPED_TRACE(::testing::Message() << OpTypeName(type) << " act " << static_cast<int>(a));
      ExpectXnnpackMatchesReference(BinaryGraph(type, a, false, false));
    }
}

TEST(XnnpackParityTest, SqueezeExciteBroadcastMul) {
  ExpectXnnpackMatchesReference(BinaryGraph(OpType::kMul, Activation::kNone, true, false));
  // Broadcast on the other side too: [1,1,1,C] + [1,H,W,C].
  Graph g = BinaryGraph(OpType::kAdd, Activation::kRelu, true, false);
  std::swap(g.nodes.back().inputs[0], g.nodes.back().inputs[1]);
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, ConstantOperandBroadcast) {
  ExpectXnnpackMatchesReference(BinaryGraph(OpType::kAdd, Activation::kNone, false, true));
  ExpectXnnpackMatchesReference(BinaryGraph(OpType::kMul, Activation::kHardSwish, false, true));
}

TEST(XnnpackParityTest, ResidualAdd) {
  // input -> conv 3x3 -> add(input): both operands full size, one of them the model input.
  Graph g;
  int32_t x = g.AddTensor("input", {1, 7, 5, 6});
  g.inputs = {x};
  ConvParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  int32_t y = Check(AddConv2D(&g, x, Constant(&g, "w", {6, 3, 3, 6}, 1, 0.3f), -1, p, Activation::kRelu, "conv"));
  g.outputs = {Check(AddBinary(&g, OpType::kAdd, y, x, Activation::kNone, "residual"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, StandaloneActivations) {
  for (OpType type : {OpType::kRelu, OpType::kRelu6, OpType::kSigmoid, OpType::kHardSigmoid, OpType::kSwish,
                      OpType::kHardSwish}) {
    Graph g;
    int32_t x = g.AddTensor("input", {1, 5, 3, 7});
    g.inputs = {x};
    g.outputs = {Check(AddUnary(&g, type, Scaled(&g, x, 4.f), "act"))};
    SCOPED_TRACE(OpTypeName(type));
    ExpectXnnpackMatchesReference(g);
  }
}

TEST(XnnpackParityTest, HardSigmoidWithOnnxAlphaBeta) {
  // ONNX's default HardSigmoid (alpha 0.2, beta 0.5) differs from PyTorch's x/6 + 1/2.
  Graph g;
  int32_t x = g.AddTensor("input", {2, 9});
  g.inputs = {x};
  Node n;
  n.type = OpType::kHardSigmoid;
  n.inputs = {Scaled(&g, x, 4.f)};
  n.name = "hsig";
  n.alpha = 0.2f;
  n.beta = 0.5f;
  g.outputs = {Check(AddNode(&g, n, "hsig.out"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, Clamp) {
  Graph g;
  int32_t x = g.AddTensor("input", {1, 4, 4, 3});
  g.inputs = {x};
  Node n;
  n.type = OpType::kClamp;
  n.inputs = {Scaled(&g, x, 3.f)};
  n.name = "clamp";
  n.min = -1.5f;
  n.max = 2.25f;
  g.outputs = {Check(AddNode(&g, n, "clamp.out"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, ReshapeThenFullyConnectedAndSoftmax) {
  // [1, 3, 4, 5] -> reshape [1, 60] -> fc [1, 10] -> reshape [2, 5] -> softmax over 5.
  Graph g;
  int32_t x = g.AddTensor("input", {1, 3, 4, 5});
  g.inputs = {x};
  Node r;
  r.type = OpType::kReshape;
  r.inputs = {x};
  r.name = "flatten";
  r.ints = {1, 60};
  int32_t y = Check(AddNode(&g, r, "flatten.out"));
  y = Check(AddFullyConnected(&g, y, Constant(&g, "w", {10, 60}, 3, 0.5f), Constant(&g, "b", {10}, 4, 0.5f),
                              Activation::kNone, "fc"));
  r.inputs = {y};
  r.name = "rows";
  r.ints = {2, 5};
  y = Check(AddNode(&g, r, "rows.out"));
  g.outputs = {Check(AddUnary(&g, OpType::kSoftmax, y, "softmax"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, SoftmaxWithBeta) {
  Graph g;
  int32_t x = g.AddTensor("input", {3, 17});
  g.inputs = {x};
  Node n;
  n.type = OpType::kSoftmax;
  n.inputs = {Scaled(&g, x, 3.f)};
  n.name = "softmax";
  n.softmax_beta = 0.5f;
  g.outputs = {Check(AddNode(&g, n, "softmax.out"))};
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, MbconvNetworkNonSquareSizes) {
  for (auto [h, w, c] : {std::tuple{17, 12, 3}, std::tuple{32, 24, 3}, std::tuple{9, 31, 4}, std::tuple{24, 24, 1}}) {
    SCOPED_TRACE(::testing::Message() << h << "x" << w << "x" << c);
    ExpectXnnpackMatchesReference(MakeMbconvTestGraph(h, w, c, /*seed=*/static_cast<uint32_t>(h * w)));
  }
}

// Replaces constant `name` by its values stored as f16, or as i8 with per-output-channel scales.
void StoreAs(Graph* g, const std::string& name, DType dtype) {
  for (Tensor& t : g->tensors) {
    if (t.name != name) continue;
    const float* v = t.as<float>();
    const int64_t n = t.num_elements();
    std::vector<uint8_t> bytes;
    if (dtype == DType::kF16) {
      bytes.resize(n * 2);
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h = fp16_ieee_from_fp32_value(v[i]);
        std::memcpy(&bytes[2 * i], &h, 2);
      }
    } else {
      const int64_t channels = t.shape[0], inner = n / channels;
      t.quant.axis = 0;
      t.quant.scale.assign(channels, 0.f);
      t.quant.zero_point.assign(channels, 0);
      bytes.resize(n);
      for (int64_t ch = 0; ch < channels; ++ch) {
        float mx = 1e-6f;
        for (int64_t i = 0; i < inner; ++i) mx = std::max(mx, std::abs(v[ch * inner + i]));
        t.quant.scale[ch] = mx / 127.f;
        for (int64_t i = 0; i < inner; ++i)
          bytes[ch * inner + i] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(v[ch * inner + i] / t.quant.scale[ch])));
      }
    }
    auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    t.dtype = dtype;
    t.data = owned->data();
    t.data_bytes = owned->size();
    t.owned = std::move(owned);
    return;
  }
  ADD_FAILURE() << "no tensor " << name;
}

TEST(XnnpackParityTest, WeightsStoredAsF16AndI8AreDequantized) {
  // Mixed-precision files: f16 and per-channel i8 weights run as FP32 on XNNPACK.
  Graph g = MakeMbconvTestGraph(14, 11);
  StoreAs(&g, "expand.w", DType::kF16);
  StoreAs(&g, "dw.w", DType::kF16);
  StoreAs(&g, "project.w", DType::kI8);
  StoreAs(&g, "fc.w", DType::kI8);
  auto it = MakeInterpreter(g, "xnnpack");
  ASSERT_TRUE(it.ok()) << it.status();
  int f16 = 0, i8 = 0;  // the stored dtypes survive the file round trip
  for (const Tensor& t : (*it)->model().graph().tensors) {
    f16 += t.dtype == DType::kF16;
    i8 += t.dtype == DType::kI8;
  }
  EXPECT_EQ(f16, 2);
  EXPECT_EQ(i8, 2);
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, TwoOutputsOneAlsoReadInside) {
  // The stem output is a model output and also feeds the rest of the network.
  Graph g = MakeMbconvTestGraph(15, 10, 3);
  g.outputs.push_back(g.nodes[0].outputs[0]);
  ExpectXnnpackMatchesReference(g);
}

TEST(XnnpackParityTest, BoundaryTransposesRunOnTheHost) {
  // An imported model's NCHW input -> NHWC, convs, and NHWC -> NCHW at the output.
  Graph g;
  int32_t x = g.AddTensor("input_nchw", {1, 3, 10, 7});
  g.inputs = {x};
  Node t;
  t.type = OpType::kTranspose;
  t.inputs = {x};
  t.name = "to_nhwc";
  t.ints = {0, 2, 3, 1};
  int32_t y = Check(AddNode(&g, t, "nhwc"));
  ConvParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  y = Check(AddConv2D(&g, y, Constant(&g, "w", {5, 3, 3, 3}, 1, 0.5f), -1, p, Activation::kSwish, "conv"));
  t.inputs = {y};
  t.name = "to_nchw";
  t.ints = {0, 3, 1, 2};
  g.outputs = {Check(AddNode(&g, t, "output_nchw"))};
  ExpectXnnpackMatchesReference(g);
}

}  // namespace
}  // namespace scalert::testing
