// The INT8 epilogue on AVX-512 (kernel_types_s8.h): int32 accumulators + bias, times the
// per-channel factor in single precision, clamped, rounded to nearest even (cvtps2dq under the
// default MXCSR), plus the zero point (callers narrow to int8 by a masked vpmovdb store).
// AVX-512 files only.
#ifndef SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_
#define SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_

#include <immintrin.h>

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {
namespace {

inline __mmask16 Mask16(int32_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

// v clamped, rounded, plus the zero point: 16 int32 lanes in [-128, 127].
inline __m512i RoundClamp16(__m512 v, const RequantS8& o) {
  v = _mm512_max_ps(v, _mm512_set1_ps(o.lo));  // NaN -> lo (maxps returns its second operand)
  v = _mm512_min_ps(v, _mm512_set1_ps(o.hi));
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), _mm512_set1_epi32(o.zero_point));
}
// The same for float(acc) * scale (acc already holds the bias).
inline __m512i Requant16(__m512i acc, __m512 scale, const RequantS8& o) {
  return RoundClamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale), o);
}

// The bounds of a requantization clamped by saturating packs (the avx512vnni GEMM and depthwise):
// int8 values [lo, hi], and whether they are narrower than int8's own (a fused relu / relu6,
// applied by a byte max / min after the packs).
struct ByteBounds {
  int32_t lo, hi;
  bool narrower;
};
inline ByteBounds ByteBoundsOf(const RequantS8& o) {
  const int32_t lo = static_cast<int32_t>(o.lo) + o.zero_point, hi = static_cast<int32_t>(o.hi) + o.zero_point;
  return {lo, hi, lo > -128 || hi < 127};
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_
