// Array conversions between FP32 and a 16-bit float format (FP16, BF16), rounding to nearest
// even as kernels/reference/float_formats.h: the native backend's Quantize / Dequantize steps
// and the steps that run an FP32 kernel on 16-bit tensors use them.
#ifndef SCALERT_KERNELS_HALF_CONVERT_H_
#define SCALERT_KERNELS_HALF_CONVERT_H_

#include <cstdint>

#include "kernels/isa.h"
#include "kernels/registry.h"

namespace scalert::kernels {

struct HalfConverters {
  void (*to_f32)(int64_t n, const uint16_t* x, float* y) = nullptr;
  void (*from_f32)(int64_t n, const float* x, uint16_t* y) = nullptr;
  Isa isa = Isa::kPortable;  // the level that runs
};

// The converters of `dtype` (kF16 or kBF16) at level `isa` or the nearest lower one.
HalfConverters FindHalfConverters(KernelDType dtype, Isa isa);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_HALF_CONVERT_H_
