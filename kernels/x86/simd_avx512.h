// AVX-512 (F, BW, DQ, VL) as a vector type for the generic x86 kernels: 16 floats per register,
// 32 registers, tails by k-masks. Include only from files compiled with the AVX-512 flags
// (kernels/CMakeLists.txt). Anonymous namespace: see simd_avx2.h.
#ifndef SCALERT_KERNELS_X86_SIMD_AVX512_H_
#define SCALERT_KERNELS_X86_SIMD_AVX512_H_

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/simd_avx2.h"

namespace scalert::kernels::x86 {
namespace {

struct Avx512 {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static constexpr int kRegisters = 32;
  // 8-float registers for narrow GEMM panels: a ymm FMA costs half a zmm one on CPUs that split
  // zmm operations (AMD Zen 4), so 8 leftover columns do not pay for 16.
  using Half = Avx2;

  static V Zero() { return _mm512_setzero_ps(); }
  static V Set(float x) { return _mm512_set1_ps(x); }
  static V Load(const float* p) { return _mm512_load_ps(p); }  // 64-byte aligned
  static V LoadU(const float* p) { return _mm512_loadu_ps(p); }
  static V Broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static void StoreU(float* p, V v) { _mm512_storeu_ps(p, v); }
  static Mask FirstLanes(int n) { return static_cast<Mask>((1u << n) - 1u); }
  static Mask AllLanes() { return static_cast<Mask>(0xFFFF); }
  // Masked lanes are neither read nor written (no fault past the end of a tensor).
  static V LoadMasked(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void StoreMasked(float* p, Mask m, V v) { _mm512_mask_storeu_ps(p, m, v); }

  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V Min(V a, V b) { return _mm512_min_ps(a, b); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V Div(V a, V b) { return _mm512_div_ps(a, b); }
  // 2^(k / 16) for the integer k held in the low mantissa bits of `biased` (a float 1.5 * 2^23 + k,
  // |k| < 2^21): 2^((k mod 16) / 16) from a one-register table indexed by the low 4 bits, and
  // floor(k / 16) added into its exponent field (the caller keeps the result a normal float).
  static V Pow2OverLanes(V biased) {
    const __m512 table = _mm512_setr_ps(1.f, 1.04427373f, 1.09050775f, 1.13878858f, 1.18920708f,
                                        1.24185777f, 1.29683959f, 1.35425556f, 1.41421354f,
                                        1.47682619f, 1.54221082f, 1.61049032f, 1.68179286f,
                                        1.75625217f, 1.8340081f, 1.91520655f);
    const __m512i k = _mm512_castps_si512(biased);
    const __m512 fraction = _mm512_permutexvar_ps(k, table);
    const __m512i exponent = _mm512_slli_epi32(_mm512_srli_epi32(k, 4), 23);
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(fraction), exponent));
  }
};

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_SIMD_AVX512_H_
