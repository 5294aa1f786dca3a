// Vector activations for the generic x86 kernels, written once over a SIMD type S (simd_avx2.h,
// simd_avx512.h). Include after the SIMD header, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_VECTOR_MATH_H_
#define SCALERT_KERNELS_X86_VECTOR_MATH_H_

#include "kernels/activation.h"

namespace scalert::kernels::x86 {
namespace {

// 1 + exp(-x), the denominator of sigmoid. exp(-x) = 2^(k/L) exp(r) with L = S::kPow2Steps (32
// for AVX-512, 8 for AVX2), k = round(-x L log2 e) and |r| <= ln2 / 2L: 2^(k/L) from a table of
// 2^(j/L) and an exponent add (S::Pow2OverSteps; adding 1.5 * 2^23 also rounds k to an integer),
// exp(r) by a polynomial fitted for minimax relative error on that range: quadratic at L = 32
// (5.3e-8), cubic at L = 8 (1.8e-8). Three and two FMAs fewer than the degree-5 polynomial a
// plain 2^n needs; the table lookup and integer add run beside the FMAs. x is clamped to
// [-87, 87] so 2^(k/L) stays a normal float; `low` receives max(x, -87), which swish multiplies
// by so that swish(-1e30) is -1.4e-36 and not -1.6e-8.
template <class S>
inline typename S::V OnePlusExpNeg(typename S::V x, typename S::V* low) {
  using V = typename S::V;
  constexpr int kSteps = S::kPow2Steps;
  static_assert(kSteps == 32 || kSteps == 8, "polynomial fitted for 32 or 8 steps");
  const V magic = S::Set(12582912.f);  // 1.5 * 2^23
  *low = S::Max(x, S::Set(-87.f));
  const V z = S::Min(*low, S::Set(87.f));
  const V km = S::Fnma(z, S::Set(kSteps * 1.44269504088896341f), magic);
  const V k = S::Sub(km, magic);
  // rn = -r = z + k ln2 / L in one FMA: ln2 rounded to float is off by 1.9e-9, so |k / L| <= 126
  // moves r by at most 2.4e-7 (a relative error of exp of the same size), inside the bound tested.
  const V rn = S::Fma(k, S::Set(0.693147182f / kSteps), z);
  // exp(r) = 1 + c1 r + c2 r^2 (+ c3 r^3), evaluated in rn: odd coefficients negated.
  V p;
  if constexpr (kSteps == 32) {
    p = S::Fma(S::Set(0.49999633f), rn, S::Set(-1.0000147f));
  } else {
    p = S::Fma(S::Set(-0.16665101f), rn, S::Set(0.50007817f));
    p = S::Fma(p, rn, S::Set(-1.f));
  }
  p = S::Fma(p, rn, S::Set(1.f));
  return S::Fma(p, S::Pow2OverSteps(km), S::Set(1.f));
}

template <class S>
inline typename S::V Activate(typename S::V x, Activation act) {
  using V = typename S::V;
  V low;
  switch (act) {
    case Activation::kNone: return x;
    case Activation::kRelu: return S::Max(x, S::Zero());
    case Activation::kRelu6: return S::Min(S::Max(x, S::Zero()), S::Set(6.f));
    // A divide, not a reciprocal estimate and a Newton step: on AMD Zen 4 the divider runs beside
    // the FMA pipes and the whole swish took 12% less time (AVX-512, a loop over L1 data).
    case Activation::kSigmoid: return S::Div(S::Set(1.f), OnePlusExpNeg<S>(x, &low));
    case Activation::kHardSigmoid:
      return S::Min(S::Max(S::Fma(x, S::Set(1.f / 6), S::Set(0.5f)), S::Zero()), S::Set(1.f));
    case Activation::kSwish: {
      const V d = OnePlusExpNeg<S>(x, &low);
      return S::Div(low, d);
    }
    case Activation::kHardSwish: {
      const V t = S::Min(S::Max(S::Add(x, S::Set(3.f)), S::Zero()), S::Set(6.f));
      return S::Mul(S::Mul(x, t), S::Set(1.f / 6));
    }
  }
  return x;
}

// Applies `act` to n registers with the switch outside the loop, so callers' register tiles
// stay in registers (a switch per register made GCC keep the accumulators on the stack).
template <class S, int n>
inline void ActivateAll(typename S::V* v, Activation act) {
  switch (act) {
    case Activation::kNone: return;
    case Activation::kRelu:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = S::Max(v[i], S::Zero());
      return;
    case Activation::kRelu6:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = S::Min(S::Max(v[i], S::Zero()), S::Set(6.f));
      return;
    case Activation::kSwish:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = Activate<S>(v[i], Activation::kSwish);
      return;
    default:
#pragma GCC unroll 32
      for (int i = 0; i < n; ++i) v[i] = Activate<S>(v[i], act);
      return;
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_VECTOR_MATH_H_
