#include "tools/quantize/lowering.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "kernels/reference/float_formats.h"
#include "runtime/dtype_rules.h"
#include "runtime/status_macros.h"
#include "runtime/validate.h"
#include "runtime/weights.h"
#include "tools/quantize/half_scaling.h"

namespace scalert::quantize {
namespace {

DType ActivationDType(Precision p) {
  switch (p) {
    case Precision::kI8: return DType::kI8;
    case Precision::kF16: return DType::kF16;
    case Precision::kBF16: return DType::kBF16;
    default: return DType::kF32;
  }
}

const char* Suffix(DType d) { return DTypeName(d); }

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// Narrows a float constant times 2^exponent (FP16 range scaling, exact) to f16 / bf16.
absl::StatusOr<int32_t> NarrowConstant(Graph* g, int32_t t, DType d, int exponent) {
  const std::vector<float> v = ConstantAsF32(g->tensors[t]);
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const float x = std::ldexp(v[i], exponent);
    h[i] = d == DType::kF16 ? ref::F32ToF16(x) : ref::F32ToBf16(x);
    if (std::isfinite(x) && !std::isfinite(d == DType::kF16 ? ref::F16ToF32(h[i]) : ref::Bf16ToF32(h[i])))
      return absl::InvalidArgumentError(absl::StrCat(g->tensors[t].name, " overflows ", Suffix(d), " (value ", x, ")"));
  }
  return g->AddConstant(absl::StrCat(g->tensors[t].name, ".", Suffix(d)), g->tensors[t].shape, d, Bytes(h));
}

// A float constant times 2^exponent, still f32.
int32_t ScaledConstant(Graph* g, int32_t t, int exponent) {
  std::vector<float> v = ConstantAsF32(g->tensors[t]);
  for (float& x : v) x = std::ldexp(x, exponent);
  return g->AddConstantF32(absl::StrCat(g->tensors[t].name, ".x2^", exponent), g->tensors[t].shape, v);
}

// Symmetric INT8 weights, one scale per slice along `axis`.
int32_t QuantizeWeights(Graph* g, int32_t t, int32_t axis) {
  const Tensor& w = g->tensors[t];
  const std::vector<float> v = ConstantAsF32(w);
  const int32_t channels = w.shape[axis];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
  std::vector<float> absmax(channels, 0.f);
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    absmax[c] = std::max(absmax[c], std::abs(v[i]));
  }
  Quantization q;
  q.axis = axis;
  for (float m : absmax) {
    q.scale.push_back(m > 0 ? m / 127.f : 1.f);
    q.zero_point.push_back(0);
  }
  std::vector<int8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % channels;
    out[i] = static_cast<int8_t>(std::clamp(std::nearbyint(v[i] / q.scale[c]), -127.f, 127.f));
  }
  const int32_t r = g->AddConstant(absl::StrCat(w.name, ".i8"), w.shape, DType::kI8, Bytes(out));
  g->tensors[r].quant = q;
  return r;
}

// The i32 bias of an INT8 layer: scale input_scale * weight_scale[c].
int32_t QuantizeBias(Graph* g, int32_t t, float in_scale, const Quantization& wq) {
  const std::vector<float> v = ConstantAsF32(g->tensors[t]);
  std::vector<int32_t> out(v.size());
  constexpr double kLimit = 1 << 30;  // leaves the accumulator room for the products
  for (size_t c = 0; c < v.size(); ++c) {
    const double s = static_cast<double>(in_scale) * wq.scale[wq.scale.size() == 1 ? 0 : c];
    out[c] = static_cast<int32_t>(std::clamp(std::nearbyint(v[c] / s), -kLimit, kLimit));
  }
  return g->AddConstant(absl::StrCat(g->tensors[t].name, ".i32"), g->tensors[t].shape, DType::kI32, Bytes(out));
}

// A constant operand of an INT8 Add/Mul: per-tensor INT8 over its own range.
int32_t QuantizeOperand(Graph* g, int32_t t) {
  const std::vector<float> v = ConstantAsF32(g->tensors[t]);
  Range r;
  for (float x : v) { r.lo = std::min(r.lo, x); r.hi = std::max(r.hi, x); }
  const Quantization q = ActivationQuantization(r);
  std::vector<int8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<int8_t>(std::clamp(std::nearbyint(v[i] / q.scale[0]) + static_cast<float>(q.zero_point[0]), -128.f, 127.f));
  const int32_t c = g->AddConstant(absl::StrCat(g->tensors[t].name, ".i8"), g->tensors[t].shape, DType::kI8, Bytes(out));
  g->tensors[c].quant = q;
  return c;
}

class Lowering {
 public:
  Lowering(const Graph& src, const std::vector<Precision>& precision, const Ranges& ranges, const Ranges& pre_activation,
           const std::vector<bool>& bf16_weights)
      : src_(src), precision_(precision), ranges_(ranges), half_(HalfExponents(src, precision, ranges, pre_activation)),
        bf16_weights_(bf16_weights) {}

  absl::StatusOr<Graph> Run() {
    g_.tensors = src_.tensors;
    g_.inputs = src_.inputs;
    g_.metadata = src_.metadata;
    for (size_t i = 0; i < src_.nodes.size(); ++i) RETURN_IF_ERROR(LowerNode(i));
    for (int32_t t : src_.outputs) {
      if (g_.tensors[t].dtype == DType::kF32) { g_.outputs.push_back(t); continue; }
      // The f32 copy takes the output's name, so apps see the same output.
      ASSIGN_OR_RETURN(int32_t f, Converted(t, DType::kF32));
      std::swap(g_.tensors[t].name, g_.tensors[f].name);
      g_.outputs.push_back(f);
    }
    PruneUnusedTensors();
    RETURN_IF_ERROR(ValidateGraph(&g_));
    return std::move(g_);
  }

 private:
  absl::StatusOr<Quantization> ParamsOf(int32_t t) const {
    if (t >= static_cast<int32_t>(ranges_.size()) || !ranges_[t])
      return absl::InvalidArgumentError(absl::StrCat(src_.TensorLabel(t), " has no calibration range"));
    return ActivationQuantization(*ranges_[t]);
  }

  // The exponent of tensor t's FP16 form (half_scaling.h); 0 for tensors the lowering made.
  int Exponent(int32_t t) const { return t < static_cast<int32_t>(half_.exponent.size()) ? half_.exponent[t] : 0; }

  // Tensor t as dtype d: itself, or a converted copy made once and shared by all readers. A
  // scaled FP16 form meets other precisions through f32 and a multiply by its power of two.
  absl::StatusOr<int32_t> Converted(int32_t t, DType d) {
    const DType from = g_.tensors[t].dtype;
    if (from == d) return t;
    auto key = std::make_pair(t, d);
    if (auto it = converted_.find(key); it != converted_.end()) return it->second;
    const int e = Exponent(t);
    const bool scaled = e != 0 && (from == DType::kF16 || d == DType::kF16);
    int32_t src = t;
    if ((from != DType::kI8 && d != DType::kI8 && DTypeSize(from) == DTypeSize(d)) ||
        (scaled && from != DType::kF32 && d != DType::kF32)) {
      ASSIGN_OR_RETURN(src, Converted(t, DType::kF32));  // f16 <-> bf16 and scaled f16 go through f32
    }
    const std::string name = g_.tensors[t].name;  // a copy: adding tensors moves them
    int32_t out;
    if (scaled && d == DType::kF16) {
      ASSIGN_OR_RETURN(out, Convert(Scale(src, e, absl::StrCat(name, ".x2^", e)), d, t, name));
    } else if (scaled && from == DType::kF16 && d == DType::kF32) {
      ASSIGN_OR_RETURN(const int32_t stored, Convert(t, d, t, absl::StrCat(name, ".stored")));
      out = Scale(stored, -e, absl::StrCat(name, ".", Suffix(d)));
    } else {
      ASSIGN_OR_RETURN(out, Convert(src, d, t, name));
    }
    converted_[key] = out;
    return out;
  }

  // One Quantize / Dequantize of `src` to d, named `<label>.<d>`; `t` gives the INT8 parameters.
  absl::StatusOr<int32_t> Convert(int32_t src, DType d, int32_t t, const std::string& label) {
    const DType sd = g_.tensors[src].dtype;
    const int32_t out = g_.AddTensor(absl::StrCat(label, ".", Suffix(d)), g_.tensors[src].shape, d);
    if (d == DType::kI8) {
      ASSIGN_OR_RETURN(g_.tensors[out].quant, ParamsOf(t));
    }
    Node n;
    const bool narrower = d == DType::kI8 || (sd != DType::kI8 && DTypeSize(d) < DTypeSize(sd));
    n.type = narrower ? OpType::kQuantize : OpType::kDequantize;
    n.name = absl::StrCat(label, ".to_", Suffix(d));
    n.inputs = {src};
    n.outputs = {out};
    g_.nodes.push_back(std::move(n));
    return out;
  }

  // f32 tensor `src` times 2^e (exact), a Mul by a one-element constant, named `name`.
  int32_t Scale(int32_t src, int e, const std::string& name) {
    const int32_t factor = g_.AddConstantF32(name + ".factor", {1}, {std::ldexp(1.f, e)});
    const int32_t out = g_.AddTensor(name, g_.tensors[src].shape, DType::kF32);
    Node n;
    n.type = OpType::kMul;
    n.name = name;
    n.inputs = {src, factor};
    n.outputs = {out};
    g_.nodes.push_back(std::move(n));
    return out;
  }

  absl::Status LowerNode(size_t i) {
    Node n = src_.nodes[i];
    const Precision p = precision_[i];
    const DType d = ActivationDType(p);
    // FP16 range scaling: stored output = real * 2^e_out (half_scaling.h).
    const int e_out = p == Precision::kF16 ? Exponent(n.outputs[0]) : 0;
    const int e_in = p == Precision::kF16 && n.inputs[0] >= 0 ? Exponent(n.inputs[0]) : 0;
    // A scaled swish in its linear regime lowers as x/2: the half goes into the constants.
    const bool halved = e_out != 0 && half_.halved[n.outputs[0]];
    const int e_constants = halved ? e_out - 1 : e_out;
    if (halved) n.activation = Activation::kNone;
    if (e_out != 0) {
      if (n.activation == Activation::kRelu6) n.activation = Activation::kRelu;  // the bound is far away
      if (n.type == OpType::kRelu6) n.type = OpType::kRelu;
      n.min = std::ldexp(n.min, e_out);
      n.max = std::ldexp(n.max, e_out);
    }
    const bool weighted = n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D ||
                          n.type == OpType::kFullyConnected;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      const int32_t t = n.inputs[j];
      if (t < 0) continue;
      if (!g_.tensors[t].is_constant()) {
        ASSIGN_OR_RETURN(n.inputs[j], Converted(t, d));
        continue;
      }
      if (p == Precision::kF32) {
        if (weighted && j == 1 && i < bf16_weights_.size() && bf16_weights_[i]) {
          ASSIGN_OR_RETURN(n.inputs[j], NarrowConstant(&g_, t, DType::kBF16, 0));
        }
        continue;
      }
      if (weighted && j == 1) {
        // BF16 depthwise kernels multiply in FP32 (no dot-product instruction pairs a channel's
        // taps): BF16 weights would only lose precision (MobileNetV2 +1.1 dB on peer-bench's inputs).
        if (p == Precision::kBF16 && n.type == OpType::kDepthwiseConv2D) continue;
        if (p == Precision::kI8) {
          n.inputs[j] = QuantizeWeights(&g_, t, WeightChannelAxis(n.type));
        } else {
          ASSIGN_OR_RETURN(n.inputs[j], NarrowConstant(&g_, t, d, e_constants - e_in));
        }
      } else if (weighted && j == 2) {
        if (p == Precision::kI8) {
          const float in_scale = g_.tensors[n.inputs[0]].quant.scale[0];
          n.inputs[j] = QuantizeBias(&g_, t, in_scale, g_.tensors[n.inputs[1]].quant);
        } else if (e_constants != 0) {
          n.inputs[j] = ScaledConstant(&g_, t, e_constants);
        }  // float biases stay f32: a few bytes, full precision
      } else if (p == Precision::kI8) {
        n.inputs[j] = QuantizeOperand(&g_, t);
      }
    }
    for (int32_t o : n.outputs) {
      Tensor& y = g_.tensors[o];
      y.dtype = d;
      if (d != DType::kI8) continue;
      if (n.type == OpType::kReshape || n.type == OpType::kTranspose) {
        y.quant = g_.tensors[n.inputs[0]].quant;
      } else {
        ASSIGN_OR_RETURN(y.quant, ParamsOf(o));
      }
    }
    g_.nodes.push_back(std::move(n));
    return absl::OkStatus();
  }

  // Drops tensors nothing reads or writes any more (the FP32 weights that were replaced).
  void PruneUnusedTensors() {
    std::vector<int32_t> remap(g_.tensors.size(), -1);
    auto use = [&](int32_t t) { if (t >= 0) remap[t] = 0; };
    for (const Node& n : g_.nodes) {
      for (int32_t t : n.inputs) use(t);
      for (int32_t t : n.outputs) use(t);
    }
    for (int32_t t : g_.inputs) use(t);
    for (int32_t t : g_.outputs) use(t);
    std::vector<Tensor> kept;
    for (size_t t = 0; t < g_.tensors.size(); ++t)
      if (remap[t] == 0) {
        remap[t] = static_cast<int32_t>(kept.size());
        kept.push_back(std::move(g_.tensors[t]));
      }
    g_.tensors = std::move(kept);
    auto apply = [&](std::vector<int32_t>& v) { for (int32_t& t : v) if (t >= 0) t = remap[t]; };
    for (Node& n : g_.nodes) { apply(n.inputs); apply(n.outputs); }
    apply(g_.inputs);
    apply(g_.outputs);
  }

  const Graph& src_;
  const std::vector<Precision>& precision_;
  const Ranges& ranges_;
  const HalfScaling half_;  // per tensor of src_: its FP16 form's power of two
  const std::vector<bool>& bf16_weights_;  // per node of src_: fp32 activations, bf16 weights
  Graph g_;
  std::map<std::pair<int32_t, DType>, int32_t> converted_;
};

}  // namespace

Graph SplitActivations(const Graph& src) {
  Graph g = src;
  g.nodes.clear();
  for (const Node& node : src.nodes) {
    Node n = node;
    OpType act;
    switch (n.activation) {
      case Activation::kSigmoid: act = OpType::kSigmoid; break;
      case Activation::kHardSigmoid: act = OpType::kHardSigmoid; break;
      case Activation::kSwish: act = OpType::kSwish; break;
      case Activation::kHardSwish: act = OpType::kHardSwish; break;
      default: g.nodes.push_back(std::move(n)); continue;
    }
    const int32_t out = n.outputs[0];
    const int32_t pre = g.AddTensor(absl::StrCat(g.tensors[out].name, ".pre"), g.tensors[out].shape);
    n.outputs = {pre};
    n.activation = Activation::kNone;
    Node a;
    a.type = act;
    a.name = absl::StrCat(n.name, ".act");
    a.inputs = {pre};
    a.outputs = {out};
    a.alpha = 1.f / 6;  // the fused hard sigmoid is PyTorch's x/6 + 1/2 (kernels/activation.h)
    a.beta = 0.5f;
    g.nodes.push_back(std::move(n));
    g.nodes.push_back(std::move(a));
  }
  return g;
}

namespace {

// Keeps only the tensors a node, a graph input or a graph output uses, renumbering the rest.
void DropUnusedTensors(Graph* g) {
  std::vector<bool> used(g->tensors.size(), false);
  for (const Node& n : g->nodes) {
    for (int32_t t : n.inputs)
      if (t >= 0) used[t] = true;
    for (int32_t t : n.outputs) used[t] = true;
  }
  for (int32_t t : g->inputs) used[t] = true;
  for (int32_t t : g->outputs) used[t] = true;
  std::vector<int32_t> remap(g->tensors.size(), -1);
  std::vector<Tensor> kept;
  for (size_t t = 0; t < g->tensors.size(); ++t)
    if (used[t]) {
      remap[t] = static_cast<int32_t>(kept.size());
      kept.push_back(std::move(g->tensors[t]));
    }
  auto fix = [&remap](std::vector<int32_t>* v) {
    for (int32_t& t : *v)
      if (t >= 0) t = remap[t];
  };
  for (Node& n : g->nodes) {
    fix(&n.inputs);
    fix(&n.outputs);
  }
  fix(&g->inputs);
  fix(&g->outputs);
  g->tensors = std::move(kept);
}

std::optional<Activation> FusedActivationOf(OpType t) {
  switch (t) {
    case OpType::kSigmoid: return Activation::kSigmoid;
    case OpType::kHardSigmoid: return Activation::kHardSigmoid;
    case OpType::kSwish: return Activation::kSwish;
    case OpType::kHardSwish: return Activation::kHardSwish;
    default: return std::nullopt;
  }
}

}  // namespace

TensorUses UsesOf(const Graph& g) {
  TensorUses u;
  u.producer.assign(g.tensors.size(), -1);
  u.readers.assign(g.tensors.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int32_t t : g.nodes[i].inputs)
      if (t >= 0) ++u.readers[t];
    for (int32_t t : g.nodes[i].outputs) u.producer[t] = static_cast<int32_t>(i);
  }
  for (int32_t t : g.outputs) ++u.readers[t];
  return u;
}

Graph RejoinActivations(const Graph& lowered) {
  Graph g = lowered;
  TensorUses uses = UsesOf(g);
  std::vector<int32_t>& producer = uses.producer;
  const std::vector<int32_t>& readers = uses.readers;
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    const std::optional<Activation> act = FusedActivationOf(a.type);
    if (!act || a.inputs.size() != 1 || a.outputs.size() != 1) continue;
    const int32_t pre = a.inputs[0], out = a.outputs[0];
    if (producer[pre] < 0 || readers[pre] != 1) continue;
    Node& layer = g.nodes[producer[pre]];
    const DType d = g.tensors[pre].dtype;
    if (a.name != layer.name + ".act" || layer.activation != Activation::kNone || layer.outputs.size() != 1 ||
        d == DType::kI8 || g.tensors[out].dtype != d || !g.tensors[out].quant.empty())
      continue;
    layer.activation = *act;
    layer.outputs = {out};
    producer[out] = producer[pre];
    dead[i] = true;
  }
  std::vector<Node> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead[i]) nodes.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(nodes);
  DropUnusedTensors(&g);
  return g;
}

Quantization ActivationQuantization(Range r) {
  const double lo = std::min(0.f, r.lo), hi = std::max(0.f, r.hi);
  // The floor only keeps a constant-zero tensor's scale positive: random-weight networks carry
  // activations near 1e-14 (1e-8 rounded their logits to zero), and 1e-24 times a weight scale
  // stays a normal float in the requantization factors.
  const double scale = std::max((hi - lo) / 255.0, 1e-24);
  Quantization q;
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {static_cast<int64_t>(std::clamp(std::nearbyint(-128.0 - lo / scale), -128.0, 127.0))};
  return q;
}

absl::StatusOr<Graph> LowerGraph(const Graph& g, const std::vector<Precision>& precision, const Ranges& ranges,
                                 const Ranges& pre_activation, const std::vector<bool>& bf16_weights) {
  if (precision.size() != g.nodes.size())
    return absl::InvalidArgumentError("one precision per operator is needed");
  return Lowering(g, precision, ranges, pre_activation, bf16_weights).Run();
}

}  // namespace scalert::quantize
