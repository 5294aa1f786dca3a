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
  static Half::V LowHalf(V v) { return _mm512_castps512_ps256(v); }  // the first 8 lanes (no instruction)

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
  // 2^(k / 32) for the integer k held in the low mantissa bits of `biased` (the float
  // 1.5 * 2^23 + k, |k| < 2^13): 2^((k mod 32) / 32) from a two-register table indexed by the low
  // 5 bits, and floor(k / 32) in its exponent field. Each entry holds the bits of 2^(j/32) minus
  // j << 18, so adding k << 18 (whose low 5 bits land in the mantissa) adds exactly
  // floor(k / 32) << 23. The caller keeps the result a normal float.
  static constexpr int kPow2Steps = 32;
  static V Pow2OverSteps(V biased) {
    alignas(64) static constexpr int32_t kTable[32] = {
        0x3F800000, 0x3F7ECD87, 0x3F7DAAC3, 0x3F7C980F, 0x3F7B95C2, 0x3F7AA43A, 0x3F79C3D3, 0x3F78F4F0,
        0x3F7837F0, 0x3F778D3A, 0x3F76F532, 0x3F767043, 0x3F75FED7, 0x3F75A15B, 0x3F75583F, 0x3F7523F6,
        0x3F7504F3, 0x3F74FBAF, 0x3F7508A4, 0x3F752C4D, 0x3F75672A, 0x3F75B9BE, 0x3F76248C, 0x3F76A81E,
        0x3F7744FD, 0x3F77FBB8, 0x3F78CCDF, 0x3F79B907, 0x3F7AC0C7, 0x3F7BE4BA, 0x3F7D257D, 0x3F7E83B3};
    const __m512i k = _mm512_castps_si512(biased);
    const __m512i fraction = _mm512_permutex2var_epi32(_mm512_load_si512(kTable), k, _mm512_load_si512(kTable + 16));
    return _mm512_castsi512_ps(_mm512_add_epi32(fraction, _mm512_slli_epi32(k, 18)));
  }
};

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_SIMD_AVX512_H_
