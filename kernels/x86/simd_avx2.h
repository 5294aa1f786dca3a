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
  // A float whose low mantissa bits hold n + 127 (n integer) -> 2^n.
  static V Pow2FromBiased(V biased) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(biased), 23));
  }
  // 1 / d: 12-bit estimate and one Newton step (~23 bits).
  static V Reciprocal(V d) {
    const V r0 = _mm256_rcp_ps(d);
    return _mm256_mul_ps(r0, _mm256_fnmadd_ps(d, r0, _mm256_set1_ps(2.f)));
  }
};

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_SIMD_AVX2_H_
