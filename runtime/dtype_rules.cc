#include "runtime/dtype_rules.h"

#include "absl/strings/str_cat.h"
#include "kernels/reference/quantized.h"
#include "runtime/status_macros.h"

namespace scalert {
namespace {

class DTypeChecker {
 public:
  DTypeChecker(const Graph& g, size_t index) : g_(g), index_(index), n_(g.nodes[index]) {}

  absl::Status Check() const {
    const DType x = In(0).dtype;
    switch (n_.type) {
      case OpType::kQuantize: {
        const DType y = Out().dtype;
        if (!IsFloat(x)) return Error(absl::StrCat("input ", InLabel(0), " must be f32, f16 or bf16, found ", DTypeName(x)));
        if (y != DType::kI8 && !(IsFloat(y) && DTypeSize(y) < DTypeSize(x)))
          return Error(absl::StrCat("output ", OutLabel(), " must be i8 or a float narrower than its ", DTypeName(x),
                                    " input, found ", DTypeName(y)));
        if (y == DType::kI8) RETURN_IF_ERROR(PerTensor(n_.outputs[0]));
        return absl::OkStatus();
      }
      case OpType::kDequantize: {
        const DType y = Out().dtype;
        if (x != DType::kI8 && x != DType::kF16 && x != DType::kBF16)
          return Error(absl::StrCat("input ", InLabel(0), " must be i8, f16 or bf16, found ", DTypeName(x)));
        if (!IsFloat(y) || (x != DType::kI8 && DTypeSize(y) <= DTypeSize(x)))
          return Error(absl::StrCat("output ", OutLabel(), " must be a float wider than its ", DTypeName(x),
                                    " input, found ", DTypeName(y)));
        if (x == DType::kI8) RETURN_IF_ERROR(PerTensor(n_.inputs[0]));
        return absl::OkStatus();
      }
      case OpType::kSoftmax:
        if (!IsFloat(x)) return Error(absl::StrCat("input ", InLabel(0), " must be f32, f16 or bf16, found ", DTypeName(x)));
        break;
      default:
        if (!IsFloat(x) && x != DType::kI8)
          return Error(absl::StrCat("input ", InLabel(0), " must be f32, f16, bf16 or i8, found ", DTypeName(x)));
        break;
    }
    // Every other operator computes in its input's dtype and writes that dtype.
    if (Out().dtype != x)
      return Error(absl::StrCat("output ", OutLabel(), " must be ", DTypeName(x), " like input ", InLabel(0),
                                ", found ", DTypeName(Out().dtype)));
    return x == DType::kI8 ? CheckInt8() : CheckFloat(x);
  }

 private:
  absl::Status CheckFloat(DType x) const {
    // Constants (weights, biases, broadcast operands) may be stored in any format; other
    // activation operands must match the compute dtype.
    for (size_t i = 1; i < n_.inputs.size(); ++i) {
      if (n_.inputs[i] < 0) continue;
      const Tensor& t = In(i);
      if (!t.is_constant() && t.dtype != x)
        return Error(absl::StrCat("input ", InLabel(i), " must be ", DTypeName(x), " like input ", InLabel(0),
                                  ", found ", DTypeName(t.dtype)));
    }
    return absl::OkStatus();
  }

  absl::Status CheckInt8() const {
    for (size_t i = 0; i < n_.inputs.size(); ++i)
      if (n_.inputs[i] >= 0 && !In(i).is_constant()) RETURN_IF_ERROR(PerTensor(n_.inputs[i]));
    RETURN_IF_ERROR(PerTensor(n_.outputs[0]));
    const bool clamp_only = n_.activation == Activation::kNone || n_.activation == Activation::kRelu ||
                            n_.activation == Activation::kRelu6;
    switch (n_.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D:
      case OpType::kFullyConnected: {
        if (!clamp_only)
          return Error(absl::StrCat("an i8 layer fuses only relu or relu6 (a clamp); ", ActivationName(n_.activation),
                                    " must be its own operator (a table)"));
        const Tensor& w = In(1);
        if (w.dtype != DType::kI8)
          return Error(absl::StrCat("weights ", InLabel(1), " of an i8 layer must be i8, found ", DTypeName(w.dtype)));
        const int32_t axis = WeightChannelAxis(n_.type);
        if (w.quant.axis != -1 && w.quant.axis != axis)
          return Error(absl::StrCat("weights ", InLabel(1), " must be quantized per tensor or per output channel (axis ",
                                    axis, "), found axis ", w.quant.axis));
        for (int64_t z : w.quant.zero_point)
          if (z != 0) return Error(absl::StrCat("weights ", InLabel(1), " must be symmetric (zero point 0), found ", z));
        // The int32 accumulator must hold the whole window (kernels/reference/quantized.h).
        const int64_t terms = n_.type == OpType::kConv2D ? int64_t{w.shape[1]} * w.shape[2] * w.shape[3]
                              : n_.type == OpType::kDepthwiseConv2D ? int64_t{w.shape[1]} * w.shape[2]
                                                                    : int64_t{w.shape[1]};
        if (terms > ref::kMaxInt8ReductionTerms)
          return Error(absl::StrCat("an i8 layer sums ", terms, " products, more than the ", ref::kMaxInt8ReductionTerms,
                                    " an int32 accumulator holds"));
        if (n_.inputs.size() > 2 && n_.inputs[2] >= 0 && In(2).dtype != DType::kI32)
          return Error(absl::StrCat("bias ", InLabel(2), " of an i8 layer must be i32, found ", DTypeName(In(2).dtype)));
        return absl::OkStatus();
      }
      case OpType::kAdd:
      case OpType::kMul:
        if (!clamp_only)
          return Error(absl::StrCat("an i8 ", OpTypeName(n_.type), " fuses only relu or relu6, found ",
                                    ActivationName(n_.activation)));
        for (size_t i = 0; i < 2; ++i) {
          if (In(i).dtype != DType::kI8)
            return Error(absl::StrCat("input ", InLabel(i), " must be i8, found ", DTypeName(In(i).dtype)));
          RETURN_IF_ERROR(PerTensor(n_.inputs[i]));
        }
        return absl::OkStatus();
      case OpType::kGlobalAveragePool: {
        const int64_t pixels = int64_t{In(0).shape[1]} * In(0).shape[2];
        if (pixels > (int64_t{1} << 31) / 256)
          return Error(absl::StrCat("an i8 mean over ", pixels, " pixels overflows its int32 accumulator"));
        return absl::OkStatus();
      }
      case OpType::kReshape:
      case OpType::kTranspose: {
        // Data movement: the values and hence the parameters stay the same.
        const Quantization& a = In(0).quant;
        const Quantization& b = Out().quant;
        if (a.scale != b.scale || ZeroPoint(a) != ZeroPoint(b))
          return Error(absl::StrCat("output ", OutLabel(), " must keep the quantization of input ", InLabel(0)));
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  static int64_t ZeroPoint(const Quantization& q) { return q.zero_point.empty() ? 0 : q.zero_point[0]; }

  absl::Status PerTensor(int32_t t) const {
    const Tensor& x = g_.tensors[t];
    if (x.quant.scale.size() != 1 || x.quant.axis != -1)
      return Error(absl::StrCat(g_.TensorLabel(t), " needs per-tensor quantization parameters (one scale), found ",
                                x.quant.scale.size(), " scales on axis ", x.quant.axis));
    return absl::OkStatus();
  }

  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(g_.NodeLabel(index_), ": ", what));
  }
  const Tensor& In(size_t i) const { return g_.tensors[n_.inputs[i]]; }
  const Tensor& Out() const { return g_.tensors[n_.outputs[0]]; }
  std::string InLabel(size_t i) const { return g_.TensorLabel(n_.inputs[i]); }
  std::string OutLabel() const { return g_.TensorLabel(n_.outputs[0]); }

  const Graph& g_;
  size_t index_;
  const Node& n_;
};

}  // namespace

absl::Status CheckNodeDTypes(const Graph& g, size_t index) { return DTypeChecker(g, index).Check(); }

int32_t WeightChannelAxis(OpType type) { return type == OpType::kDepthwiseConv2D ? 3 : 0; }

Precision GraphPrecision(const Graph& g) {
  bool any = false;
  DType seen = DType::kF32;
  for (const Node& n : g.nodes) {
    if (n.type != OpType::kConv2D && n.type != OpType::kDepthwiseConv2D && n.type != OpType::kFullyConnected) continue;
    DType d = g.tensors[n.inputs[0]].dtype;
    // A BF16 file's classifier: FP32 activations, BF16 weights (scalert quantize --mode bf16).
    if (n.type == OpType::kFullyConnected && d == DType::kF32 && g.tensors[n.inputs[1]].dtype == DType::kBF16)
      d = DType::kBF16;
    if (any && d != seen) return Precision::kMixed;
    any = true;
    seen = d;
  }
  switch (seen) {
    case DType::kI8: return Precision::kI8;
    case DType::kF16: return Precision::kF16;
    case DType::kBF16: return Precision::kBF16;
    default: return Precision::kF32;
  }
}

}  // namespace scalert
