// Loads and stores of 16-bit floats (FP16, BF16) as FP32 vectors for the generic x86 kernels,
// over a SIMD type S (simd_avx2.h, simd_avx512.h). Stores round to nearest even exactly as
// kernels/reference/float_formats.h does (BF16 by integer arithmetic, so subnormals and NaN
// match; FP16 by F16C, which rounds the same way), so a kernel's output equals the reference's
// whenever its FP32 value does. Partial loads and stores touch only the first n elements.
// Include after the SIMD header, from a file compiled for that ISA (F16C is part of both levels).
#ifndef SCALERT_KERNELS_X86_HALF_IO_H_
#define SCALERT_KERNELS_X86_HALF_IO_H_

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace scalert::kernels::x86 {
namespace {

struct F16Format {};
struct Bf16Format {};

template <class S, class F> struct HalfIo;

#if defined(__AVX512BW__) && defined(__AVX512VL__)  // files compiled for AVX-512 (simd_avx512.h)
template <> struct HalfIo<Avx512, Bf16Format> {
  static __m512 FromBits(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  static __m512 Load(const uint16_t* p) { return FromBits(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static __m512 LoadPartial(const uint16_t* p, int n) {
    return FromBits(_mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << n) - 1u), p));
  }
  // Round to nearest even in the integer domain; NaN becomes a quiet NaN.
  static __m512i Round(__m512 v) {
    const __m512i u = _mm512_castps_si512(v);
    const __m512i hi = _mm512_srli_epi32(u, 16);
    const __m512i lsb = _mm512_and_si512(hi, _mm512_set1_epi32(1));
    const __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(hi, _mm512_set1_epi32(0x40)));
  }
  static void Store(uint16_t* p, __m512 v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(Round(v)));
  }
  static void StorePartial(uint16_t* p, int n, __m512 v) {
    _mm512_mask_cvtepi32_storeu_epi16(p, static_cast<__mmask16>((1u << n) - 1u), Round(v));
  }
};

template <> struct HalfIo<Avx512, F16Format> {
  static __m512 Load(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
  static __m512 LoadPartial(const uint16_t* p, int n) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << n) - 1u), p));
  }
  static void Store(uint16_t* p, __m512 v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static void StorePartial(uint16_t* p, int n, __m512 v) {
    _mm256_mask_storeu_epi16(p, static_cast<__mmask16>((1u << n) - 1u),
                             _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
};

#endif

// AVX2 has no 16-bit masked moves: partial loads and stores go through 8 elements on the stack.
template <class Full> struct Avx2Partial {
  static __m256 LoadPartial(const uint16_t* p, int n) {
    alignas(16) uint16_t t[8] = {};
    std::memcpy(t, p, static_cast<size_t>(n) * 2);
    return Full::Load(t);
  }
  static void StorePartial(uint16_t* p, int n, __m256 v) {
    alignas(16) uint16_t t[8];
    Full::Store(t, v);
    std::memcpy(p, t, static_cast<size_t>(n) * 2);
  }
};

template <> struct HalfIo<Avx2, Bf16Format> : Avx2Partial<HalfIo<Avx2, Bf16Format>> {
  static __m256 Load(const uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static void Store(uint16_t* p, __m256 v) {
    const __m256i u = _mm256_castps_si256(v);
    const __m256i hi = _mm256_srli_epi32(u, 16);
    const __m256i lsb = _mm256_and_si256(hi, _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), lsb), 16);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    r = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(r),
                                             _mm256_castsi256_ps(_mm256_or_si256(hi, _mm256_set1_epi32(0x40))), nan));
    // Values are in [0, 65535]: the unsigned saturating pack keeps them; it packs per 128-bit
    // half, so the two useful quarters are gathered into the low half.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
};

template <> struct HalfIo<Avx2, F16Format> : Avx2Partial<HalfIo<Avx2, F16Format>> {
  static __m256 Load(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static void Store(uint16_t* p, __m256 v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
};

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_HALF_IO_H_
