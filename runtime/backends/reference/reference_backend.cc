#include "runtime/backends/reference/reference_backend.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/float_formats.h"
#include "kernels/reference/quantized.h"
#include "runtime/dtype_rules.h"
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

absl::StatusOr<PreparedStep> MakeF32Step(const Graph& g, size_t index, const TensorPointers& p) {
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
    case OpType::kQuantize:
    case OpType::kDequantize:
      break;  // MakeConvertStep
    case OpType::kFusedMbconv: break;  // internal to the native backend: never reaches this one
  }
  return absl::InvalidArgumentError(absl::StrCat(g.NodeLabel(index), ": unknown operator"));
}

// Reads n values of a float dtype as f32 / writes f32 values rounded to a float dtype.
void LoadF32(DType d, const void* src, float* dst, int64_t n) {
  const uint16_t* h = static_cast<const uint16_t*>(src);
  switch (d) {
    case DType::kF16: for (int64_t i = 0; i < n; ++i) dst[i] = ref::F16ToF32(h[i]); break;
    case DType::kBF16: for (int64_t i = 0; i < n; ++i) dst[i] = ref::Bf16ToF32(h[i]); break;
    default: std::copy(static_cast<const float*>(src), static_cast<const float*>(src) + n, dst); break;
  }
}
void StoreF32(DType d, const float* src, void* dst, int64_t n) {
  uint16_t* h = static_cast<uint16_t*>(dst);
  switch (d) {
    case DType::kF16: for (int64_t i = 0; i < n; ++i) h[i] = ref::F32ToF16(src[i]); break;
    case DType::kBF16: for (int64_t i = 0; i < n; ++i) h[i] = ref::F32ToBf16(src[i]); break;
    default: std::copy(src, src + n, static_cast<float*>(dst)); break;
  }
}

// Quantize / Dequantize between any two dtypes the validator allows (dtype_rules.cc). Float to
// float rounds once; i8 goes through f32.
absl::StatusOr<PreparedStep> MakeConvertStep(const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const Tensor& x = g.tensors[n.inputs[0]];
  const Tensor& y = g.tensors[n.outputs[0]];
  const int64_t count = y.num_elements();
  const void* in = p.get<void>(n.inputs[0]);
  void* out = p.get<void>(n.outputs[0]);
  const DType xd = x.dtype, yd = y.dtype;
  const std::string kernel = absl::StrCat(OpTypeName(n.type), "_", DTypeName(xd), "_", DTypeName(yd), "_reference");
  auto scratch = std::make_shared<std::vector<float>>(xd == DType::kF32 || yd == DType::kF32 ? 0 : count);
  if (yd == DType::kI8) {
    const ref::QParams q = QParamsOf(y);
    return PreparedStep{[=] {
      const float* f = static_cast<const float*>(in);
      if (xd != DType::kF32) { LoadF32(xd, in, scratch->data(), count); f = scratch->data(); }
      ref::Quantize(count, f, static_cast<int8_t*>(out), q.scale, q.zero_point);
    }, kernel};
  }
  if (xd == DType::kI8) {
    const ref::QParams q = QParamsOf(x);
    return PreparedStep{[=] {
      float* f = yd == DType::kF32 ? static_cast<float*>(out) : scratch->data();
      ref::Dequantize(count, static_cast<const int8_t*>(in), f, q.scale, q.zero_point);
      if (yd != DType::kF32) StoreF32(yd, f, out, count);
    }, kernel};
  }
  return PreparedStep{[=] {
    if (yd == DType::kF32) { LoadF32(xd, in, static_cast<float*>(out), count); return; }
    const float* f = static_cast<const float*>(in);
    if (xd != DType::kF32) { LoadF32(xd, in, scratch->data(), count); f = scratch->data(); }
    StoreF32(yd, f, out, count);
  }, kernel};
}

// FP16 / BF16 layers compute in f32 and round at tensor boundaries: the f32 step runs on f32
// copies of the activations (buffers made here, at Prepare), and its result is rounded into the
// output's dtype.
absl::StatusOr<PreparedStep> MakeLowFloatStep(const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  struct Shadow {
    DType dtype;
    const uint8_t* in = nullptr;
    uint8_t* out = nullptr;
    int64_t count;
    std::shared_ptr<std::vector<float>> f32;
  };
  TensorPointers shadowed = p;
  std::vector<Shadow> inputs, outputs;
  auto shadow = [&](int32_t t) {
    const Tensor& x = g.tensors[t];
    Shadow sh{x.dtype, p.ptr[t], p.ptr[t], x.num_elements(), std::make_shared<std::vector<float>>(x.num_elements())};
    shadowed.ptr[t] = reinterpret_cast<uint8_t*>(sh.f32->data());
    return sh;
  };
  for (int32_t t : n.inputs)
    if (t >= 0 && !g.tensors[t].is_constant() && g.tensors[t].dtype != DType::kF32) inputs.push_back(shadow(t));
  for (int32_t t : n.outputs) outputs.push_back(shadow(t));
  ASSIGN_OR_RETURN(PreparedStep f32, MakeF32Step(g, index, shadowed));
  const DType d = g.tensors[n.inputs[0]].dtype;
  const std::string kernel = absl::StrCat(OpTypeName(n.type), "_", DTypeName(d), "_reference");
  return PreparedStep{[inputs, outputs, run = std::move(f32.run)] {
    for (const Shadow& s : inputs) LoadF32(s.dtype, s.in, s.f32->data(), s.count);
    run();
    for (const Shadow& s : outputs) StoreF32(s.dtype, s.f32->data(), s.out, s.count);
  }, kernel};
}

// INT8 layers: the arithmetic of kernels/reference/quantized.h; scales, bounds and tables are
// computed here, once.
absl::StatusOr<PreparedStep> MakeInt8Step(const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const std::string kernel = absl::StrCat(OpTypeName(n.type), "_s8_reference");
  const Tensor& x = g.tensors[n.inputs[0]];
  const Tensor& y = g.tensors[n.outputs[0]];
  const int64_t count = y.num_elements();
  const int8_t* in = p.get<int8_t>(n.inputs[0]);
  int8_t* out = p.get<int8_t>(n.outputs[0]);
  const ref::QParams xq = QParamsOf(x), yq = QParamsOf(y);
  const ref::Int8Bounds bounds = ref::FusedBounds(n.activation, yq);
  if (auto table = std::make_shared<ref::Int8Table>(); Int8UnaryTable(g, n, table.get()))
    return PreparedStep{[=] { ref::TableLookupS8(count, in, *table, out); },
                        absl::StrCat(OpTypeName(n.type), "_s8_table_reference")};
  switch (n.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kFullyConnected: {
      const Tensor& w = g.tensors[n.inputs[1]];
      const int32_t out_c = y.shape.back();
      auto m = std::make_shared<std::vector<float>>(out_c);
      for (int32_t c = 0; c < out_c; ++c)
        (*m)[c] = ref::RequantScale(xq.scale, w.quant.scale[w.quant.scale.size() == 1 ? 0 : c], yq.scale);
      const int8_t* wd = w.as<int8_t>();
      const int32_t* bias = n.inputs.size() > 2 && n.inputs[2] >= 0 ? g.tensors[n.inputs[2]].as<int32_t>() : nullptr;
      if (n.type == OpType::kFullyConnected) {
        const int32_t batch = y.shape[0], in_c = w.shape[1];
        return PreparedStep{[=] { ref::FullyConnectedS8(batch, in_c, out_c, in, xq.zero_point, wd, bias, m->data(), yq, bounds, out); }, kernel};
      }
      const ref::ConvGeometry geo = ConvGeometryOf(g, n);
      if (n.type == OpType::kConv2D)
        return PreparedStep{[=] { ref::Conv2DS8(geo, in, xq.zero_point, wd, bias, m->data(), yq, bounds, out); }, kernel};
      return PreparedStep{[=] { ref::DepthwiseConv2DS8(geo, in, xq.zero_point, wd, bias, m->data(), yq, bounds, out); }, kernel};
    }
    case OpType::kGlobalAveragePool: {
      const Shape& xs = x.shape;
      return PreparedStep{[=] { ref::GlobalAveragePoolS8(xs[0], xs[1], xs[2], xs[3], in, xq, yq, out); }, kernel};
    }
    case OpType::kAdd:
    case OpType::kMul: {
      const Tensor& b = g.tensors[n.inputs[1]];
      const int8_t* bd = p.get<int8_t>(n.inputs[1]);
      const ref::QParams bq = QParamsOf(b);
      const ref::BinaryOp op = n.type == OpType::kAdd ? ref::BinaryOp::kAdd : ref::BinaryOp::kMul;
      Shape as = x.shape, bs = b.shape, ys = y.shape;
      return PreparedStep{[=] { ref::BinaryS8(op, as, in, xq, bs, bd, bq, ys, out, yq, bounds); }, kernel};
    }
    case OpType::kReshape:
      return PreparedStep{[=] { std::copy(in, in + count, out); }, kernel};
    case OpType::kTranspose: {
      Shape xs = x.shape, perm = n.ints;
      return PreparedStep{[=] { ref::Transpose(xs, perm, in, out); }, kernel};
    }
    default: break;
  }
  return absl::UnimplementedError(absl::StrCat(g.NodeLabel(index), ": no i8 reference kernel"));
}

absl::StatusOr<PreparedStep> MakeReferenceStep(const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  if (n.type == OpType::kQuantize || n.type == OpType::kDequantize) return MakeConvertStep(g, index, p);
  switch (g.tensors[n.inputs[0]].dtype) {
    case DType::kI8: return MakeInt8Step(g, index, p);
    case DType::kF16:
    case DType::kBF16: return MakeLowFloatStep(g, index, p);
    default: return MakeF32Step(g, index, p);
  }
}

}  // namespace

ref::QParams QParamsOf(const Tensor& t) {
  ref::QParams q;
  q.scale = t.quant.scale.empty() ? 1.f : t.quant.scale[0];
  q.zero_point = t.quant.zero_point.empty() ? 0 : static_cast<int32_t>(t.quant.zero_point[0]);
  return q;
}

bool Int8UnaryTable(const Graph& g, const Node& n, ref::Int8Table* table) {
  std::function<float(float)> f;
  switch (n.type) {
    case OpType::kRelu: f = [](float v) { return ApplyActivation(v, Activation::kRelu); }; break;
    case OpType::kRelu6: f = [](float v) { return ApplyActivation(v, Activation::kRelu6); }; break;
    case OpType::kSigmoid: f = [](float v) { return ApplyActivation(v, Activation::kSigmoid); }; break;
    case OpType::kSwish: f = [](float v) { return ApplyActivation(v, Activation::kSwish); }; break;
    case OpType::kHardSwish: f = [](float v) { return ApplyActivation(v, Activation::kHardSwish); }; break;
    case OpType::kHardSigmoid: {
      const float alpha = n.alpha, beta = n.beta;
      f = [=](float v) { return std::min(std::max(alpha * v + beta, 0.f), 1.f); };
      break;
    }
    case OpType::kClamp: {
      const float lo = n.min, hi = n.max;
      f = [=](float v) { return std::min(std::max(v, lo), hi); };
      break;
    }
    default: return false;
  }
  *table = ref::LookupTable(f, QParamsOf(g.tensors[n.inputs[0]]), QParamsOf(g.tensors[n.outputs[0]]));
  return true;
}

absl::StatusOr<PreparedStep> ReferenceStep(const Graph& g, size_t index, const TensorPointers& tensors) {
  return MakeReferenceStep(g, index, tensors);
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareReference(const Graph& g, const BackendOptions& options) {
  BackendOptions o = options;
  // The oracle computes a model as its file says: an FP32 file in FP32 whatever is asked (the
  // effective precision tells), a lowered file at the precision of its layers.
  o.precision = GraphPrecision(g);
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
  if (n.conv.input_nchw) { geo.in_c = x[1]; geo.in_h = x[2]; geo.in_w = x[3]; }
  geo.out_h = y[1]; geo.out_w = y[2]; geo.out_c = y[3];
  geo.kernel_h = w[1]; geo.kernel_w = w[2];
  geo.stride_h = n.conv.stride_h; geo.stride_w = n.conv.stride_w;
  geo.dilation_h = n.conv.dilation_h; geo.dilation_w = n.conv.dilation_w;
  geo.pad_top = n.conv.pad_top; geo.pad_left = n.conv.pad_left;
  geo.depth_multiplier = n.conv.depth_multiplier;
  return geo;
}

}  // namespace scalert
