#include "runtime/backends/xnnpack/xnnpack_subgraph.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/backends/xnnpack/xnnpack_status.h"
#include "runtime/status_macros.h"
#include "runtime/weights.h"

namespace scalert {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Clamp bounds for activations XNNPACK applies inside an op; the others need extra nodes.
bool IsClampActivation(Activation a) {
  return a == Activation::kNone || a == Activation::kRelu || a == Activation::kRelu6;
}
void ClampBounds(Activation a, float* lo, float* hi) {
  *lo = a == Activation::kNone ? -kInf : 0.f;
  *hi = a == Activation::kRelu6 ? 6.f : kInf;
}

// Decides which nodes run on the host (boundary Transposes) and which on XNNPACK.
absl::Status PlaceNodes(const Graph& g, std::vector<NodePlacement>* placement) {
  std::vector<bool> graph_input(g.tensors.size(), false), graph_output(g.tensors.size(), false);
  for (int32_t t : g.inputs) graph_input[t] = true;
  for (int32_t t : g.outputs) graph_output[t] = true;
  // Tensors available before the subgraph runs: model inputs and outputs of host-before nodes.
  std::vector<bool> ready_before = graph_input;
  std::vector<bool> made_after(g.tensors.size(), false);  // outputs of host-after nodes
  placement->assign(g.nodes.size(), NodePlacement::kXnnpack);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    for (int32_t t : n.inputs)
      if (t >= 0 && made_after[t] && n.type != OpType::kTranspose)
        return absl::UnimplementedError(absl::StrCat(
            g.NodeLabel(i), ": reads ", g.TensorLabel(t),
            ", which a Transpose computes on the host after the XNNPACK subgraph; the xnnpack backend "
            "runs the whole model as one subgraph (no partitioning)"));
    if (n.type != OpType::kTranspose) continue;
    const int32_t in = n.inputs[0], out = n.outputs[0];
    if (ready_before[in]) {
      (*placement)[i] = NodePlacement::kHostBefore;
      ready_before[out] = true;
    } else if (graph_output[out]) {
      (*placement)[i] = NodePlacement::kHostAfter;
      made_after[out] = true;
    } else {
      return absl::UnimplementedError(absl::StrCat(
          g.NodeLabel(i), ": XNNPACK (Debian's 2022 build) has no transpose node; the xnnpack backend "
          "runs a Transpose only at the model boundary (reading a model input or writing a model "
          "output), on the host. This one is inside the model, and there is no partitioning; use the "
          "reference backend"));
    }
  }
  return absl::OkStatus();
}

class Translator {
 public:
  Translator(const Graph& g, const XnnpackTranslateOptions& options, XnnpackTranslation* out)
      : g_(g), options_(options), out_(out) {}

  absl::Status Run() {
    for (const Node& n : g_.nodes)
      for (int32_t t : n.outputs)
        if (g_.tensors[t].dtype != DType::kF32)
          return absl::UnimplementedError(absl::StrCat(
              "XNNPACK backend: ", g_.TensorLabel(t), " is ", DTypeName(g_.tensors[t].dtype),
              "; only FP32 activations are supported (no quantized execution in this backend)"));
    for (int32_t t : g_.inputs)
      if (g_.tensors[t].dtype != DType::kF32)
        return absl::UnimplementedError(absl::StrCat("XNNPACK backend: model input ", g_.TensorLabel(t), " is ",
                                                     DTypeName(g_.tensors[t].dtype), "; only f32 is supported"));
    for (int32_t t : g_.outputs)
      if (g_.tensors[t].is_constant())
        return absl::UnimplementedError(absl::StrCat("XNNPACK backend: model output ", g_.TensorLabel(t),
                                                     " is a constant, which no operator computes"));
    RETURN_IF_ERROR(PlaceNodes(g_, &out_->placement));
    out_->lowering.assign(g_.nodes.size(), "");
    out_->fp16_blockers.assign(g_.nodes.size(), {});
    CollectExternals();
    if (!any_xnnpack_node_) return absl::OkStatus();

    xnn_subgraph_t s = nullptr;
    RETURN_IF_ERROR(XnnStatusToStatus(
        xnn_create_subgraph(static_cast<uint32_t>(out_->externals.size()), 0, &s), "xnn_create_subgraph"));
    out_->subgraph.reset(s);
    value_.assign(g_.tensors.size(), XNN_INVALID_VALUE_ID);
    for (const XnnpackExternal& e : out_->externals) {
      const uint32_t flags = is_subgraph_input_[e.tensor] ? XNN_VALUE_FLAG_EXTERNAL_INPUT : XNN_VALUE_FLAG_EXTERNAL_OUTPUT;
      ASSIGN_OR_RETURN(value_[e.tensor], DefineValue(g_.tensors[e.tensor].shape, nullptr, e.id, flags,
                                                     absl::StrCat("external ", g_.TensorLabel(e.tensor))));
    }
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (out_->placement[i] != NodePlacement::kXnnpack) {
        out_->lowering[i] = "host transpose";
        continue;
      }
      node_ = i;
      lowering_.clear();
      RETURN_IF_ERROR(DefineNode(g_.nodes[i]));
      out_->lowering[i] = absl::StrJoin(lowering_, " + ");
    }
    return absl::OkStatus();
  }

 private:
  // Subgraph inputs: model inputs (or host-before results) that XNNPACK nodes read. Subgraph
  // outputs: tensors XNNPACK nodes write that are model outputs or read by host-after nodes.
  void CollectExternals() {
    const size_t nt = g_.tensors.size();
    is_subgraph_input_.assign(nt, false);
    std::vector<bool> produced_by_host(nt, false), produced_by_xnn(nt, false), read_by_xnn(nt, false),
        read_by_host(nt, false), graph_output(nt, false);
    for (int32_t t : g_.outputs) graph_output[t] = true;
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      const bool xnn = out_->placement[i] == NodePlacement::kXnnpack;
      any_xnnpack_node_ |= xnn;
      for (int32_t t : n.inputs)
        if (t >= 0 && !g_.tensors[t].is_constant()) (xnn ? read_by_xnn : read_by_host)[t] = true;
      for (int32_t t : n.outputs) (xnn ? produced_by_xnn : produced_by_host)[t] = true;
    }
    for (size_t t = 0; t < nt; ++t) {
      const bool external_in = read_by_xnn[t] && !produced_by_xnn[t];
      const bool external_out = produced_by_xnn[t] && (graph_output[t] || read_by_host[t]);
      if (!external_in && !external_out) continue;
      is_subgraph_input_[t] = external_in;
      out_->externals.push_back({static_cast<int32_t>(t), static_cast<uint32_t>(out_->externals.size())});
    }
  }

  absl::Status Error(const std::string& what) const {
    return absl::UnimplementedError(absl::StrCat(g_.NodeLabel(node_), ": ", what));
  }
  absl::Status Check(xnn_status s, const char* define) const {
    if (s == xnn_status_success) return absl::OkStatus();
    return absl::Status(XnnStatusToStatus(s, define).code(),
                        absl::StrCat(g_.NodeLabel(node_), ": XNNPACK ", define, " rejected it (", XnnStatusName(s),
                                     "); see the operator's shapes and parameters"));
  }

  absl::StatusOr<uint32_t> DefineValue(const Shape& shape, const void* data, uint32_t external_id, uint32_t flags,
                                       const std::string& what) {
    if (shape.size() > XNN_MAX_TENSOR_DIMS)
      return absl::UnimplementedError(absl::StrCat("XNNPACK backend: ", what, " has rank ", shape.size(),
                                                   "; XNNPACK supports at most ", XNN_MAX_TENSOR_DIMS));
    size_t dims[XNN_MAX_TENSOR_DIMS];
    for (size_t d = 0; d < shape.size(); ++d) dims[d] = static_cast<size_t>(shape[d]);
    uint32_t id = XNN_INVALID_VALUE_ID;
    xnn_status s = xnn_define_tensor_value(out_->subgraph.get(), xnn_datatype_fp32, shape.size(), dims, data,
                                           external_id, flags, &id);
    RETURN_IF_ERROR(XnnStatusToStatus(s, absl::StrCat("xnn_define_tensor_value for ", what)));
    return id;
  }

  // An internal value for an intermediate result inside one operator's lowering.
  absl::StatusOr<uint32_t> Temporary(const Shape& shape) {
    return DefineValue(shape, nullptr, XNN_INVALID_VALUE_ID, 0, absl::StrCat(g_.NodeLabel(node_), " temporary"));
  }

  // Value of an activation tensor that an earlier node (or the outside) produced.
  absl::StatusOr<uint32_t> Input(int32_t t) {
    if (g_.tensors[t].is_constant()) return Operand(t);
    if (value_[t] == XNN_INVALID_VALUE_ID)
      return absl::InvalidArgumentError(
          absl::StrCat(g_.NodeLabel(node_), ": ", g_.TensorLabel(t), " is read before any operator writes it"));
    return value_[t];
  }

  // Value the node writes its output to (external values were defined up front).
  absl::StatusOr<uint32_t> Output(int32_t t) {
    if (value_[t] != XNN_INVALID_VALUE_ID) {
      if (!is_defined_output_.empty() && is_defined_output_[t])
        return Error(absl::StrCat(g_.TensorLabel(t), " is written by more than one operator"));
    } else {
      ASSIGN_OR_RETURN(value_[t], DefineValue(g_.tensors[t].shape, nullptr, XNN_INVALID_VALUE_ID, 0,
                                              g_.TensorLabel(t)));
    }
    if (is_defined_output_.empty()) is_defined_output_.assign(g_.tensors.size(), false);
    is_defined_output_[t] = true;
    return value_[t];
  }

  // Convolution and fully connected weights/bias: XNNPACK packs them when the runtime is
  // created, so FP32 data is used in place from the model; f16/i8 are dequantized here.
  absl::StatusOr<uint32_t> Weights(int32_t t) {
    if (t < 0) return XNN_INVALID_VALUE_ID;
    const Tensor& w = g_.tensors[t];
    if (w.dtype == DType::kI32)
      return Error(absl::StrCat(g_.TensorLabel(t), " is i32, which only quantized kernels accept"));
    if (w.dtype == DType::kF32)
      return DefineValue(w.shape, w.data, XNN_INVALID_VALUE_ID, 0, g_.TensorLabel(t));
    return DefineValue(w.shape, OwnedCopy(ConstantAsF32(w)), XNN_INVALID_VALUE_ID, 0, g_.TensorLabel(t));
  }

  // Constants read while the runtime runs (elementwise operands): an owned copy with the
  // XNN_EXTRA_BYTES tail XNNPACK may read past the end.
  absl::StatusOr<uint32_t> Operand(int32_t t) {
    const Tensor& c = g_.tensors[t];
    if (c.dtype == DType::kI32)
      return Error(absl::StrCat(g_.TensorLabel(t), " is i32, which only quantized kernels accept"));
    BlockFp16("constant elementwise operand");
    return DefineValue(c.shape, OwnedCopy(ConstantAsF32(c)), XNN_INVALID_VALUE_ID, 0, g_.TensorLabel(t));
  }

  absl::StatusOr<uint32_t> Scalar(float v) {
    BlockFp16("constant elementwise operand");
    return DefineValue({1}, OwnedCopy({v}), XNN_INVALID_VALUE_ID, 0, absl::StrCat("constant ", v));
  }

  const float* OwnedCopy(const std::vector<float>& v) {
    const size_t padded = v.size() + XNN_EXTRA_BYTES / sizeof(float);
    std::unique_ptr<float[]> p(new float[padded]());
    std::copy(v.begin(), v.end(), p.get());
    out_->owned_constants.push_back(std::move(p));
    return out_->owned_constants.back().get();
  }

  void BlockFp16(const char* why) {
    std::vector<std::string>& b = out_->fp16_blockers[node_];
    if (std::find(b.begin(), b.end(), why) == b.end()) b.push_back(why);
  }

  // clamp(alpha * x + beta, 0, 1) as a 1x1 depthwise convolution (weights alpha, bias beta per
  // channel), for FP16: the FP16 rewrite takes convolution weights but not constant operands of
  // elementwise nodes. Other ranks than 4 are viewed as [1, 1, rows, C] around it.
  absl::Status DefineAffineClampAsDepthwise(float alpha, float beta, uint32_t in, uint32_t out, const Shape& shape) {
    xnn_subgraph_t s = out_->subgraph.get();
    const int32_t c = shape.empty() ? 1 : shape.back();
    int64_t elements = 1;
    for (int32_t d : shape) elements *= d;
    const Shape view = shape.size() == 4 ? shape : Shape{1, 1, static_cast<int32_t>(elements / c), c};
    uint32_t x = in, y = out;
    if (shape.size() != 4) {
      const size_t dims[4] = {1, 1, static_cast<size_t>(elements / c), static_cast<size_t>(c)};
      ASSIGN_OR_RETURN(x, Temporary(view));
      RETURN_IF_ERROR(Check(xnn_define_static_reshape(s, 4, dims, in, x, 0), "xnn_define_static_reshape"));
      lowering_.push_back("static_reshape");
      ASSIGN_OR_RETURN(y, Temporary(view));
    }
    ASSIGN_OR_RETURN(uint32_t w, DefineValue({1, 1, 1, c}, OwnedCopy(std::vector<float>(c, alpha)),
                                             XNN_INVALID_VALUE_ID, 0, "hard sigmoid scale"));
    ASSIGN_OR_RETURN(uint32_t b, DefineValue({c}, OwnedCopy(std::vector<float>(c, beta)), XNN_INVALID_VALUE_ID, 0,
                                             "hard sigmoid offset"));
    lowering_.push_back("depthwise_convolution_2d 1x1");
    RETURN_IF_ERROR(Check(xnn_define_depthwise_convolution_2d(s, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, c, 0.f, 1.f, x, w, b,
                                                              y, 0),
                          "xnn_define_depthwise_convolution_2d"));
    if (shape.size() == 4) return absl::OkStatus();
    std::vector<size_t> dims(shape.begin(), shape.end());
    lowering_.push_back("static_reshape");
    return Check(xnn_define_static_reshape(s, dims.size(), dims.data(), y, out, 0), "xnn_define_static_reshape");
  }

  // Writes activation `a` of value `in` to value `out`: the nodes after an op whose fused
  // activation XNNPACK cannot clamp, or a standalone activation operator.
  absl::Status DefineActivation(Activation a, float alpha, float beta, uint32_t in, uint32_t out,
                                const Shape& shape) {
    xnn_subgraph_t s = out_->subgraph.get();
    switch (a) {
      case Activation::kNone:
      case Activation::kRelu:
      case Activation::kRelu6: {
        float lo, hi;
        ClampBounds(a, &lo, &hi);
        lowering_.push_back("clamp");
        return Check(xnn_define_clamp(s, lo, hi, in, out, 0), "xnn_define_clamp");
      }
      case Activation::kSigmoid:
        lowering_.push_back("sigmoid");
        BlockFp16("sigmoid");
        return Check(xnn_define_sigmoid(s, in, out, 0), "xnn_define_sigmoid");
      case Activation::kHardSwish: {
        if (!options_.for_fp16) {
          lowering_.push_back("hardswish");
          BlockFp16("hardswish");
          return Check(xnn_define_hardswish(s, in, out, 0), "xnn_define_hardswish");
        }
        // x * hardsigmoid(x) from nodes the FP16 rewrite takes (its hardswish aborts).
        ASSIGN_OR_RETURN(uint32_t gate, Temporary(shape));
        RETURN_IF_ERROR(DefineAffineClampAsDepthwise(1.f / 6.f, 0.5f, in, gate, shape));
        lowering_.push_back("multiply2");
        return Check(xnn_define_multiply2(s, -kInf, kInf, in, gate, out, 0), "xnn_define_multiply2");
      }
      case Activation::kSwish: {
        // x * sigmoid(x): this XNNPACK has no swish node.
        ASSIGN_OR_RETURN(uint32_t gate, Temporary(shape));
        RETURN_IF_ERROR(Check(xnn_define_sigmoid(s, in, gate, 0), "xnn_define_sigmoid"));
        lowering_.push_back("sigmoid");
        lowering_.push_back("multiply2");
        BlockFp16("sigmoid");
        return Check(xnn_define_multiply2(s, -kInf, kInf, in, gate, out, 0), "xnn_define_multiply2");
      }
      case Activation::kHardSigmoid: {
        if (options_.for_fp16) return DefineAffineClampAsDepthwise(alpha, beta, in, out, shape);
        // clamp(alpha * x + beta, 0, 1): no hard-sigmoid node here; the add's clamp bounds it.
        ASSIGN_OR_RETURN(uint32_t a_id, Scalar(alpha));
        ASSIGN_OR_RETURN(uint32_t b_id, Scalar(beta));
        ASSIGN_OR_RETURN(uint32_t scaled, Temporary(shape));
        RETURN_IF_ERROR(Check(xnn_define_multiply2(s, -kInf, kInf, in, a_id, scaled, 0), "xnn_define_multiply2"));
        lowering_.push_back("multiply2");
        lowering_.push_back("add2");
        return Check(xnn_define_add2(s, 0.f, 1.f, scaled, b_id, out, 0), "xnn_define_add2");
      }
    }
    return Error(absl::StrCat("unknown activation ", static_cast<int>(a)));
  }

  // For ops that clamp their output: the value the op writes and its clamp bounds. A fused
  // activation that is not a clamp goes to a temporary, then through DefineActivation.
  struct FusedOutput {
    uint32_t op_out, final_out;
    float lo, hi;
    bool post_activation;
  };
  absl::StatusOr<FusedOutput> PrepareFusedOutput(const Node& n) {
    FusedOutput f;
    ASSIGN_OR_RETURN(f.final_out, Output(n.outputs[0]));
    f.post_activation = !IsClampActivation(n.activation);
    if (f.post_activation) {
      ASSIGN_OR_RETURN(f.op_out, Temporary(g_.tensors[n.outputs[0]].shape));
      f.lo = -kInf;
      f.hi = kInf;
    } else {
      f.op_out = f.final_out;
      ClampBounds(n.activation, &f.lo, &f.hi);
    }
    return f;
  }
  absl::Status FinishFusedOutput(const Node& n, const FusedOutput& f) {
    if (!f.post_activation) return absl::OkStatus();
    return DefineActivation(n.activation, 1.f / 6.f, 0.5f, f.op_out, f.final_out, g_.tensors[n.outputs[0]].shape);
  }

  // FullyConnected as reshape -> 1x1 convolution -> reshape: the same GEMM, but this
  // XNNPACK's FP16 rewrite accepts convolutions and not fully connected nodes. The [Cout, Cin]
  // weights are used in place as [Cout, 1, 1, Cin].
  absl::Status DefineFullyConnectedAsConv1x1(const Node& n, uint32_t in, uint32_t bias, const FusedOutput& f) {
    xnn_subgraph_t s = out_->subgraph.get();
    const Tensor& x = g_.tensors[n.inputs[0]];
    const Tensor& w = g_.tensors[n.inputs[1]];
    const Shape& y = g_.tensors[n.outputs[0]].shape;  // [N, Cout]
    const int32_t batch = y[0], cin = w.shape[1], cout = w.shape[0];
    const Shape x4 = {batch, 1, 1, cin}, y4 = {batch, 1, 1, cout};
    if (x.shape != x4) {
      ASSIGN_OR_RETURN(uint32_t r, Temporary(x4));
      const size_t dims[4] = {static_cast<size_t>(batch), 1, 1, static_cast<size_t>(cin)};
      RETURN_IF_ERROR(Check(xnn_define_static_reshape(s, 4, dims, in, r, 0), "xnn_define_static_reshape"));
      lowering_.push_back("static_reshape");
      in = r;
    }
    const float* data = w.as<float>();
    if (w.dtype == DType::kI32)
      return Error(absl::StrCat(g_.TensorLabel(n.inputs[1]), " is i32, which only quantized kernels accept"));
    if (w.dtype != DType::kF32) data = OwnedCopy(ConstantAsF32(w));
    ASSIGN_OR_RETURN(uint32_t filter, DefineValue({cout, 1, 1, cin}, data, XNN_INVALID_VALUE_ID, 0,
                                                  g_.TensorLabel(n.inputs[1])));
    ASSIGN_OR_RETURN(uint32_t conv_out, Temporary(y4));
    RETURN_IF_ERROR(Check(xnn_define_convolution_2d(s, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, cin, cout, f.lo, f.hi, in,
                                                    filter, bias, conv_out, 0),
                          "xnn_define_convolution_2d"));
    lowering_.push_back("convolution_2d 1x1");
    const size_t dims[2] = {static_cast<size_t>(batch), static_cast<size_t>(cout)};
    lowering_.push_back("static_reshape");
    return Check(xnn_define_static_reshape(s, 2, dims, conv_out, f.op_out, 0), "xnn_define_static_reshape");
  }

  absl::Status DefineNode(const Node& n) {
    xnn_subgraph_t s = out_->subgraph.get();
    switch (n.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D: {
        const Shape& x = g_.tensors[n.inputs[0]].shape;
        const Shape& w = g_.tensors[n.inputs[1]].shape;
        const ConvParams& p = n.conv;
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t filter, Weights(n.inputs[1]));
        ASSIGN_OR_RETURN(uint32_t bias, Weights(n.inputs.size() > 2 ? n.inputs[2] : -1));
        ASSIGN_OR_RETURN(FusedOutput f, PrepareFusedOutput(n));
        if (n.type == OpType::kConv2D) {
          // Our [Cout, KH, KW, Cin] weights are XNNPACK's OHWI filter layout.
          lowering_.push_back("convolution_2d");
          RETURN_IF_ERROR(Check(
              xnn_define_convolution_2d(s, p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, w[1], w[2], p.stride_h,
                                        p.stride_w, p.dilation_h, p.dilation_w, /*groups=*/1, x[3], w[0], f.lo, f.hi,
                                        in, filter, bias, f.op_out, 0),
              "xnn_define_convolution_2d"));
        } else {
          // Our [1, KH, KW, C * multiplier] depthwise weights are XNNPACK's layout.
          lowering_.push_back("depthwise_convolution_2d");
          RETURN_IF_ERROR(Check(xnn_define_depthwise_convolution_2d(
                                    s, p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, w[1], w[2], p.stride_h,
                                    p.stride_w, p.dilation_h, p.dilation_w, p.depth_multiplier, x[3], f.lo, f.hi, in,
                                    filter, bias, f.op_out, 0),
                                "xnn_define_depthwise_convolution_2d"));
        }
        return FinishFusedOutput(n, f);
      }
      case OpType::kFullyConnected: {
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t bias, Weights(n.inputs.size() > 2 ? n.inputs[2] : -1));
        ASSIGN_OR_RETURN(FusedOutput f, PrepareFusedOutput(n));
        if (options_.for_fp16) {
          RETURN_IF_ERROR(DefineFullyConnectedAsConv1x1(n, in, bias, f));
          return FinishFusedOutput(n, f);
        }
        // Our output is [N, Cout] for any input rank (e.g. [N,1,1,C] after pooling): XNNPACK's
        // RESHAPE_2D flattens the input to [elements / Cin, Cin] the same way.
        lowering_.push_back("fully_connected");
        BlockFp16("fully_connected");
        ASSIGN_OR_RETURN(uint32_t filter, Weights(n.inputs[1]));
        RETURN_IF_ERROR(Check(xnn_define_fully_connected(s, f.lo, f.hi, in, filter, bias, f.op_out,
                                                         XNN_FLAG_TENSORFLOW_RESHAPE_2D),
                              "xnn_define_fully_connected"));
        return FinishFusedOutput(n, f);
      }
      case OpType::kGlobalAveragePool: {
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t out, Output(n.outputs[0]));
        lowering_.push_back("global_average_pooling_2d");
        return Check(xnn_define_global_average_pooling_2d(s, -kInf, kInf, in, out, 0),
                     "xnn_define_global_average_pooling_2d");
      }
      case OpType::kAdd:
      case OpType::kMul: {
        // XNNPACK broadcasts like NumPy, so the SE scale [N,H,W,C] * [N,1,1,C] is one node.
        ASSIGN_OR_RETURN(uint32_t a, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t b, Input(n.inputs[1]));
        ASSIGN_OR_RETURN(FusedOutput f, PrepareFusedOutput(n));
        if (n.type == OpType::kAdd) {
          lowering_.push_back("add2");
          RETURN_IF_ERROR(Check(xnn_define_add2(s, f.lo, f.hi, a, b, f.op_out, 0), "xnn_define_add2"));
        } else {
          lowering_.push_back("multiply2");
          RETURN_IF_ERROR(Check(xnn_define_multiply2(s, f.lo, f.hi, a, b, f.op_out, 0), "xnn_define_multiply2"));
        }
        return FinishFusedOutput(n, f);
      }
      case OpType::kRelu:
      case OpType::kRelu6:
      case OpType::kSigmoid:
      case OpType::kSwish:
      case OpType::kHardSwish:
      case OpType::kHardSigmoid: {
        static const Activation kAct[] = {Activation::kRelu,        Activation::kRelu6, Activation::kSigmoid,
                                          Activation::kHardSigmoid, Activation::kSwish, Activation::kHardSwish};
        const Activation a = kAct[static_cast<int>(n.type) - static_cast<int>(OpType::kRelu)];
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t out, Output(n.outputs[0]));
        return DefineActivation(a, n.alpha, n.beta, in, out, g_.tensors[n.outputs[0]].shape);
      }
      case OpType::kClamp: {
        // XNNPACK requires min < max; min == max (a constant result) is left to other backends.
        if (!(n.min < n.max))
          return Error(absl::StrCat("XNNPACK clamp needs min < max, found [", n.min, ", ", n.max, "]"));
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t out, Output(n.outputs[0]));
        lowering_.push_back("clamp");
        return Check(xnn_define_clamp(s, n.min, n.max, in, out, 0), "xnn_define_clamp");
      }
      case OpType::kReshape: {
        const Shape& y = g_.tensors[n.outputs[0]].shape;
        if (y.size() > XNN_MAX_TENSOR_DIMS)
          return Error(absl::StrCat("reshape to rank ", y.size(), "; XNNPACK supports at most ", XNN_MAX_TENSOR_DIMS));
        size_t dims[XNN_MAX_TENSOR_DIMS];
        for (size_t d = 0; d < y.size(); ++d) dims[d] = static_cast<size_t>(y[d]);
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t out, Output(n.outputs[0]));
        lowering_.push_back("static_reshape");
        return Check(xnn_define_static_reshape(s, y.size(), dims, in, out, 0), "xnn_define_static_reshape");
      }
      case OpType::kSoftmax: {
        ASSIGN_OR_RETURN(uint32_t in, Input(n.inputs[0]));
        ASSIGN_OR_RETURN(uint32_t out, Output(n.outputs[0]));
        if (n.softmax_beta != 1.f) {
          // XNNPACK's softmax has no beta: scale the logits first.
          ASSIGN_OR_RETURN(uint32_t beta, Scalar(n.softmax_beta));
          ASSIGN_OR_RETURN(uint32_t scaled, Temporary(g_.tensors[n.inputs[0]].shape));
          RETURN_IF_ERROR(Check(xnn_define_multiply2(s, -kInf, kInf, in, beta, scaled, 0), "xnn_define_multiply2"));
          lowering_.push_back("multiply2");
          in = scaled;
        }
        lowering_.push_back("softmax");
        BlockFp16("softmax");
        return Check(xnn_define_softmax(s, in, out, 0), "xnn_define_softmax");
      }
      case OpType::kTranspose:
        return Error("Transpose inside the model: XNNPACK (Debian's 2022 build) has no transpose node");
      case OpType::kQuantize:
      case OpType::kDequantize:
        return Error(absl::StrCat(OpTypeName(n.type), " is not supported by the xnnpack backend (it has no quantized "
                                  "qs8/qc8 execution and does not partition graphs)"));
      case OpType::kFusedMbconv: break;  // internal to the native backend
    }
    return Error(absl::StrCat("operator type ", static_cast<int>(n.type), " is not supported by the xnnpack backend"));
  }

  const Graph& g_;
  const XnnpackTranslateOptions options_;
  XnnpackTranslation* out_;
  bool any_xnnpack_node_ = false;
  std::vector<bool> is_subgraph_input_, is_defined_output_;
  std::vector<uint32_t> value_;  // graph tensor -> XNNPACK value id
  size_t node_ = 0;
  std::vector<std::string> lowering_;
};

}  // namespace

absl::StatusOr<XnnpackTranslation> TranslateToXnnpack(const Graph& g, const XnnpackTranslateOptions& options) {
  XnnpackTranslation t;
  Translator tr(g, options, &t);
  RETURN_IF_ERROR(tr.Run());
  return t;
}

}  // namespace scalert
