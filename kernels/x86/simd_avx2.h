// AVX2 + FMA as a vector type for the generic x86 kernels (gemm_f32_tiles.h, dwconv_f32_rows.h,
// elementwise_f32_loops.h): 8 floats per register, 16 registers, tails by lane masks. Include
// only from files compiled with -mavx2 -mfma. Everything here is in an anonymous namespace so
// that each ISA's translation unit keeps its own copy (no inline function compiled for AVX-512
// can be picked by the linker for an AVX2 caller).
#ifndef SCALERT_KERNELS_X86_SIMD_AVX2_H_
#define SCALERT_KERNELS_X86_SIMD_AVX2_H_

#include <immintrin.h>

#include <cstdint>

namespace scalert::kernels::x86 {
namespace {

struct Avx2 {
  using V = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  static constexpr int kRegisters = 16;

  static V Zero() { return _mm256_setzero_ps(); }
  static V Set(float x) { return _mm256_set1_ps(x); }
  static V Load(const float* p) { return _mm256_load_ps(p); }  // 32-byte aligned
  static V LoadU(const float* p) { return _mm256_loadu_ps(p); }
  static V Broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static void StoreU(float* p, V v) { _mm256_storeu_ps(p, v); }
  // The first n (0..8) lanes.
  static Mask FirstLanes(int n) {
    alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
  }
  static Mask AllLanes() { return _mm256_set1_epi32(-1); }
  // Masked lanes are neither read nor written (no fault past the end of a tensor).
  static V LoadMasked(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static void StoreMasked(float* p, Mask m, V v) { _mm256_maskstore_ps(p, m, v); }

  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V Min(V a, V b) { return _mm256_min_ps(a, b); }
  static V Max(V a, V b) { return _mm256_max_ps(a, b); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }    // a * b + c
  static V Fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }  // c - a * b
  static V Div(V a, V b) { return _mm256_div_ps(a, b); }
  // 2^(k / 8) for the integer k held in the low mantissa bits of `biased` (the float
  // 1.5 * 2^23 + k, |k| < 2^11): 2^((k mod 8) / 8) from a one-register table indexed by the low
  // 3 bits, and floor(k / 8) in its exponent field. Each entry holds the bits of 2^(j/8) minus
  // j << 20, so adding k << 20 (whose low 3 bits land in the mantissa) adds exactly
  // floor(k / 8) << 23 (simd_avx512.h does the same with 32 steps). The caller keeps the result
  // a normal float.
  static constexpr int kPow2Steps = 8;
  static V Pow2OverSteps(V biased) {
    const __m256i table = _mm256_setr_epi32(0x3F800000, 0x3F7B95C2, 0x3F7837F0, 0x3F75FED7, 0x3F7504F3,
                                            0x3F75672A, 0x3F7744FD, 0x3F7AC0C7);
    const __m256i k = _mm256_castps_si256(biased);
    const __m256i fraction = _mm256_permutevar8x32_epi32(table, k);
    return _mm256_castsi256_ps(_mm256_add_epi32(fraction, _mm256_slli_epi32(k, 20)));
  }
};

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_SIMD_AVX2_H_
