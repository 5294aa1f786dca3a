#include "runtime/shape_inference.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"

namespace scalert {
namespace {

constexpr int32_t kMaxPad = 1 << 16;

class NodeChecker {
 public:
  NodeChecker(const Graph& g, size_t index) : g_(g), index_(index), n_(g.nodes[index]) {}

  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(g_.NodeLabel(index_), ": ", what));
  }
  absl::Status Counts(size_t min_in, size_t max_in, size_t outs) const {
    if (n_.inputs.size() < min_in || n_.inputs.size() > max_in)
      return Error(absl::StrCat("expected ", min_in, min_in == max_in ? "" : absl::StrCat("..", max_in),
                                " inputs, found ", n_.inputs.size()));
    if (n_.outputs.size() != outs)
      return Error(absl::StrCat("expected ", outs, " outputs, found ", n_.outputs.size()));
    for (size_t i = 0; i < n_.inputs.size(); ++i) {
      bool optional = i >= min_in;
      if (n_.inputs[i] < 0 && !optional) return Error(absl::StrCat("input ", i, " is required"));
    }
    return absl::OkStatus();
  }
  const Tensor* In(size_t i) const {
    return i < n_.inputs.size() && n_.inputs[i] >= 0 ? &g_.tensors[n_.inputs[i]] : nullptr;
  }
  std::string InLabel(size_t i) const { return g_.TensorLabel(n_.inputs[i]); }
  absl::Status Rank(size_t i, size_t rank) const {
    if (In(i)->shape.size() != rank)
      return Error(absl::StrCat("input ", InLabel(i), " must have rank ", rank, ", found shape ",
                                ShapeToString(In(i)->shape)));
    return absl::OkStatus();
  }
  absl::Status Activation(size_t i) const {
    const Tensor* t = In(i);
    if (t->is_constant())
      return Error(absl::StrCat("input ", InLabel(i), " must be an activation, found a constant"));
    return absl::OkStatus();  // its dtype: runtime/dtype_rules.cc
  }
  absl::Status Weight(size_t i) const {
    const Tensor* t = In(i);
    if (!t->is_constant())
      return Error(absl::StrCat("weights ", InLabel(i), " must be constant"));
    if (t->dtype == DType::kI32)
      return Error(absl::StrCat("weights ", InLabel(i), " have unsupported dtype i32"));
    return absl::OkStatus();
  }
  absl::Status Bias(size_t i, int32_t channels) const {
    const Tensor* t = In(i);
    if (t == nullptr) return absl::OkStatus();
    if (!t->is_constant()) return Error(absl::StrCat("bias ", InLabel(i), " must be constant"));
    if (t->dtype == DType::kI8)
      return Error(absl::StrCat("bias ", InLabel(i), " must be a float or i32, found ", DTypeName(t->dtype)));
    if (t->shape.size() != 1 || t->shape[0] != channels)
      return Error(absl::StrCat("bias ", InLabel(i), " must have shape [", channels, "], found ",
                                ShapeToString(t->shape)));
    return absl::OkStatus();
  }

  absl::Status Conv(bool depthwise, std::vector<Shape>* out) const {
    const ConvParams& p = n_.conv;
    RETURN_IF_ERROR(Counts(2, 3, 1));
    RETURN_IF_ERROR(Activation(0));
    RETURN_IF_ERROR(Rank(0, 4));
    RETURN_IF_ERROR(Weight(1));
    RETURN_IF_ERROR(Rank(1, 4));
    if (p.stride_h < 1 || p.stride_w < 1)
      return Error(absl::StrCat("strides must be >= 1, found ", p.stride_h, "x", p.stride_w));
    if (p.dilation_h < 1 || p.dilation_w < 1)
      return Error(absl::StrCat("dilations must be >= 1, found ", p.dilation_h, "x", p.dilation_w));
    for (int32_t pad : {p.pad_top, p.pad_bottom, p.pad_left, p.pad_right})
      if (pad < 0 || pad > kMaxPad)
        return Error(absl::StrCat("padding must be in [0, ", kMaxPad, "], found ", pad));
    const Shape& x = In(0)->shape;
    const Shape& w = In(1)->shape;
    int32_t cout;
    if (depthwise) {
      if (p.depth_multiplier < 1)
        return Error(absl::StrCat("depth multiplier must be >= 1, found ", p.depth_multiplier));
      if (w[0] != 1 || static_cast<int64_t>(w[3]) != static_cast<int64_t>(x[3]) * p.depth_multiplier)
        return Error(absl::StrCat("depthwise weights ", InLabel(1), " must have shape [1,KH,KW,",
                                  static_cast<int64_t>(x[3]) * p.depth_multiplier, "], found ",
                                  ShapeToString(w)));
      cout = w[3];
    } else {
      if (w[3] != x[3])
        return Error(absl::StrCat("weights ", InLabel(1), " have ", w[3],
                                  " input channels but input ", InLabel(0), " has ", x[3]));
      cout = w[0];
    }
    RETURN_IF_ERROR(Bias(2, cout));
    int64_t oh = ConvOutputSize(x[1], p.pad_top, p.pad_bottom, w[1], p.stride_h, p.dilation_h);
    int64_t ow = ConvOutputSize(x[2], p.pad_left, p.pad_right, w[2], p.stride_w, p.dilation_w);
    if (oh < 1 || ow < 1)
      return Error(absl::StrCat("kernel ", w[1], "x", w[2], " (dilation ", p.dilation_h, "x",
                                p.dilation_w, ") is larger than the padded input ",
                                x[1] + p.pad_top + p.pad_bottom, "x", x[2] + p.pad_left + p.pad_right));
    out->push_back({x[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow), cout});
    return absl::OkStatus();
  }

  absl::Status Check(std::vector<Shape>* out) const {
    for (int32_t t : n_.inputs)
      if (t < -1 || t >= static_cast<int64_t>(g_.tensors.size()))
        return Error(absl::StrCat("input tensor index ", t, " is out of range [0, ", g_.tensors.size(), ")"));
    for (int32_t t : n_.outputs)
      if (t < 0 || t >= static_cast<int64_t>(g_.tensors.size()))
        return Error(absl::StrCat("output tensor index ", t, " is out of range [0, ", g_.tensors.size(), ")"));
    if (static_cast<int>(n_.activation) >= kNumActivations)
      return Error(absl::StrCat("unknown fused activation ", static_cast<int>(n_.activation)));
    switch (n_.type) {
      case OpType::kConv2D: return Conv(false, out);
      case OpType::kDepthwiseConv2D: return Conv(true, out);
      case OpType::kFullyConnected: {
        RETURN_IF_ERROR(Counts(2, 3, 1));
        RETURN_IF_ERROR(Activation(0));
        RETURN_IF_ERROR(Weight(1));
        RETURN_IF_ERROR(Rank(1, 2));
        const Shape& x = In(0)->shape;
        const Shape& w = In(1)->shape;
        if (x.size() < 2) return Error(absl::StrCat("input ", InLabel(0), " must have rank >= 2"));
        int64_t inner = In(0)->num_elements() / std::max<int64_t>(1, x[0]);
        if (inner != w[1])
          return Error(absl::StrCat("input ", InLabel(0), " ", ShapeToString(x), " has ", inner,
                                    " features per batch item but weights ", InLabel(1),
                                    " expect ", w[1]));
        RETURN_IF_ERROR(Bias(2, w[0]));
        out->push_back({x[0], w[0]});
        return absl::OkStatus();
      }
      case OpType::kGlobalAveragePool: {
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        RETURN_IF_ERROR(Rank(0, 4));
        const Shape& x = In(0)->shape;
        out->push_back({x[0], 1, 1, x[3]});
        return absl::OkStatus();
      }
      case OpType::kAdd:
      case OpType::kMul: {
        RETURN_IF_ERROR(Counts(2, 2, 1));
        if (In(0)->is_constant() && In(1)->is_constant())
          return Error("both inputs are constant; fold them when the model is made");
        Shape s;
        if (!BroadcastShapes(In(0)->shape, In(1)->shape, &s))
          return Error(absl::StrCat("inputs ", ShapeToString(In(0)->shape), " and ",
                                    ShapeToString(In(1)->shape), " do not broadcast"));
        out->push_back(s);
        return absl::OkStatus();
      }
      case OpType::kRelu: case OpType::kRelu6: case OpType::kSigmoid: case OpType::kSwish:
      case OpType::kHardSwish:
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        out->push_back(In(0)->shape);
        return absl::OkStatus();
      case OpType::kHardSigmoid:
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        if (!std::isfinite(n_.alpha) || !std::isfinite(n_.beta))
          return Error("hard sigmoid alpha and beta must be finite");
        out->push_back(In(0)->shape);
        return absl::OkStatus();
      case OpType::kClamp:
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        if (std::isnan(n_.min) || std::isnan(n_.max) || n_.min > n_.max)
          return Error(absl::StrCat("clamp needs min <= max, found [", n_.min, ", ", n_.max, "]"));
        out->push_back(In(0)->shape);
        return absl::OkStatus();
      case OpType::kSoftmax:
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        if (!(n_.softmax_beta > 0) || !std::isfinite(n_.softmax_beta))
          return Error(absl::StrCat("softmax beta must be positive and finite, found ", n_.softmax_beta));
        out->push_back(In(0)->shape);
        return absl::OkStatus();
      case OpType::kReshape: {
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        int64_t prod = 1;
        for (int32_t d : n_.ints) {
          if (d < 1) return Error(absl::StrCat("new shape ", ShapeToString(n_.ints), " has a dimension < 1"));
          prod *= d;
          if (prod > In(0)->num_elements()) break;
        }
        if (n_.ints.empty() || n_.ints.size() > 8 || prod != In(0)->num_elements())
          return Error(absl::StrCat("cannot reshape ", ShapeToString(In(0)->shape), " to ",
                                    ShapeToString(n_.ints)));
        out->push_back(n_.ints);
        return absl::OkStatus();
      }
      case OpType::kTranspose: {
        RETURN_IF_ERROR(Counts(1, 1, 1));
        RETURN_IF_ERROR(Activation(0));
        const Shape& x = In(0)->shape;
        if (n_.ints.size() != x.size())
          return Error(absl::StrCat("permutation ", ShapeToString(n_.ints), " does not match rank ", x.size()));
        std::vector<bool> seen(x.size(), false);
        Shape s;
        for (int32_t p : n_.ints) {
          if (p < 0 || p >= static_cast<int32_t>(x.size()) || seen[p])
            return Error(absl::StrCat("invalid permutation ", ShapeToString(n_.ints)));
          seen[p] = true;
          s.push_back(x[p]);
        }
        out->push_back(s);
        return absl::OkStatus();
      }
      case OpType::kQuantize:
      case OpType::kDequantize: {
        RETURN_IF_ERROR(Counts(1, 1, 1));
        const Tensor* x = In(0);
        if (x->is_constant()) return Error(absl::StrCat("input ", InLabel(0), " must be an activation"));
        out->push_back(x->shape);
        return absl::OkStatus();
      }
      case OpType::kFusedMbconv: break;  // internal (runtime/passes/mbconv_fusion.h): never in a file
    }
    return Error(absl::StrCat("unknown operator type ", static_cast<int>(n_.type)));
  }

 private:
  const Graph& g_;
  size_t index_;
  const Node& n_;
};

}  // namespace

int64_t ConvOutputSize(int64_t in, int64_t pad_before, int64_t pad_after, int64_t kernel,
                       int64_t stride, int64_t dilation) {
  int64_t extent = (kernel - 1) * dilation + 1;
  int64_t padded = in + pad_before + pad_after;
  if (padded < extent || stride < 1) return 0;
  return (padded - extent) / stride + 1;
}

bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  size_t rank = std::max(a.size(), b.size());
  Shape s(rank);
  for (size_t i = 0; i < rank; ++i) {
    int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    s[i] = da == 1 ? db : da;
  }
  *out = s;
  return true;
}

absl::Status InferNodeOutputShapes(const Graph& g, size_t index, std::vector<Shape>* out) {
  out->clear();
  return NodeChecker(g, index).Check(out);
}

}  // namespace scalert
