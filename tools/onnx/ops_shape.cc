// Constant, the reshaping ops (Flatten, Reshape, Squeeze, Unsqueeze: free views, materialized
// only when a consumer needs the exact shape) and means (GlobalAveragePool; ReduceMean, which is
// a pool over H and W for images and a transpose + pool otherwise).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "tools/onnx/ops.h"

namespace scalert::onnx_import {
namespace {

// Output 0 is input 0 under `shape` (same element count).
absl::Status View(ImportContext& ctx, const Value& x, const Dims& shape) {
  if (NumElements(shape) != NumElements(x.shape))
    return ctx.Error(absl::StrCat("cannot view ", DimsToString(x.shape), " as ", DimsToString(shape)));
  if (x.is_constant) {
    Value c = x;
    c.constant.dims = shape;
    ctx.SetOutput(0, std::move(c));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(int32_t t, ctx.PlainData(x));
  ctx.SetOutput(0, ctx.ActivationValue(t, false, shape));
  return absl::OkStatus();
}

// Axes from the attribute (older opsets) or from constant input 1.
absl::StatusOr<std::vector<int64_t>> Axes(ImportContext& ctx, bool from_input) {
  if (!from_input) return ctx.AttrInts("axes");
  if (!ctx.HasInput(1)) return std::vector<int64_t>{};
  ASSIGN_OR_RETURN(HostTensor a, ctx.ConstIn(1, "axes"));
  return a.AsInts();
}

absl::StatusOr<int64_t> NormalizeAxis(ImportContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return ctx.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace

absl::Status ConvertConstant(ImportContext& ctx) {
  const onnx::NodeProto& n = ctx.node();
  if (n.attribute_size() != 1) return ctx.Error("expected exactly one value attribute");
  const onnx::AttributeProto& a = n.attribute(0);
  Value v;
  v.is_constant = true;
  HostTensor& c = v.constant;
  if (a.name() == "value") {
    ASSIGN_OR_RETURN(c, ReadTensorProto(a.t(), ctx.base_dir(), absl::StrCat(ctx.source(), ": ", ctx.NodeLabel())));
  } else if (a.name() == "value_float") {
    c.f = {a.f()};
  } else if (a.name() == "value_floats") {
    c.f.assign(a.floats().begin(), a.floats().end());
    c.dims = {static_cast<int64_t>(c.f.size())};
  } else if (a.name() == "value_int") {
    c.is_float = false;
    c.i = {a.i()};
  } else if (a.name() == "value_ints") {
    c.is_float = false;
    c.i.assign(a.ints().begin(), a.ints().end());
    c.dims = {static_cast<int64_t>(c.i.size())};
  } else {
    return ctx.Unsupported(absl::StrCat("attribute '", a.name(), "' is not supported"));
  }
  ctx.SetOutput(0, std::move(v));
  return absl::OkStatus();
}

absl::Status ConvertFlatten(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.In(0));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  int64_t axis = ctx.AttrInt("axis", 1);
  if (axis < -rank || axis > rank) return ctx.Error(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  if (axis < 0) axis += rank;
  Dims outer(x->shape.begin(), x->shape.begin() + axis), inner(x->shape.begin() + axis, x->shape.end());
  return View(ctx, *x, {NumElements(outer), NumElements(inner)});
}

absl::Status ConvertReshape(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.In(0));
  std::vector<int64_t> shape;
  if (ctx.opset() < 5) {
    shape = ctx.AttrInts("shape");
  } else {
    ASSIGN_OR_RETURN(HostTensor s, ctx.ConstIn(1, "shape"));
    shape = s.AsInts();
  }
  const bool allow_zero = ctx.AttrInt("allowzero", 0) != 0;
  int64_t known = 1, infer = -1;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 0 && !allow_zero) {
      if (k >= x->shape.size()) return ctx.Error(absl::StrCat("shape[", k, "] = 0 copies a dimension the input lacks"));
      shape[k] = x->shape[k];
    }
    if (shape[k] == -1) {
      if (infer >= 0) return ctx.Error("shape has more than one -1");
      infer = static_cast<int64_t>(k);
      continue;
    }
    if (shape[k] < 0) return ctx.Error(absl::StrCat("shape has invalid dimension ", shape[k]));
    known *= shape[k];
  }
  const int64_t total = NumElements(x->shape);
  if (infer >= 0) {
    if (known == 0 || total % known != 0)
      return ctx.Error(absl::StrCat("cannot infer -1 reshaping ", DimsToString(x->shape), " to ", DimsToString(shape)));
    shape[infer] = total / known;
  }
  return View(ctx, *x, shape);
}

absl::Status ConvertSqueeze(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.In(0));
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(ctx, ctx.opset() >= 13));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  std::vector<bool> drop(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(int64_t k, NormalizeAxis(ctx, a, rank));
    if (x->shape[k] != 1)
      return ctx.Error(absl::StrCat("cannot squeeze axis ", a, " of size ", x->shape[k]));
    drop[k] = true;
  }
  Dims out;
  for (int64_t k = 0; k < rank; ++k)
    if (!(axes.empty() ? x->shape[k] == 1 : drop[k])) out.push_back(x->shape[k]);
  return View(ctx, *x, out);
}

absl::Status ConvertUnsqueeze(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.In(0));
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(ctx, ctx.opset() >= 13));
  if (axes.empty()) return ctx.Error("axes are required");
  const int64_t rank = static_cast<int64_t>(x->shape.size() + axes.size());
  std::vector<bool> ones(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(int64_t k, NormalizeAxis(ctx, a, rank));
    if (ones[k]) return ctx.Error(absl::StrCat("axis ", a, " is listed twice"));
    ones[k] = true;
  }
  Dims out;
  size_t next = 0;
  for (int64_t k = 0; k < rank; ++k) out.push_back(ones[k] ? 1 : x->shape[next++]);
  return View(ctx, *x, out);
}

absl::Status ConvertGlobalAveragePool(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.ActivationIn(0));
  if (x->shape.size() != 4)
    return ctx.Unsupported(absl::StrCat("needs a rank-4 (NCHW) input, found shape ", DimsToString(x->shape)));
  ASSIGN_OR_RETURN(int32_t t, ctx.Nhwc(*x));
  Node n;
  n.type = OpType::kGlobalAveragePool;
  n.name = ctx.OpName();
  n.inputs = {t};
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, true, {x->shape[0], x->shape[1], 1, 1}));
  return absl::OkStatus();
}

absl::Status ConvertReduceMean(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.ActivationIn(0));
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, Axes(ctx, ctx.opset() >= 18));
  const int64_t rank = static_cast<int64_t>(x->shape.size());
  if (rank == 0) return ctx.Unsupported("scalar input");
  if (axes.empty() && ctx.AttrInt("noop_with_empty_axes", 0) != 0) {
    ctx.SetOutput(0, *x);
    return absl::OkStatus();
  }
  std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());  // no axes: all of them
  for (int64_t a : axes) {
    ASSIGN_OR_RETURN(int64_t k, NormalizeAxis(ctx, a, rank));
    reduced[k] = true;
  }
  const bool keepdims = ctx.AttrInt("keepdims", 1) != 0;
  Dims out, kept_axes, reduced_axes;
  int64_t r = 1, kept = 1;
  for (int64_t k = 0; k < rank; ++k) {
    if (reduced[k]) {
      reduced_axes.push_back(k);
      r *= x->shape[k];
      if (keepdims) out.push_back(1);
    } else {
      kept_axes.push_back(k);
      kept *= x->shape[k];
      out.push_back(x->shape[k]);
    }
  }
  Node pool;
  pool.type = OpType::kGlobalAveragePool;
  pool.name = ctx.OpName();
  if (rank == 4 && reduced_axes == Dims{2, 3}) {
    // The image case: a global average pool over H and W of the NHWC tensor.
    ASSIGN_OR_RETURN(int32_t t, ctx.Nhwc(*x));
    pool.inputs = {t};
    ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(pool), ctx.OutName(0)));
    // [N,1,1,C] in NHWC holds [N,C] (and [N,C,1,1]) in ONNX order already.
    ctx.SetOutput(0, ctx.ActivationValue(y, keepdims, out));
    return absl::OkStatus();
  }
  // Any other axes: reduced axes first, kept axes last, seen as [1, R, 1, K] and pooled.
  ASSIGN_OR_RETURN(int32_t t, ctx.PlainExact(*x));
  Dims perm = reduced_axes;
  perm.insert(perm.end(), kept_axes.begin(), kept_axes.end());
  bool identity = true;
  for (int64_t k = 0; k < rank; ++k) identity &= perm[k] == k;
  if (!identity) {
    Node tr;
    tr.type = OpType::kTranspose;
    tr.name = ctx.OpName() + ".reduced_first";
    tr.inputs = {t};
    tr.ints.assign(perm.begin(), perm.end());
    ASSIGN_OR_RETURN(t, ctx.Emit(std::move(tr), ctx.OutName(0) + ".reduced_first"));
  }
  ASSIGN_OR_RETURN(int32_t flat, ctx.Reshaped(t, {1, static_cast<int32_t>(r), 1, static_cast<int32_t>(kept)}));
  pool.inputs = {flat};
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(pool), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, false, out));
  return absl::OkStatus();
}

}  // namespace scalert::onnx_import
