// FP16 and BF16 storage formats: the conversions every kernel and tool uses, so that a value
// rounds the same way wherever it is narrowed. Both round to nearest, ties to even; NaN stays NaN.
#ifndef SCALERT_KERNELS_REFERENCE_FLOAT_FORMATS_H_
#define SCALERT_KERNELS_REFERENCE_FLOAT_FORMATS_H_

#include <cstdint>
#include <cstring>

#include "fp16.h"

namespace scalert::ref {

inline float F16ToF32(uint16_t h) { return fp16_ieee_to_fp32_value(h); }
inline uint16_t F32ToF16(float f) { return fp16_ieee_from_fp32_value(f); }

// bfloat16 is the upper 16 bits of an IEEE f32.
inline float Bf16ToF32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t F32ToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even (overflow carries into infinity)
  return static_cast<uint16_t>(u >> 16);
}

// The value `f` becomes when stored in f16 / bf16 and read back.
inline float RoundToF16(float f) { return F16ToF32(F32ToF16(f)); }
inline float RoundToBf16(float f) { return Bf16ToF32(F32ToBf16(f)); }

}  // namespace scalert::ref

#endif  // SCALERT_KERNELS_REFERENCE_FLOAT_FORMATS_H_
