// Gemm and MatMul with constant weights -> FullyConnected (weights [N, K], bias folded in).
#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "tools/onnx/ops.h"

namespace scalert::onnx_import {
namespace {

// The value as FullyConnected input: M rows of K features. FullyConnected reads any shape whose
// first dimension is M, so [N,1,1,C] after a pool feeds it without a Reshape.
absl::StatusOr<int32_t> FcInput(ImportContext& ctx, const Value& a, int64_t m, int64_t k) {
  ASSIGN_OR_RETURN(int32_t t, ctx.PlainData(a));
  const Shape& s = ctx.graph().tensors[t].shape;
  if (s.size() >= 2 && s[0] == m) return t;
  return ctx.Reshaped(t, {static_cast<int32_t>(m), static_cast<int32_t>(k)});
}

absl::StatusOr<int32_t> EmitFc(ImportContext& ctx, int32_t x, std::vector<float> w, int64_t n, int64_t k,
                               const std::string& wname, const std::vector<float>& bias, const std::string& bname,
                               const std::string& out_name) {
  Node fc;
  fc.type = OpType::kFullyConnected;
  fc.name = ctx.OpName();
  fc.inputs = {x, ctx.AddConstant(wname, {static_cast<int32_t>(n), static_cast<int32_t>(k)}, w)};
  if (!bias.empty()) fc.inputs.push_back(ctx.AddConstant(bname, {static_cast<int32_t>(n)}, bias));
  return ctx.Emit(std::move(fc), out_name);
}

}  // namespace

absl::Status ConvertGemm(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* a, ctx.ActivationIn(0, "A"));
  if (a->shape.size() != 2) return ctx.Error(absl::StrCat("A must have rank 2, found ", DimsToString(a->shape)));
  ASSIGN_OR_RETURN(HostTensor b, ctx.ConstIn(1, "B (weights)"));
  if (!b.is_float || b.dims.size() != 2)
    return ctx.Unsupported(absl::StrCat("B must be a float32 matrix, found ", DimsToString(b.dims)));
  const bool trans_a = ctx.AttrInt("transA", 0) != 0, trans_b = ctx.AttrInt("transB", 0) != 0;
  const float alpha = ctx.AttrFloat("alpha", 1.f), beta = ctx.AttrFloat("beta", 1.f);
  const int64_t m = trans_a ? a->shape[1] : a->shape[0], k = trans_a ? a->shape[0] : a->shape[1];
  const int64_t n = trans_b ? b.dims[0] : b.dims[1];
  if ((trans_b ? b.dims[1] : b.dims[0]) != k)
    return ctx.Error(absl::StrCat("A ", DimsToString(a->shape), " and B ", DimsToString(b.dims),
                                  " do not multiply (transA=", trans_a, ", transB=", trans_b, ")"));
  std::vector<float> w(static_cast<size_t>(n * k));
  for (int64_t o = 0; o < n; ++o)
    for (int64_t i = 0; i < k; ++i) w[o * k + i] = alpha * (trans_b ? b.f[o * k + i] : b.f[i * n + o]);

  // C: one value per output column becomes the bias; anything else is added afterwards.
  std::vector<float> bias;
  HostTensor c;
  bool add_after = false;
  if (ctx.HasInput(2) && beta != 0.f) {
    ASSIGN_OR_RETURN(c, ctx.ConstIn(2, "C (bias)"));
    if (!c.is_float) return ctx.Unsupported("C must be float32");
    Dims out;
    if (!BroadcastDims(c.dims, {m, n}, &out) || out != Dims{m, n})
      return ctx.Error(absl::StrCat("C ", DimsToString(c.dims), " does not broadcast to ", DimsToString({m, n})));
    for (float& v : c.f) v *= beta;
    const bool per_column = c.num_elements() == n && (c.dims.size() < 2 || c.dims[0] == 1);
    if (per_column) bias = c.f;
    else if (c.num_elements() == 1) bias.assign(static_cast<size_t>(n), c.f[0]);
    else add_after = true;
  }

  int32_t x;
  if (trans_a) {
    ASSIGN_OR_RETURN(int32_t t, ctx.PlainExact(*a));
    Node tr;
    tr.type = OpType::kTranspose;
    tr.name = ctx.OpName() + ".transA";
    tr.inputs = {t};
    tr.ints = {1, 0};
    ASSIGN_OR_RETURN(x, ctx.Emit(std::move(tr), ctx.OutName(0) + ".A_t"));
  } else {
    ASSIGN_OR_RETURN(x, FcInput(ctx, *a, m, k));
  }
  const std::string bname = ctx.HasInput(2) ? ctx.InName(2) : "";
  ASSIGN_OR_RETURN(int32_t y, EmitFc(ctx, x, std::move(w), n, k, ctx.InName(1), bias, bname,
                                     add_after ? ctx.OutName(0) + ".matmul" : ctx.OutName(0)));
  if (add_after) {
    Node add;
    add.type = OpType::kAdd;
    add.name = ctx.OpName() + ".bias";
    add.inputs = {y, ctx.AddConstant(bname, ToShape(c.dims), c.f)};
    ASSIGN_OR_RETURN(y, ctx.Emit(std::move(add), ctx.OutName(0)));
  }
  ctx.SetOutput(0, ctx.ActivationValue(y, false, {m, n}));
  return absl::OkStatus();
}

absl::Status ConvertMatMul(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* a, ctx.ActivationIn(0, "A"));
  if (a->shape.size() < 2) return ctx.Unsupported(absl::StrCat("rank-1 A ", DimsToString(a->shape), " is not supported"));
  ASSIGN_OR_RETURN(HostTensor b, ctx.ConstIn(1, "B (weights)"));
  if (!b.is_float) return ctx.Unsupported("B must be float32");
  if (b.dims.size() != 2)
    return ctx.Unsupported(absl::StrCat("B ", DimsToString(b.dims), ": only a rank-2 (unbatched) B is supported"));
  const int64_t k = a->shape.back(), n = b.dims[1];
  if (b.dims[0] != k)
    return ctx.Error(absl::StrCat("A ", DimsToString(a->shape), " and B ", DimsToString(b.dims), " do not multiply"));
  const int64_t m = NumElements(a->shape) / k;
  std::vector<float> w(static_cast<size_t>(n * k));
  for (int64_t o = 0; o < n; ++o)
    for (int64_t i = 0; i < k; ++i) w[o * k + i] = b.f[i * n + o];
  ASSIGN_OR_RETURN(int32_t x, FcInput(ctx, *a, m, k));
  ASSIGN_OR_RETURN(int32_t y, EmitFc(ctx, x, std::move(w), n, k, ctx.InName(1), {}, "", ctx.OutName(0)));
  Dims out(a->shape.begin(), a->shape.end() - 1);
  out.push_back(n);
  ctx.SetOutput(0, ctx.ActivationValue(y, false, out));  // [M, N] holds [..., N] in ONNX order
  return absl::OkStatus();
}

}  // namespace scalert::onnx_import
