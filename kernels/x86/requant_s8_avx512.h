// The INT8 epilogue on AVX-512 (kernel_types_s8.h): int32 accumulators + bias, times the
// per-channel factor in single precision, clamped, rounded to nearest even (cvtps2dq under the
// default MXCSR), plus the zero point, narrowed to int8 by a masked store. AVX-512 files only.
#ifndef SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_
#define SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_

#include <immintrin.h>

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {
namespace {

inline __mmask16 Mask16(int32_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

// Requantizes 16 accumulators (columns of bias / scale in order) and stores `count` <= 16 bytes.
inline void StoreRequant16Avx512(__m512i acc, const int32_t* bias, const float* scale, const RequantS8& o,
                                 int8_t* dst, int32_t count) {
  acc = _mm512_add_epi32(acc, _mm512_loadu_si512(bias));
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_loadu_ps(scale));
  v = _mm512_max_ps(v, _mm512_set1_ps(o.lo));  // NaN -> lo (maxps returns its second operand)
  v = _mm512_min_ps(v, _mm512_set1_ps(o.hi));
  const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), _mm512_set1_epi32(o.zero_point));
  _mm512_mask_cvtepi32_storeu_epi8(dst, Mask16(count), q);
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_
