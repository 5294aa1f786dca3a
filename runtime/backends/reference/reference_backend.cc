#include "runtime/backends/reference/reference_backend.h"

#include "absl/strings/str_cat.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"
#include "runtime/planned_executable.h"
#include "runtime/weights.h"

namespace scalert {
namespace {


// Constant input as FP32 kept alive by the step (f32 constants are used in place).
struct F32Constant {
  std::shared_ptr<std::vector<float>> converted;
  const float* data = nullptr;
};
F32Constant AsF32(const Graph& g, int32_t t, const TensorPointers& p) {
  F32Constant c;
  if (t < 0) return c;
  if (!g.tensors[t].is_constant() || g.tensors[t].dtype == DType::kF32) {
    c.data = p.get<float>(t);
    return c;
  }
  c.converted = std::make_shared<std::vector<float>>(ConstantAsF32(g.tensors[t]));
  c.data = c.converted->data();
  return c;
}

absl::StatusOr<PreparedStep> MakeReferenceStep(const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  std::string kernel = absl::StrCat(OpTypeName(n.type), "_f32_reference");
  const Tensor& y = g.tensors[n.outputs[0]];
  float* out = p.get<float>(n.outputs[0]);
  const int64_t count = y.num_elements();
  for (int32_t t : n.inputs)
    if (t >= 0 && g.tensors[t].dtype == DType::kI32)
      return absl::UnimplementedError(absl::StrCat(g.NodeLabel(index), ": ", g.TensorLabel(t),
                                                   " is i32, which only integer kernels accept"));
  switch (n.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D: {
      ref::ConvGeometry geo = ConvGeometryOf(g, n);
      const float* x = p.get<float>(n.inputs[0]);
      F32Constant w = AsF32(g, n.inputs[1], p);
      F32Constant b = AsF32(g, n.inputs.size() > 2 ? n.inputs[2] : -1, p);
      Activation act = n.activation;
      if (n.type == OpType::kConv2D)
        return PreparedStep{[=] { ref::Conv2D(geo, x, w.data, b.data, out, act); }, kernel};
      return PreparedStep{[=] { ref::DepthwiseConv2D(geo, x, w.data, b.data, out, act); }, kernel};
    }
    case OpType::kFullyConnected: {
      const Shape& ws = g.tensors[n.inputs[1]].shape;
      const float* x = p.get<float>(n.inputs[0]);
      F32Constant w = AsF32(g, n.inputs[1], p);
      F32Constant b = AsF32(g, n.inputs.size() > 2 ? n.inputs[2] : -1, p);
      int32_t batch = y.shape[0], in_c = ws[1], out_c = ws[0];
      Activation act = n.activation;
      return PreparedStep{[=] { ref::FullyConnected(batch, in_c, out_c, x, w.data, b.data, out, act); }, kernel};
    }
    case OpType::kGlobalAveragePool: {
      const Shape& x = g.tensors[n.inputs[0]].shape;
      const float* in = p.get<float>(n.inputs[0]);
      return PreparedStep{[=] { ref::GlobalAveragePool(x[0], x[1], x[2], x[3], in, out); }, kernel};
    }
    case OpType::kAdd:
    case OpType::kMul: {
      F32Constant a = AsF32(g, n.inputs[0], p), b = AsF32(g, n.inputs[1], p);
      Shape as = g.tensors[n.inputs[0]].shape, bs = g.tensors[n.inputs[1]].shape, ys = y.shape;
      ref::BinaryOp op = n.type == OpType::kAdd ? ref::BinaryOp::kAdd : ref::BinaryOp::kMul;
      Activation act = n.activation;
      return PreparedStep{[=] { ref::Binary(op, as, a.data, bs, b.data, ys, out, act); }, kernel};
    }
    case OpType::kRelu: case OpType::kRelu6: case OpType::kSigmoid: case OpType::kSwish:
    case OpType::kHardSwish: {
      static const Activation kAct[] = {Activation::kRelu, Activation::kRelu6, Activation::kSigmoid,
                                        Activation::kHardSigmoid, Activation::kSwish, Activation::kHardSwish};
      Activation act = kAct[static_cast<int>(n.type) - static_cast<int>(OpType::kRelu)];
      const float* in = p.get<float>(n.inputs[0]);
      return PreparedStep{[=] { ref::Unary(count, in, out, act); }, kernel};
    }
    case OpType::kHardSigmoid: {
      const float* in = p.get<float>(n.inputs[0]);
      float alpha = n.alpha, beta = n.beta;
      return PreparedStep{[=] { ref::HardSigmoid(count, in, out, alpha, beta); }, kernel};
    }
    case OpType::kClamp: {
      const float* in = p.get<float>(n.inputs[0]);
      float lo = n.min, hi = n.max;
      return PreparedStep{[=] { ref::Clamp(count, in, out, lo, hi); }, kernel};
    }
    case OpType::kReshape: {
      const float* in = p.get<float>(n.inputs[0]);
      return PreparedStep{[=] { std::copy(in, in + count, out); }, kernel};
    }
    case OpType::kSoftmax: {
      const float* in = p.get<float>(n.inputs[0]);
      int32_t c = y.shape.back();
      float beta = n.softmax_beta;
      return PreparedStep{[=] { ref::Softmax(count / c, c, in, out, beta); }, kernel};
    }
    case OpType::kTranspose: {
      const float* in = p.get<float>(n.inputs[0]);
      Shape xs = g.tensors[n.inputs[0]].shape, perm = n.ints;
      return PreparedStep{[=] { ref::Transpose(xs, perm, in, out); }, kernel};
    }
    case OpType::kQuantize: {
      const float* in = p.get<float>(n.inputs[0]);
      int8_t* q = p.get<int8_t>(n.outputs[0]);
      float scale = y.quant.scale[0];
      int32_t zp = y.quant.zero_point.empty() ? 0 : static_cast<int32_t>(y.quant.zero_point[0]);
      return PreparedStep{[=] { ref::Quantize(count, in, q, scale, zp); }, kernel};
    }
    case OpType::kDequantize: {
      const Tensor& x = g.tensors[n.inputs[0]];
      const int8_t* in = p.get<int8_t>(n.inputs[0]);
      float scale = x.quant.scale[0];
      int32_t zp = x.quant.zero_point.empty() ? 0 : static_cast<int32_t>(x.quant.zero_point[0]);
      return PreparedStep{[=] { ref::Dequantize(count, in, out, scale, zp); }, kernel};
    }
    case OpType::kFusedMbconv: break;  // internal to the native backend: never reaches this one
  }
  return absl::InvalidArgumentError(absl::StrCat(g.NodeLabel(index), ": unknown operator"));
}

}  // namespace

absl::StatusOr<PreparedStep> ReferenceStep(const Graph& g, size_t index, const TensorPointers& tensors) {
  return MakeReferenceStep(g, index, tensors);
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareReference(const Graph& g, const BackendOptions& options) {
  BackendOptions o = options;
  o.precision = Precision::kF32;  // the oracle always computes in FP32
  auto e = PlannedExecutable::Create(g, o, MakeReferenceStep);
  if (!e.ok()) return e.status();
  return std::unique_ptr<Executable>(std::move(e).value());
}

ref::ConvGeometry ConvGeometryOf(const Graph& g, const Node& n) {
  const Shape& x = g.tensors[n.inputs[0]].shape;
  const Shape& w = g.tensors[n.inputs[1]].shape;
  const Shape& y = g.tensors[n.outputs[0]].shape;
  ref::ConvGeometry geo;
  geo.batch = x[0]; geo.in_h = x[1]; geo.in_w = x[2]; geo.in_c = x[3];
  geo.out_h = y[1]; geo.out_w = y[2]; geo.out_c = y[3];
  geo.kernel_h = w[1]; geo.kernel_w = w[2];
  geo.stride_h = n.conv.stride_h; geo.stride_w = n.conv.stride_w;
  geo.dilation_h = n.conv.dilation_h; geo.dilation_w = n.conv.dilation_w;
  geo.pad_top = n.conv.pad_top; geo.pad_left = n.conv.pad_left;
  geo.depth_multiplier = n.conv.depth_multiplier;
  return geo;
}

}  // namespace scalert
