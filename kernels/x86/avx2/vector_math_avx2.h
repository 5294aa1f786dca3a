// AVX2 + FMA vector activations. Include only from files compiled with -mavx2 -mfma.
#ifndef SCALERT_KERNELS_X86_AVX2_VECTOR_MATH_AVX2_H_
#define SCALERT_KERNELS_X86_AVX2_VECTOR_MATH_AVX2_H_

#include <immintrin.h>

#include "kernels/activation.h"

namespace scalert::kernels::avx2 {

// 1 / (1 + exp(-x)) for 8 floats, without a division (a ymm divide costs as much as the rest
// of the epilogue of a GEMM tile). exp(-x) = 2^n exp(r) with n = round(-x log2 e) and
// |r| <= ln2/2; exp(r) by a degree-5 polynomial fitted for minimax relative error on that range
// (1.6e-7 in float); 2^n comes from the exponent bits of a float that holds n + 127 in its low
// mantissa bits (adding 1.5 * 2^23 also rounds to the nearest integer). x is clamped to
// [-87, 87] so 2^n stays a normal float; the reciprocal is rcp (12 bits) plus one Newton step
// (~23 bits). Max relative error of sigmoid and swish 4.5e-7 (tested in native_kernels_test). Below -87
// it returns sigmoid(-87) ~ 1.6e-38 instead of a subnormal; `low` receives max(x, -87), which
// swish multiplies by so that swish(-1e30) is -1.4e-36 and not -1.6e-8.
inline __m256 SigmoidClamped(__m256 x, __m256* low) {
  const __m256 magic = _mm256_set1_ps(12583039.f);  // 1.5 * 2^23 + 127
  *low = _mm256_max_ps(x, _mm256_set1_ps(-87.f));
  const __m256 z = _mm256_min_ps(*low, _mm256_set1_ps(87.f));
  const __m256 nm = _mm256_fnmadd_ps(z, _mm256_set1_ps(1.44269504088896341f), magic);
  const __m256 n = _mm256_sub_ps(nm, magic);
  // rn = -r = z + n ln2 in one FMA: ln2 rounded to float is off by 1.9e-9, so |n| <= 126 moves
  // r by at most 2.4e-7 (a relative error of exp of the same size), inside the bound tested.
  const __m256 rn = _mm256_fmadd_ps(n, _mm256_set1_ps(0.693147182f), z);
  // exp(r) = 1 + c1 r + ... + c5 r^5, evaluated in rn: odd coefficients negated.
  __m256 p = _mm256_set1_ps(-0.008290315f);
  p = _mm256_fmadd_ps(p, rn, _mm256_set1_ps(0.04189793f));
  p = _mm256_fmadd_ps(p, rn, _mm256_set1_ps(-0.16667636f));
  p = _mm256_fmadd_ps(p, rn, _mm256_set1_ps(0.4999915f));
  p = _mm256_fmadd_ps(p, rn, _mm256_set1_ps(-0.9999997f));
  p = _mm256_fmadd_ps(p, rn, _mm256_set1_ps(1.f));
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(nm), 23));
  const __m256 d = _mm256_fmadd_ps(p, scale, _mm256_set1_ps(1.f));  // 1 + exp(-x)
  const __m256 r0 = _mm256_rcp_ps(d);
  return _mm256_mul_ps(r0, _mm256_fnmadd_ps(d, r0, _mm256_set1_ps(2.f)));
}

inline __m256 Sigmoid(__m256 x) {
  __m256 low;
  return SigmoidClamped(x, &low);
}

inline __m256 Swish(__m256 x) {
  __m256 low;
  const __m256 s = SigmoidClamped(x, &low);
  return _mm256_mul_ps(low, s);
}

// Applies `act` (a run-time value: callers hoist the switch out of their inner loops by calling
// this once per register tile).
inline __m256 Activate(__m256 x, Activation act) {
  switch (act) {
    case Activation::kNone: return x;
    case Activation::kRelu: return _mm256_max_ps(x, _mm256_setzero_ps());
    case Activation::kRelu6:
      return _mm256_min_ps(_mm256_max_ps(x, _mm256_setzero_ps()), _mm256_set1_ps(6.f));
    case Activation::kSigmoid: return Sigmoid(x);
    case Activation::kHardSigmoid:
      return _mm256_min_ps(_mm256_max_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.f / 6), _mm256_set1_ps(0.5f)),
                                         _mm256_setzero_ps()),
                           _mm256_set1_ps(1.f));
    case Activation::kSwish: return Swish(x);
    case Activation::kHardSwish: {
      const __m256 t = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(x, _mm256_set1_ps(3.f)), _mm256_setzero_ps()),
                                     _mm256_set1_ps(6.f));
      return _mm256_mul_ps(_mm256_mul_ps(x, t), _mm256_set1_ps(1.f / 6));
    }
  }
  return x;
}

// Applies `act` to n registers with the switch outside the loop, so callers' register tiles
// stay in registers (a switch per register made GCC keep the accumulators on the stack).
template <int n>
inline void ActivateAll(__m256* v, Activation act) {
  switch (act) {
    case Activation::kNone: return;
    case Activation::kRelu:
#pragma GCC unroll 16
      for (int i = 0; i < n; ++i) v[i] = _mm256_max_ps(v[i], _mm256_setzero_ps());
      return;
    case Activation::kRelu6:
#pragma GCC unroll 16
      for (int i = 0; i < n; ++i) v[i] = _mm256_min_ps(_mm256_max_ps(v[i], _mm256_setzero_ps()), _mm256_set1_ps(6.f));
      return;
    default:
#pragma GCC unroll 16
      for (int i = 0; i < n; ++i) v[i] = Activate(v[i], act);
      return;
  }
}

// Lane mask selecting the first `n` (0..8) lanes, for maskload/maskstore of channel tails.
inline __m256i TailMask(int n) {
  alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
}

}  // namespace scalert::kernels::avx2

#endif  // SCALERT_KERNELS_X86_AVX2_VECTOR_MATH_AVX2_H_
