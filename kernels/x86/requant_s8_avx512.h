// The INT8 epilogue on AVX-512 (kernel_types_s8.h): int32 accumulators + bias, times the
// per-channel factor in single precision, clamped, rounded to nearest even (cvtps2dq under the
// default MXCSR), plus the zero point (callers narrow to int8 by a masked vpmovdb store).
// AVX-512 files only.
#ifndef SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_
#define SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_

#include <immintrin.h>

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {
namespace {

inline __mmask16 Mask16(int32_t count) {
  if (count <= 0) return 0;
  return count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

// v clamped, rounded, plus the zero point: 16 int32 lanes in [-128, 127].
inline __m512i RoundClamp16(__m512 v, const RequantS8& o) {
  v = _mm512_max_ps(v, _mm512_set1_ps(o.lo));  // NaN -> lo (maxps returns its second operand)
  v = _mm512_min_ps(v, _mm512_set1_ps(o.hi));
  return _mm512_add_epi32(_mm512_cvtps_epi32(v), _mm512_set1_epi32(o.zero_point));
}
// The same for float(acc) * scale (acc already holds the bias).
inline __m512i Requant16(__m512i acc, __m512 scale, const RequantS8& o) {
  return RoundClamp16(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale), o);
}

// The bounds of a requantization clamped by saturating packs (the avx512vnni GEMM and depthwise):
// int8 values [lo, hi], and whether they are narrower than int8's own (a fused relu / relu6,
// applied by a byte max / min after the packs).
struct ByteBounds {
  int32_t lo, hi;
  bool narrower;
};
inline ByteBounds ByteBoundsOf(const RequantS8& o) {
  const int32_t lo = static_cast<int32_t>(o.lo) + o.zero_point, hi = static_cast<int32_t>(o.hi) + o.zero_point;
  return {lo, hi, lo > -128 || hi < 127};
}

// 64 requantized bytes in channel order from four vectors of 16 scaled sums (float(acc) * m, in
// order), clamped by saturation as the GEMM's epilogue: min(2^30, v) keeps overflow high (and a
// NaN gives INT_MIN, i.e. lo, as RoundClamp16), cvtps2dq rounds to nearest even, saturating packs
// to int16, + zero point, saturating pack to int8, then a fused relu / relu6's byte bounds. One
// 64-byte store instead of four vpmovdb stores (slow on Zen 4).
// Unsigned (PackAs<..., true>, from a packer made with unsigned_out): the bytes y + 128, by the
// zero point + 128 and an unsigned saturating pack ([0, 255] of s + zp + 128 is [-128, 127] of
// s + zp, plus 128, for any int16 s), at no extra cost.
struct BytePacker {
  __m512 big;
  __m512i zp, lo8, hi8, order;
  bool clamp;
  explicit BytePacker(const RequantS8& o, bool unsigned_out = false) {
    const ByteBounds b = ByteBoundsOf(o);
    const int32_t shift = unsigned_out ? 128 : 0;
    big = _mm512_set1_ps(1073741824.f);
    zp = _mm512_set1_epi16(static_cast<int16_t>(o.zero_point + shift));
    lo8 = _mm512_set1_epi8(static_cast<char>(b.lo + shift));
    hi8 = _mm512_set1_epi8(static_cast<char>(b.hi + shift));
    // After the two packs, dword 4i + j holds bytes 4i..4i+3 of vector j.
    order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    clamp = b.narrower;
  }
  __m512i Round(__m512 v) const { return _mm512_cvtps_epi32(_mm512_min_ps(big, v)); }
  // kBounded: every |v| < 2^31 (no +inf, NaN or overflow), so cvtps2dq needs no min first.
  template <bool kBounded = false>
  __m512i Pack(__m512 v0, __m512 v1, __m512 v2, __m512 v3) const {
    return clamp ? PackAs<kBounded, true>(v0, v1, v2, v3) : PackAs<kBounded, false>(v0, v1, v2, v3);
  }
  // The same with `clamp` fixed at compile time (kClamp == clamp), for loops that choose once.
  template <bool kBounded, bool kClamp, bool kUnsigned = false>
  __m512i PackAs(__m512 v0, __m512 v1, __m512 v2, __m512 v3) const {
    return _mm512_permutexvar_epi32(order, PackUnordered<kBounded, kClamp, kUnsigned>(v0, v1, v2, v3));
  }
  // The bytes before that order, for callers that permute them their own way: dword 4i + j holds
  // bytes 4i..4i+3 of vector j.
  template <bool kBounded, bool kClamp, bool kUnsigned = false>
  __m512i PackUnordered(__m512 v0, __m512 v1, __m512 v2, __m512 v3) const {
    const auto round = [this](__m512 v) { return kBounded ? _mm512_cvtps_epi32(v) : Round(v); };
    const __m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(round(v0), round(v1)), zp);
    const __m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(round(v2), round(v3)), zp);
    __m512i b = kUnsigned ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
    if constexpr (kClamp && kUnsigned) b = _mm512_min_epu8(_mm512_max_epu8(b, lo8), hi8);
    else if constexpr (kClamp) b = _mm512_min_epi8(_mm512_max_epi8(b, lo8), hi8);
    return b;
  }
};

// Stores the first `count` of 64 bytes: a plain store when all of them (a masked byte store of a
// zmm is slow on Zen 4).
inline void StoreBytes64(int8_t* dst, __m512i v, int64_t count) {
  if (count >= 64) _mm512_storeu_si512(dst, v);
  else _mm512_mask_storeu_epi8(dst, (~__mmask64{0}) >> (64 - count), v);
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_REQUANT_S8_AVX512_H_
