// AVX2 + FMA vector activations. Include only from files compiled with -mavx2 -mfma.
#ifndef SCALERT_KERNELS_X86_AVX2_VECTOR_MATH_AVX2_H_
#define SCALERT_KERNELS_X86_AVX2_VECTOR_MATH_AVX2_H_

#include <immintrin.h>

#include "kernels/activation.h"

namespace scalert::kernels::avx2 {

// exp(x) for 8 floats: x = n ln2 + r with |r| <= ln2/2, exp(r) by a degree-6 Taylor polynomial
// (relative error ~2e-7), 2^n built in the exponent bits. Inputs are clamped so 2^n stays a
// normal float; sigmoid and swish only need exp up to that range.
inline __m256 Exp(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // Cody-Waite: ln2 split in a part exact in float and the remainder.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

inline __m256 Sigmoid(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, Exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
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
    case Activation::kSwish: {
      const __m256 one = _mm256_set1_ps(1.f);
      return _mm256_div_ps(x, _mm256_add_ps(one, Exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
    }
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
