// Conv (groups 1 and depthwise) and BatchNormalization, folded into the conv before it when it
// can be.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "tools/onnx/ops.h"

namespace scalert::onnx_import {
namespace {

// Two-element spatial attribute (strides, dilations) with its default.
absl::StatusOr<std::vector<int64_t>> Spatial2(ImportContext& ctx, const std::string& name, int64_t def) {
  std::vector<int64_t> v = ctx.AttrInts(name);
  if (v.empty()) return std::vector<int64_t>{def, def};
  if (v.size() != 2) return ctx.Error(absl::StrCat(name, " must have 2 values for a 2D convolution, found ", v.size()));
  for (int64_t x : v)
    if (x < 1 || x > (1 << 16)) return ctx.Error(absl::StrCat(name, " must be in [1, 65536], found ", x));
  return v;
}

// ONNX SAME_* padding: the output is ceil(in / stride); SAME_UPPER puts the odd pixel at the end.
void SamePad(int64_t in, int64_t k, int64_t s, int64_t d, bool upper, int32_t* before, int32_t* after) {
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
  const int64_t small = total / 2;
  *before = static_cast<int32_t>(upper ? small : total - small);
  *after = static_cast<int32_t>(total - *before);
}

}  // namespace

absl::Status ConvertConv(ImportContext& ctx) {
  ASSIGN_OR_RETURN(const Value* x, ctx.ActivationIn(0, "input X"));
  if (x->shape.size() != 4)
    return ctx.Unsupported(absl::StrCat("needs a rank-4 input (2D convolution), found shape ", DimsToString(x->shape)));
  ASSIGN_OR_RETURN(HostTensor w, ctx.ConstIn(1, "weights W"));
  if (!w.is_float) return ctx.Unsupported("weights W must be float32");
  if (w.dims.size() != 4)
    return ctx.Error(absl::StrCat("weights W must have rank 4 [M, C/group, kH, kW], found ", DimsToString(w.dims)));
  const int64_t c = x->shape[1], h = x->shape[2], wd = x->shape[3];
  const int64_t cout = w.dims[0], cin_g = w.dims[1], kh = w.dims[2], kw = w.dims[3];
  const int64_t group = ctx.AttrInt("group", 1);
  std::vector<int64_t> kshape = ctx.AttrInts("kernel_shape");
  if (!kshape.empty() && kshape != std::vector<int64_t>{kh, kw})
    return ctx.Error(absl::StrCat("kernel_shape ", DimsToString(kshape), " does not match weights ", DimsToString(w.dims)));
  if (group < 1 || cin_g * group != c)
    return ctx.Error(absl::StrCat("weights ", DimsToString(w.dims), " with group ", group, " expect ", cin_g * group,
                                  " input channels, found ", c));
  const bool depthwise = group > 1 && group == c && cin_g == 1;
  if (group != 1 && !depthwise)
    return ctx.Unsupported(absl::StrCat("group ", group, " with ", c,
                                        " input channels: only group 1 and depthwise (group = channels) are supported"));
  if (cout % group != 0) return ctx.Error(absl::StrCat(cout, " output channels are not a multiple of group ", group));

  ASSIGN_OR_RETURN(std::vector<int64_t> strides, Spatial2(ctx, "strides", 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> dilations, Spatial2(ctx, "dilations", 1));
  ConvParams p;
  p.stride_h = static_cast<int32_t>(strides[0]);
  p.stride_w = static_cast<int32_t>(strides[1]);
  p.dilation_h = static_cast<int32_t>(dilations[0]);
  p.dilation_w = static_cast<int32_t>(dilations[1]);
  const std::string auto_pad = ctx.AttrString("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = ctx.AttrInts("pads");
    if (pads.empty()) pads = {0, 0, 0, 0};
    if (pads.size() != 4) return ctx.Error(absl::StrCat("pads must have 4 values, found ", pads.size()));
    for (int64_t v : pads)
      if (v < 0 || v > (1 << 16)) return ctx.Unsupported(absl::StrCat("pad ", v, " (negative or huge) is not supported"));
    // ONNX order: [h_begin, w_begin, h_end, w_end].
    p.pad_top = static_cast<int32_t>(pads[0]);
    p.pad_left = static_cast<int32_t>(pads[1]);
    p.pad_bottom = static_cast<int32_t>(pads[2]);
    p.pad_right = static_cast<int32_t>(pads[3]);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const bool upper = auto_pad == "SAME_UPPER";
    SamePad(h, kh, strides[0], dilations[0], upper, &p.pad_top, &p.pad_bottom);
    SamePad(wd, kw, strides[1], dilations[1], upper, &p.pad_left, &p.pad_right);
  } else if (auto_pad != "VALID") {
    return ctx.Unsupported(absl::StrCat("auto_pad '", auto_pad, "' is not supported"));
  }

  std::vector<float> bias;
  if (ctx.HasInput(2)) {
    ASSIGN_OR_RETURN(bias, ctx.ConstFloatIn(2, "bias B"));
    if (static_cast<int64_t>(bias.size()) != cout)
      return ctx.Error(absl::StrCat("bias has ", bias.size(), " values, expected ", cout));
  }

  // OIHW -> Conv2D [O, kH, kW, I] or depthwise [1, kH, kW, O] (output channel o reads input o / multiplier).
  std::vector<float> wt(w.f.size());
  Shape wshape;
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t i = 0; i < cin_g; ++i)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx) {
          const float v = w.f[((o * cin_g + i) * kh + y) * kw + xx];
          if (depthwise) wt[(y * kw + xx) * cout + o] = v;
          else wt[((o * kh + y) * kw + xx) * cin_g + i] = v;
        }
  if (depthwise) {
    wshape = {1, static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(cout)};
    p.depth_multiplier = static_cast<int32_t>(cout / c);
  } else {
    wshape = {static_cast<int32_t>(cout), static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(cin_g)};
  }

  ASSIGN_OR_RETURN(int32_t xt, ctx.Nhwc(*x));
  Node n;
  n.type = depthwise ? OpType::kDepthwiseConv2D : OpType::kConv2D;
  n.name = ctx.OpName();
  n.conv = p;
  n.inputs = {xt, ctx.AddConstant(ctx.InName(1), wshape, wt)};
  if (!bias.empty()) n.inputs.push_back(ctx.AddConstant(ctx.InName(2), {static_cast<int32_t>(cout)}, bias));
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(n), ctx.OutName(0)));
  const Shape& ys = ctx.graph().tensors[y].shape;
  ctx.SetOutput(0, ctx.ActivationValue(y, true, {ys[0], ys[3], ys[1], ys[2]}));
  return absl::OkStatus();
}

absl::Status ConvertBatchNormalization(ImportContext& ctx) {
  if (ctx.AttrInt("training_mode", 0) != 0)
    return ctx.Unsupported("training_mode=1 (batch statistics) is not supported; export the model in eval mode");
  if (ctx.opset() < 9 && ctx.AttrInt("spatial", 1) != 1) return ctx.Unsupported("spatial=0 is not supported");
  RETURN_IF_ERROR(ctx.OnlyOutputsUsed(1));
  ASSIGN_OR_RETURN(const Value* x, ctx.ActivationIn(0, "input X"));
  if (x->shape.size() < 2) return ctx.Error(absl::StrCat("input must have rank >= 2, found ", DimsToString(x->shape)));
  const int64_t c = x->shape[1];
  std::vector<float> p[4];
  const char* roles[4] = {"scale", "bias B", "input_mean", "input_var"};
  for (int k = 0; k < 4; ++k) {
    ASSIGN_OR_RETURN(p[k], ctx.ConstFloatIn(static_cast<size_t>(k + 1), roles[k]));
    if (static_cast<int64_t>(p[k].size()) != c)
      return ctx.Error(absl::StrCat(roles[k], " has ", p[k].size(), " values, expected ", c, " (channels)"));
  }
  const double eps = ctx.AttrFloat("epsilon", 1e-5f);
  // y = x * s + t with s = scale / sqrt(var + eps), t = bias - mean * s.
  std::vector<double> s(static_cast<size_t>(c)), t(static_cast<size_t>(c));
  for (int64_t k = 0; k < c; ++k) {
    if (!(p[3][k] + eps > 0)) return ctx.Error(absl::StrCat("input_var[", k, "] + epsilon is not positive"));
    s[k] = p[0][k] / std::sqrt(static_cast<double>(p[3][k]) + eps);
    t[k] = p[1][k] - p[2][k] * s[k];
  }

  if (Node* conv = ctx.FusableProducer(0)) {
    Graph& g = ctx.graph();
    const Tensor& wt = g.tensors[conv->inputs[1]];
    if (wt.dtype == DType::kF32) {
      const bool depthwise = conv->type == OpType::kDepthwiseConv2D;
      const int64_t n = wt.num_elements();
      const int64_t per_out = n / c;  // Conv2D / FC: [O, ...]; depthwise: [1, kH, kW, O]
      std::vector<float> w(wt.as<float>(), wt.as<float>() + n);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t o = depthwise ? k % c : k / per_out;
        w[k] = static_cast<float>(w[k] * s[o]);
      }
      const bool had_bias = conv->inputs.size() > 2 && conv->inputs[2] >= 0;
      std::vector<float> b(static_cast<size_t>(c));
      for (int64_t o = 0; o < c; ++o) {
        const double old = had_bias ? g.tensors[conv->inputs[2]].as<float>()[o] : 0.0;
        b[o] = static_cast<float>(old * s[o] + t[o]);
      }
      const std::string wname = wt.name, bname = had_bias ? g.tensors[conv->inputs[2]].name : conv->name + ".bias";
      const Shape wshape = wt.shape;
      conv->inputs[1] = ctx.AddConstant(wname, wshape, w);  // the old constants are compacted away
      const int32_t bt = ctx.AddConstant(bname, {static_cast<int32_t>(c)}, b);
      if (had_bias) conv->inputs[2] = bt;
      else conv->inputs.push_back(bt);
      // torchvision counts gamma and beta (2C) where we store one bias (C).
      ctx.trained_params_extra += 2 * c - (had_bias ? 0 : c);
      ++ctx.folded_batch_norms;
      ctx.SetFusedOutput(*x);
      return absl::OkStatus();
    }
  }

  // Standalone: a per-channel multiply and add (channels last for NHWC values, axis 1 otherwise).
  int32_t xt;
  Shape cshape = {static_cast<int32_t>(c)};
  if (x->nhwc) {
    xt = x->tensor;
  } else {
    ASSIGN_OR_RETURN(xt, ctx.PlainExact(*x));
    for (size_t k = 2; k < x->shape.size(); ++k) cshape.push_back(1);
  }
  std::vector<float> sf(s.begin(), s.end()), tf(t.begin(), t.end());
  Node mul;
  mul.type = OpType::kMul;
  mul.name = ctx.OpName() + ".scale";
  mul.inputs = {xt, ctx.AddConstant(ctx.InName(1), cshape, sf)};
  ASSIGN_OR_RETURN(int32_t scaled, ctx.Emit(std::move(mul), ctx.OutName(0) + ".scaled"));
  Node add;
  add.type = OpType::kAdd;
  add.name = ctx.OpName();
  add.inputs = {scaled, ctx.AddConstant(ctx.InName(2), cshape, tf)};
  ASSIGN_OR_RETURN(int32_t y, ctx.Emit(std::move(add), ctx.OutName(0)));
  ctx.SetOutput(0, ctx.ActivationValue(y, x->nhwc, x->shape));
  return absl::OkStatus();
}

}  // namespace scalert::onnx_import
