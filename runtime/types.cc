#include "runtime/types.h"

namespace scalert {

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF32: return 4;
    case DType::kF16: return 2;
    case DType::kI8: return 1;
    case DType::kI32: return 4;
    case DType::kBF16: return 2;
  }
  return 0;
}

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kI8: return "i8";
    case DType::kI32: return "i32";
    case DType::kBF16: return "bf16";
  }
  return "?";
}

const char* ActivationName(Activation a) {
  static const char* kNames[] = {"none", "relu", "relu6", "sigmoid", "hard_sigmoid", "swish",
                                 "hard_swish"};
  auto i = static_cast<unsigned>(a);
  return i < kNumActivations ? kNames[i] : "?";
}

const char* OpTypeName(OpType t) {
  static const char* kNames[] = {
      "Conv2D", "DepthwiseConv2D", "FullyConnected", "GlobalAveragePool", "Add", "Mul", "Relu",
      "Relu6", "Sigmoid", "HardSigmoid", "Swish", "HardSwish", "Reshape", "Softmax", "Transpose",
      "Quantize", "Dequantize", "Clamp", "FusedMbconv"};
  auto i = static_cast<unsigned>(t);
  return i <= static_cast<unsigned>(OpType::kFusedMbconv) ? kNames[i] : "?";
}

const char* PrecisionName(Precision p) {
  switch (p) {
    case Precision::kF32: return "fp32";
    case Precision::kF16: return "fp16";
    case Precision::kI8: return "int8";
    case Precision::kBF16: return "bf16";
    case Precision::kMixed: return "mixed";
  }
  return "?";
}

bool ParsePrecision(const std::string& s, Precision* out) {
  if (s == "fp32" || s == "f32") { *out = Precision::kF32; return true; }
  if (s == "fp16" || s == "f16") { *out = Precision::kF16; return true; }
  if (s == "int8" || s == "i8") { *out = Precision::kI8; return true; }
  if (s == "bf16") { *out = Precision::kBF16; return true; }
  return false;
}

std::string ShapeToString(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ",";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

}  // namespace scalert
