// Core enums shared by the IR, the kernels and the tools. Values equal the schema's.
#ifndef SCALERT_RUNTIME_TYPES_H_
#define SCALERT_RUNTIME_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/activation.h"

namespace scalert {

enum class DType : uint8_t { kF32 = 0, kF16 = 1, kI8 = 2, kI32 = 3, kBF16 = 4 };
inline constexpr int kNumDTypes = 5;
// f32, f16 and bf16: the dtypes float kernels read and write.
inline bool IsFloat(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }
size_t DTypeSize(DType t);
const char* DTypeName(DType t);

const char* ActivationName(Activation a);

enum class OpType : uint16_t {
  kConv2D = 0,
  kDepthwiseConv2D,
  kFullyConnected,
  kGlobalAveragePool,
  kAdd,
  kMul,
  kRelu,
  kRelu6,
  kSigmoid,
  kHardSigmoid,
  kSwish,
  kHardSwish,
  kReshape,
  kSoftmax,
  kTranspose,
  kQuantize,
  kDequantize,
  kClamp,
  // Internal: made by runtime/passes/mbconv_fusion.h for the native backend, never stored in a
  // file (the validator rejects types >= kNumOpTypes).
  kFusedMbconv,
};
inline constexpr int kNumOpTypes = 18;  // types a model file may hold
const char* OpTypeName(OpType t);

// Numerical precision a whole interpreter runs at. A lowered model file (INT8/FP16/BF16 layers,
// written by `scalert quantize`) carries its own per-layer precision; kMixed describes such a file
// whose layers differ, it is never asked for.
enum class Precision : uint8_t { kF32 = 0, kF16 = 1, kI8 = 2, kBF16 = 3, kMixed = 4 };
const char* PrecisionName(Precision p);
bool ParsePrecision(const std::string& s, Precision* out);

using Shape = std::vector<int32_t>;
std::string ShapeToString(const Shape& s);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_TYPES_H_
