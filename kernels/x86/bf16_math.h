// Sigmoid and swish for kernels whose outputs are stored as BF16 (AVX-512): a BF16 value keeps 8
// significant bits (relative spacing 2^-8 to 2^-7), so the activation needs far fewer than
// vector_math.h's 23. The same range reduction and exp(r) (32 steps, Avx512::Pow2OverSteps, and
// the quadratic), with the reciprocal's 14-bit estimate without its Newton step: relative error
// at most 5.5e-5, 3% of half a BF16 unit, for two instructions fewer per vector. (A
// minimax line for exp(r), one FMA fewer, doubled the error to 8e-5 and cost EfficientNet-B0's
// BF16 file 0.1 dB of SNR.) Swish is the epilogue that
// bounds the early expand GEMMs and depthwise convolutions of EfficientNet (k = 16 to 24: more
// instructions than the dot products). Everything else is vector_math.h's. Include after
// simd_avx512.h and vector_math.h.
#ifndef SCALERT_KERNELS_X86_BF16_MATH_H_
#define SCALERT_KERNELS_X86_BF16_MATH_H_

#include <immintrin.h>

#include "kernels/activation.h"

namespace scalert::kernels::x86 {
namespace {

// 1 / (1 + exp(-x)) to BF16 precision; `low` receives max(x, -87) as in OnePlusExpNeg (vector_math.h).
inline __m512 SigmoidBf16(__m512 x, __m512* low) {
  const __m512 magic = _mm512_set1_ps(12582912.f);  // 1.5 * 2^23
  *low = _mm512_max_ps(x, _mm512_set1_ps(-87.f));
  const __m512 z = _mm512_min_ps(*low, _mm512_set1_ps(87.f));
  const __m512 km = _mm512_fnmadd_ps(z, _mm512_set1_ps(32 * 1.44269504088896341f), magic);
  const __m512 k = _mm512_sub_ps(km, magic);
  const __m512 rn = _mm512_fmadd_ps(k, _mm512_set1_ps(0.693147182f / 32), z);  // -r
  // exp(r) = 1 + c1 r + c2 r^2, in rn = -r (vector_math.h's coefficients).
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(0.49999633f), rn, _mm512_set1_ps(-1.0000147f));
  p = _mm512_fmadd_ps(p, rn, _mm512_set1_ps(1.f));
  return _mm512_rcp14_ps(_mm512_fmadd_ps(p, Avx512::Pow2OverSteps(km), _mm512_set1_ps(1.f)));
}

// ActivateAll (vector_math.h) for outputs stored as BF16: sigmoid and swish as above.
template <int n>
inline void ActivateAllBf16(__m512* v, Activation act) {
  __m512 low;
  switch (act) {
    case Activation::kSwish:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) {
        const __m512 s = SigmoidBf16(v[i], &low);
        v[i] = _mm512_mul_ps(low, s);
      }
      return;
    case Activation::kSigmoid:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = SigmoidBf16(v[i], &low);
      return;
    default: ActivateAll<Avx512, n>(v, act); return;
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_BF16_MATH_H_
