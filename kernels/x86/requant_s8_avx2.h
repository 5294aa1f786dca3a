// The INT8 epilogue on AVX2 (kernel_types_s8.h): int32 accumulators + bias, times the
// per-channel factor in single precision, clamped, rounded to nearest even (cvtps2dq under the
// default MXCSR), plus the zero point, narrowed to int8. Included only by AVX2 kernel files.
#ifndef SCALERT_KERNELS_X86_REQUANT_S8_AVX2_H_
#define SCALERT_KERNELS_X86_REQUANT_S8_AVX2_H_

#include <immintrin.h>

#include <cstring>

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {
namespace {

inline __m256i Requant8Avx2(__m256i acc, const int32_t* bias, const float* scale, const RequantS8& o) {
  acc = _mm256_add_epi32(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias)));
  __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(scale));
  v = _mm256_max_ps(v, _mm256_set1_ps(o.lo));  // NaN -> lo (maxps returns its second operand)
  v = _mm256_min_ps(v, _mm256_set1_ps(o.hi));
  return _mm256_add_epi32(_mm256_cvtps_epi32(v), _mm256_set1_epi32(o.zero_point));
}

// Requantizes 16 accumulators (columns of bias / scale in order) and stores `count` <= 16 bytes.
inline void StoreRequant16Avx2(__m256i lo, __m256i hi, const int32_t* bias, const float* scale, const RequantS8& o,
                               int8_t* dst, int32_t count) {
  const __m256i q0 = Requant8Avx2(lo, bias, scale, o), q1 = Requant8Avx2(hi, bias + 8, scale + 8, o);
  // Values are within [-128, 127] already: the saturating packs only narrow. packs works per
  // 128-bit lane; the 64-bit permute restores column order.
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(q0, q1), 0xD8);
  const __m128i b = _mm_packs_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
  if (count >= 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), b);
  else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    std::memcpy(dst, tmp, static_cast<size_t>(count));
  }
}

// The same for 8 accumulators, `count` <= 8 bytes.
inline void StoreRequant8Avx2(__m256i acc, const int32_t* bias, const float* scale, const RequantS8& o, int8_t* dst,
                              int32_t count) {
  const __m256i q = Requant8Avx2(acc, bias, scale, o);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  const __m128i b = _mm_packs_epi16(w, w);
  if (count >= 8) _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), b);
  else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    std::memcpy(dst, tmp, static_cast<size_t>(count));
  }
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_REQUANT_S8_AVX2_H_
