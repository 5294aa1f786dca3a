// Array kernels for a 16-bit float format (FP16, BF16), rounding to nearest even as
// kernels/reference/float_formats.h: conversions from and to FP32 (the native backend's Quantize /
// Dequantize steps and the steps that run an FP32 kernel on 16-bit copies) and the squeeze-and-
// excitation pair.
#ifndef SCALERT_KERNELS_HALF_CONVERT_H_
#define SCALERT_KERNELS_HALF_CONVERT_H_

#include <cstdint>

#include "kernels/activation.h"
#include "kernels/isa.h"
#include "kernels/registry.h"

namespace scalert::kernels {

struct HalfConverters {
  void (*to_f32)(int64_t n, const uint16_t* x, float* y) = nullptr;
  void (*from_f32)(int64_t n, const float* x, uint16_t* y) = nullptr;
  // The squeeze-and-excitation pair on 16-bit tensors (FP32 arithmetic, one rounding per value):
  // y[p, c] = act(x[p, c] * s[c]) and y[c] = mean over pixels of x[p, c], c in [c_begin, c_end).
  void (*mul_channel)(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                      Activation act) = nullptr;
  void (*global_avg_pool)(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                          int32_t c_end) = nullptr;
  // y[i] = act(a[i] + b[i]): the residual add.
  void (*add)(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) = nullptr;
  Isa isa = Isa::kPortable;  // the level that runs
};

// The converters of `dtype` (kF16 or kBF16) at level `isa` or the nearest lower one.
HalfConverters FindHalfConverters(KernelDType dtype, Isa isa);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_HALF_CONVERT_H_
