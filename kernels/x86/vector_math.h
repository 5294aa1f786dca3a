// Vector activations for the generic x86 kernels, written once over a SIMD type S (simd_avx2.h,
// simd_avx512.h). Include after the SIMD header, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_VECTOR_MATH_H_
#define SCALERT_KERNELS_X86_VECTOR_MATH_H_

#include "kernels/activation.h"

namespace scalert::kernels::x86 {
namespace {

// 1 / (1 + exp(-x)) without a division (a vector divide costs as much as the rest of a GEMM
// tile's epilogue). exp(-x) = 2^n exp(r) with n = round(-x log2 e) and |r| <= ln2/2; exp(r) by a
// degree-5 polynomial fitted for minimax relative error on that range (1.6e-7 in float); 2^n
// comes from the exponent bits of a float that holds n + 127 in its low mantissa bits (adding
// 1.5 * 2^23 also rounds to the nearest integer). x is clamped to [-87, 87] so 2^n stays a
// normal float; the reciprocal is an estimate plus one Newton step. Max relative error of
// sigmoid and swish 4.5e-7 (tested in native_kernels_test). Below -87 it returns sigmoid(-87)
// ~ 1.6e-38 instead of a subnormal; `low` receives max(x, -87), which swish multiplies by so that
// swish(-1e30) is -1.4e-36 and not -1.6e-8.
template <class S>
inline typename S::V SigmoidClamped(typename S::V x, typename S::V* low) {
  using V = typename S::V;
  const V magic = S::Set(12583039.f);  // 1.5 * 2^23 + 127
  *low = S::Max(x, S::Set(-87.f));
  const V z = S::Min(*low, S::Set(87.f));
  const V nm = S::Fnma(z, S::Set(1.44269504088896341f), magic);
  const V n = S::Sub(nm, magic);
  // rn = -r = z + n ln2 in one FMA: ln2 rounded to float is off by 1.9e-9, so |n| <= 126 moves
  // r by at most 2.4e-7 (a relative error of exp of the same size), inside the bound tested.
  const V rn = S::Fma(n, S::Set(0.693147182f), z);
  // exp(r) = 1 + c1 r + ... + c5 r^5, evaluated in rn: odd coefficients negated.
  V p = S::Set(-0.008290315f);
  p = S::Fma(p, rn, S::Set(0.04189793f));
  p = S::Fma(p, rn, S::Set(-0.16667636f));
  p = S::Fma(p, rn, S::Set(0.4999915f));
  p = S::Fma(p, rn, S::Set(-0.9999997f));
  p = S::Fma(p, rn, S::Set(1.f));
  const V d = S::Fma(p, S::Pow2FromBiased(nm), S::Set(1.f));  // 1 + exp(-x)
  return S::Reciprocal(d);
}

template <class S>
inline typename S::V Activate(typename S::V x, Activation act) {
  using V = typename S::V;
  V low;
  switch (act) {
    case Activation::kNone: return x;
    case Activation::kRelu: return S::Max(x, S::Zero());
    case Activation::kRelu6: return S::Min(S::Max(x, S::Zero()), S::Set(6.f));
    case Activation::kSigmoid: return SigmoidClamped<S>(x, &low);
    case Activation::kHardSigmoid:
      return S::Min(S::Max(S::Fma(x, S::Set(1.f / 6), S::Set(0.5f)), S::Zero()), S::Set(1.f));
    case Activation::kSwish: {
      const V s = SigmoidClamped<S>(x, &low);
      return S::Mul(low, s);
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
