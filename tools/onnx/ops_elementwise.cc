// Activations (fused into the conv / fully connected op before them when nothing else reads its
// output), Add / Mul with broadcasting, Softmax, and the ops that vanish at inference (Identity,
// Dropout).
#include <cmath>
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"
#include "runtime/shape_inference.h"
#include "runtime/status_macros.h"
#include "tools/onnx/ops.h"

namespace scalert::onnx_import {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

bool IsPyTorchHardSigmoid(float alpha, float beta) {
  return std::abs(alpha - 1.f / 6.f) < 1e-6f && beta == 0.5f;
}

// An elementwise op `op` (with params already set in `proto`), or the activation `fused` folded
// into the producer of input 0 when that is allowed (kNone: never fuse). Constant inputs fold
// through `host`.
absl::Status ActivationOp(ImportContext& ctx, Node proto, Activation fused, const std::function<float(float)>& host) {
  RETURN_IF_ERROR(ctx.OnlyOutputsUsed(1));
  ASSIGN_OR_RETURN(const Value* x, ctx.In(0));
  if (x->is_constant) {
    if (!x->constant.is_float) return ctx.Unsupported("integer input");
    Value c = *x;
    for (float& v : c.constant.f) v = host(v);
    ctx.SetOutput(0, std::move(c));
    return absl::OkStatus();
  }
  if (fused != Activation::kNone) {
    if (Node* producer = ctx.FusableProducer(0)) {
      producer->activation = fused;
      ++ctx.fused_activations;
      ctx.SetFusedOutput(*x);
      return absl::OkStatus();
    }
  }
  proto.name = ctx.OpName();
  proto.inputs = {x->tensor};
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(proto), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, x->nhwc, x->shape));
  return absl::OkStatus();
}

Node OpOfType(OpType t) {
  Node n;
  n.type = t;
  return n;
}

float HostSigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

// NumPy-broadcast a op b on the host (both constants).
HostTensor FoldBinary(const HostTensor& a, const HostTensor& b, const Dims& out, bool add) {
  HostTensor r;
  r.dims = out;
  const size_t rank = out.size();
  const int64_t n = NumElements(out);
  std::vector<float> af = a.AsFloats(), bf = b.AsFloats();
  r.f.resize(static_cast<size_t>(n));
  std::vector<int64_t> idx(rank, 0);
  for (int64_t o = 0; o < n; ++o) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t ra = static_cast<int64_t>(d) - static_cast<int64_t>(rank - a.dims.size());
      const int64_t rb = static_cast<int64_t>(d) - static_cast<int64_t>(rank - b.dims.size());
      if (ra >= 0) ia = ia * a.dims[ra] + (a.dims[ra] == 1 ? 0 : idx[d]);
      if (rb >= 0) ib = ib * b.dims[rb] + (b.dims[rb] == 1 ? 0 : idx[d]);
    }
    r.f[o] = add ? af[ia] + bf[ib] : af[ia] * bf[ib];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

// A constant operand as a graph constant: NCHW -> NHWC (after padding to rank 4) when the other
// operand is an NHWC activation.
int32_t ConstantOperand(ImportContext& ctx, const std::string& name, const HostTensor& c, bool nhwc) {
  std::vector<float> v = c.AsFloats();
  if (!nhwc) return ctx.AddConstant(name, ToShape(c.dims), v);
  Dims d(4 - c.dims.size(), 1);
  d.insert(d.end(), c.dims.begin(), c.dims.end());
  std::vector<float> t(v.size());
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t ch = 0; ch < d[1]; ++ch)
      for (int64_t y = 0; y < d[2]; ++y)
        for (int64_t x = 0; x < d[3]; ++x)
          t[((n * d[2] + y) * d[3] + x) * d[1] + ch] = v[((n * d[1] + ch) * d[2] + y) * d[3] + x];
  return ctx.AddConstant(name, {static_cast<int32_t>(d[0]), static_cast<int32_t>(d[2]), static_cast<int32_t>(d[3]),
                                static_cast<int32_t>(d[1])}, t);
}

// An activation operand in the layout the op runs in.
absl::StatusOr<int32_t> ActivationOperand(ImportContext& ctx, const Value& v, bool nhwc) {
  if (!nhwc) return ctx.PlainExact(v);
  if (v.nhwc) return v.tensor;
  if (v.shape.size() == 4) return ctx.Nhwc(v);
  // Lower rank: NumPy right-aligns it, so pad to [1.., dims] and convert that.
  Dims padded(4 - v.shape.size(), 1);
  padded.insert(padded.end(), v.shape.begin(), v.shape.end());
  ASSIGN_OR_RETURN(int32_t plain, ctx.PlainData(v));
  ASSIGN_OR_RETURN(int32_t r, ctx.Reshaped(plain, ToShape(padded)));
  return ctx.Nhwc(ctx.ActivationValue(r, false, padded));
}

// x * sigmoid(x) -> Swish, x * hardsigmoid(x) -> HardSwish (how SiLU and Hardswish export below
// opset 14); fused into the conv that makes x when x has no other reader.
absl::StatusOr<bool> TryGatedActivation(ImportContext& ctx, size_t xi, size_t gi) {
  const Value* x = ctx.FindValue(ctx.InName(xi));
  const Value* gate = ctx.FindValue(ctx.InName(gi));
  if (x->is_constant || gate->is_constant) return false;
  const std::string gname = ctx.Resolve(ctx.InName(gi));
  if (ctx.OriginOf(gate->tensor) != gname || ctx.Uses(gname) != 1) return false;
  if (x->shape != gate->shape || x->nhwc != gate->nhwc) return false;
  const int32_t p = ctx.ProducerOf(gate->tensor);
  if (p < 0) return false;
  const Node& gn = ctx.graph().nodes[p];
  if (gn.inputs.empty() || gn.inputs[0] != x->tensor) return false;
  Activation act;
  OpType op;
  if (gn.type == OpType::kSigmoid) {
    act = Activation::kSwish;
    op = OpType::kSwish;
  } else if (gn.type == OpType::kHardSigmoid && IsPyTorchHardSigmoid(gn.alpha, gn.beta)) {
    act = Activation::kHardSwish;
    op = OpType::kHardSwish;
  } else {
    return false;
  }
  ctx.KillNode(p);
  if (Node* producer = ctx.FusableProducer(xi, 2)) {
    producer->activation = act;
    ++ctx.fused_activations;
    ctx.SetFusedOutput(*x);
    return true;
  }
  Node n = OpOfType(op);
  n.name = ctx.OpName();
  n.inputs = {x->tensor};
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, x->nhwc, x->shape));
  return true;
}

// MatMul + Add(bias) -> FullyConnected with bias, when the constant is one value per output.
bool TryFoldBias(ImportContext& ctx, size_t ai, size_t ci, const Dims& out) {
  const Value* a = ctx.FindValue(ctx.InName(ai));
  const Value* c = ctx.FindValue(ctx.InName(ci));
  if (a->is_constant || !c->is_constant || !c->constant.is_float || out != a->shape) return false;
  Node* fc = ctx.FusableProducer(ai);
  if (fc == nullptr || fc->type != OpType::kFullyConnected || fc->inputs.size() > 2) return false;
  const int32_t units = ctx.graph().tensors[fc->inputs[1]].shape[0];
  for (size_t k = 0; k + 1 < c->constant.dims.size(); ++k)
    if (c->constant.dims[k] != 1) return false;
  if (c->constant.dims.empty() || c->constant.dims.back() != units) return false;
  fc->inputs.push_back(ctx.AddConstant(ctx.InName(ci), {units}, c->constant.f));
  ctx.SetFusedOutput(*a);
  return true;
}

absl::Status Binary(ImportContext& ctx, OpType op) {
  RETURN_IF_ERROR(ctx.OnlyOutputsUsed(1));
  ASSIGN_OR_RETURN(const Value* a, ctx.In(0));
  ASSIGN_OR_RETURN(const Value* b, ctx.In(1));
  Dims out;
  if (!BroadcastDims(a->shape, b->shape, &out))
    return ctx.Error(absl::StrCat("input shapes ", DimsToString(a->shape), " and ", DimsToString(b->shape),
                                  " do not broadcast"));
  for (const Value* v : {a, b})
    if (v->is_constant && !v->constant.is_float && !(a->is_constant && b->is_constant))
      return ctx.Unsupported("integer constant operand (only float32 arithmetic is supported)");
  if (a->is_constant && b->is_constant) {
    Value c;
    c.is_constant = true;
    c.constant = FoldBinary(a->constant, b->constant, out, op == OpType::kAdd);
    if (!a->constant.is_float && !b->constant.is_float) {  // integer shape arithmetic stays integer
      c.constant.is_float = false;
      c.constant.i.assign(c.constant.f.begin(), c.constant.f.end());
      c.constant.f.clear();
    }
    ctx.SetOutput(0, std::move(c));
    return absl::OkStatus();
  }
  if (op == OpType::kMul) {
    for (auto [xi, gi] : {std::pair<size_t, size_t>{0, 1}, {1, 0}}) {
      ASSIGN_OR_RETURN(bool done, TryGatedActivation(ctx, xi, gi));
      if (done) return absl::OkStatus();
    }
  } else {
    if (TryFoldBias(ctx, 0, 1, out) || TryFoldBias(ctx, 1, 0, out)) return absl::OkStatus();
  }

  const bool nhwc = ((!a->is_constant && a->nhwc) || (!b->is_constant && b->nhwc)) && out.size() == 4;
  int32_t t[2];
  const Value* v[2] = {a, b};
  for (int k = 0; k < 2; ++k) {
    if (v[k]->is_constant) {
      t[k] = ConstantOperand(ctx, ctx.InName(static_cast<size_t>(k)), v[k]->constant, nhwc);
    } else {
      ASSIGN_OR_RETURN(t[k], ActivationOperand(ctx, *v[k], nhwc));
    }
  }
  // Canonical operand order: the full-size tensor first (SE: Mul(block, gate)).
  const Shape& sa = ctx.graph().tensors[t[0]].shape;
  const Shape& sb = ctx.graph().tensors[t[1]].shape;
  Shape so;
  if (BroadcastShapes(sa, sb, &so) && sa != so && sb == so) std::swap(t[0], t[1]);
  Node n = OpOfType(op);
  n.name = ctx.OpName();
  n.inputs = {t[0], t[1]};
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, nhwc, out));
  return absl::OkStatus();
}

}  // namespace

absl::Status ConvertRelu(ImportContext& ctx) {
  return ActivationOp(ctx, OpOfType(OpType::kRelu), Activation::kRelu, [](float v) { return std::max(v, 0.f); });
}

absl::Status ConvertSigmoid(ImportContext& ctx) {
  return ActivationOp(ctx, OpOfType(OpType::kSigmoid), Activation::kSigmoid, HostSigmoid);
}

absl::Status ConvertHardSwish(ImportContext& ctx) {
  return ActivationOp(ctx, OpOfType(OpType::kHardSwish), Activation::kHardSwish,
                      [](float v) { return ApplyActivation(v, Activation::kHardSwish); });
}

absl::Status ConvertHardSigmoid(ImportContext& ctx) {
  Node n = OpOfType(OpType::kHardSigmoid);
  n.alpha = ctx.AttrFloat("alpha", 0.2f);
  n.beta = ctx.AttrFloat("beta", 0.5f);
  const float alpha = n.alpha, beta = n.beta;
  // Only PyTorch's parameters match the fused activation. Not fused when the output is x's gate
  // in x * hardsigmoid(x): the Mul turns that pair into HardSwish.
  Activation fused = IsPyTorchHardSigmoid(alpha, beta) ? Activation::kHardSigmoid : Activation::kNone;
  return ActivationOp(ctx, n, fused, [=](float v) { return std::min(std::max(alpha * v + beta, 0.f), 1.f); });
}

absl::Status ConvertClip(ImportContext& ctx) {
  float lo = -kInf, hi = kInf;
  if (ctx.opset() < 11) {
    lo = ctx.AttrFloat("min", -kInf);
    hi = ctx.AttrFloat("max", kInf);
  } else {
    for (size_t i = 1; i <= 2; ++i) {
      if (!ctx.HasInput(i)) continue;
      ASSIGN_OR_RETURN(HostTensor c, ctx.ConstIn(i, i == 1 ? "min" : "max"));
      if (c.num_elements() != 1) return ctx.Error(absl::StrCat(i == 1 ? "min" : "max", " must be a scalar"));
      (i == 1 ? lo : hi) = c.AsFloats()[0];
    }
  }
  if (std::isnan(lo) || std::isnan(hi) || lo > hi)
    return ctx.Unsupported(absl::StrCat("bounds min=", lo, " max=", hi, " (min must be <= max)"));
  auto host = [=](float v) { return std::min(std::max(v, lo), hi); };
  if (lo == 0.f && hi == 6.f) return ActivationOp(ctx, OpOfType(OpType::kRelu6), Activation::kRelu6, host);
  if (lo == 0.f && hi == kInf) return ActivationOp(ctx, OpOfType(OpType::kRelu), Activation::kRelu, host);
  Node n = OpOfType(OpType::kClamp);
  n.min = lo;
  n.max = hi;
  return ActivationOp(ctx, n, Activation::kNone, host);
}

absl::Status ConvertAdd(ImportContext& ctx) { return Binary(ctx, OpType::kAdd); }
absl::Status ConvertMul(ImportContext& ctx) { return Binary(ctx, OpType::kMul); }

absl::Status ConvertSoftmax(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.ActivationIn(0));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  int64_t axis = ctx.AttrInt("axis", ctx.opset() >= 13 ? -1 : 1);
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return ctx.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  if (axis < 0) axis += rank;
  Node n = OpOfType(OpType::kSoftmax);
  n.name = ctx.OpName();
  if (rank == 0) return ctx.Unsupported("scalar input");
  if (ctx.opset() < 13) {
    // Before opset 13 the input is flattened to 2D at `axis` and each row normalized as a whole.
    ASSIGN_OR_RETURN(int32_t plain, ctx.PlainData(*x));
    Dims rows(x->shape.begin(), x->shape.begin() + axis), cols(x->shape.begin() + axis, x->shape.end());
    ASSIGN_OR_RETURN(int32_t t, ctx.Reshaped(plain, {static_cast<int32_t>(NumElements(rows)),
                                                     static_cast<int32_t>(NumElements(cols))}));
    n.inputs = {t};
    ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
    ctx.SetOutput(0, ctx.ActivationValue(y, false, x->shape));
    return absl::OkStatus();
  }
  if (x->nhwc && axis == 1) {  // channels are innermost in NHWC
    n.inputs = {x->tensor};
    ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
    ctx.SetOutput(0, ctx.ActivationValue(y, true, x->shape));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(int32_t t, ctx.PlainExact(*x));
  if (axis == rank - 1) {
    n.inputs = {t};
    ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
    ctx.SetOutput(0, ctx.ActivationValue(y, false, x->shape));
    return absl::OkStatus();
  }
  // Another axis: move it innermost, normalize, move it back.
  std::vector<int32_t> perm, inverse(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) perm.push_back(static_cast<int32_t>(d));
  perm.push_back(static_cast<int32_t>(axis));
  for (int64_t d = 0; d < rank; ++d) inverse[perm[d]] = static_cast<int32_t>(d);
  Node fwd = OpOfType(OpType::kTranspose);
  fwd.name = ctx.OpName() + ".axis_last";
  fwd.inputs = {t};
  fwd.ints = perm;
  ASSIGN_OR_RETURN(int32_t moved, ctx.Emit(std::move(fwd), ctx.OutName(0) + ".axis_last"));
  n.inputs = {moved};
  ASSIGN_OR_RETURN(int32_t s, ctx.Emit(std::move(n), ctx.OutName(0) + ".softmax"));
  Node back = OpOfType(OpType::kTranspose);
  back.name = ctx.OpName() + ".axis_back";
  back.inputs = {s};
  back.ints = inverse;
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(back), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, false, x->shape));
  return absl::OkStatus();
}

absl::Status ConvertIdentity(ImportContext& ctx) {
  RETURN_IF_ERROR(ctx.OnlyOutputsUsed(1));
  if (ctx.node().op_type() == "Dropout") {
    if (ctx.opset() < 7 && ctx.AttrInt("is_test", 0) == 0)
      return ctx.Unsupported("is_test=0 (training-mode dropout) is not supported");
    if (ctx.HasInput(2)) {
      ASSIGN_OR_RETURN(HostTensor mode, ctx.ConstIn(2, "training_mode"));
      for (int64_t v : mode.AsInts())
        if (v != 0) return ctx.Unsupported("training_mode=true (random dropout) is not supported");
    }
  }
  ASSIGN_OR_RETURN(const Value* x, ctx.In(0));
  ctx.SetOutput(0, *x);
  return absl::OkStatus();
}

}  // namespace scalert::onnx_import
