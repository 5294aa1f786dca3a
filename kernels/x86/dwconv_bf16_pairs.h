// BF16 depthwise convolution on AVX-512 in channel pairs, written once over an output policy O:
// O::Activate<n>(v, act) applies the activation to n FP32 vectors and O::Merge(even, odd) rounds
// the even and odd channels' results to BF16 and interleaves them into one 64-byte vector
// (avx512/half_kernels.cc: FP32-exact activations, integer rounding; avx512bf16/dwconv_bf16.cc:
// BF16-grade activations, vcvtne2ps2bf16). Weights and bias FP32, packed by
// PackDwConvWeightsBf16Pairs (32-channel tiles). Include after simd_avx512.h, vector_math.h and
// half_io.h, from a file compiled for AVX-512.
#ifndef SCALERT_KERNELS_X86_DWCONV_BF16_PAIRS_H_
#define SCALERT_KERNELS_X86_DWCONV_BF16_PAIRS_H_

#include <immintrin.h>

#include <algorithm>
#include <type_traits>

#include "kernels/kernel_types_half.h"
#include "kernels/packing.h"
#include "kernels/x86/dwconv_half_rows.h"

namespace scalert::kernels::x86 {
namespace {

// BF16 depthwise in channel pairs: one 64-byte load holds 32 channels, and BF16 widens to FP32 by
// a shift (even channels) or a mask (odd channels), so two FP32 vectors cost one load and two
// single-cycle integer ops instead of two widening shuffles; the weights are packed to match
// (PackDwConvWeightsBf16Pairs) and the two rounded halves are merged back into one store.
template <bool kFull>
inline void LoadPairs(const uint16_t* p, __mmask32 m, __m512* even, __m512* odd) {
  const __m512i raw = kFull ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi16(m, p);
  *even = _mm512_castsi512_ps(_mm512_slli_epi32(raw, 16));
  *odd = _mm512_castsi512_ps(_mm512_and_si512(raw, _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
}
template <class O, bool kFull>
inline void StorePairs(uint16_t* p, __mmask32 m, __m512 even, __m512 odd) {
  const __m512i v = O::Merge(even, odd);
  if (kFull) _mm512_storeu_si512(p, v);
  else _mm512_mask_storeu_epi16(p, m, v);
}

// The bias (t = 0) and tap t's weights (half 0: even channels, 1: odd) of a channel group. At 3x3
// stride 1 the group loads its 20 vectors once and they stay in registers across the row (about
// 10% faster than reloading them every block on Sapphire Rapids, bench_dwconv_f32 bf16/...);
// elsewhere they are read from the packed weights: 5x5's 52 would spill (a copy measured up to
// 8% slower) and at 3x3 stride 2 the register copy measured no better.
template <int K>
struct RegisterWeights {
  __m512 v[K * K + 1][2];
  explicit RegisterWeights(const float* w) {
    for (int t = 0; t <= K * K; ++t) {
      v[t][0] = _mm512_load_ps(w + 32 * t);
      v[t][1] = _mm512_load_ps(w + 32 * t + 16);
    }
  }
  __m512 operator()(int t, int half) const { return v[t][half]; }
};
struct PackedWeights {
  const float* w;
  explicit PackedWeights(const float* p) : w(p) {}
  __m512 operator()(int t, int half) const { return _mm512_load_ps(w + 32 * t + 16 * half); }
};

// Up to 4 pixels from ox, 32 channels (fewer in the tail group: mask m); as DwHalfBlock.
template <class O, int K, int St, bool kChecked, bool kFull, class W>
__attribute__((always_inline)) inline void DwPairBlock(const uint16_t* const* in, const uint16_t* zero, const W& wv,
                                                       int64_t c, int32_t pad_left, int32_t in_w, int32_t ox,
                                                       int count, uint16_t* out_row, __mmask32 m, Activation act) {
  constexpr int kPx = 4;
  constexpr int kCols = (kPx - 1) * St + K;
  __m512 acc[kPx][2];
#pragma GCC unroll 4
  for (int p = 0; p < kPx; ++p) {
    acc[p][0] = wv(0, 0);
    acc[p][1] = wv(0, 1);
  }
  const int32_t ix0 = ox * St - pad_left;
  for (int ky = 0; ky < K; ++ky) {
    if (!in[ky]) continue;
#pragma GCC unroll 11
    for (int col = 0; col < kCols; ++col) {
      const int32_t ix = ix0 + col;
      const uint16_t* src = !kChecked || (ix >= 0 && ix < in_w) ? in[ky] + static_cast<int64_t>(ix) * c : zero;
      __m512 e, o;
      LoadPairs<kFull>(src, m, &e, &o);
#pragma GCC unroll 4
      for (int p = 0; p < kPx; ++p) {
        const int kx = col - p * St;
        if (kx >= 0 && kx < K) {
          acc[p][0] = _mm512_fmadd_ps(e, wv(1 + ky * K + kx, 0), acc[p][0]);
          acc[p][1] = _mm512_fmadd_ps(o, wv(1 + ky * K + kx, 1), acc[p][1]);
        }
      }
    }
  }
  O::template Activate<kPx * 2>(&acc[0][0], act);
  for (int p = 0; p < count; ++p) StorePairs<O, kFull>(out_row + (ox + p) * c, m, acc[p][0], acc[p][1]);
}

template <class O, int K, int St, bool kFull>
void DwPairGroup(const DwConvHalfArgs& a, const uint16_t* const* rows, int32_t c0, const float* w, int32_t ox_lo,
                 int32_t ox_hi, uint16_t* out_row, __mmask32 m) {
  const ref::ConvGeometry& g = a.geo;
  const uint16_t* in[K];
  for (int ky = 0; ky < K; ++ky) in[ky] = rows[ky] ? rows[ky] + c0 : nullptr;
  const std::conditional_t<K == 3 && St == 1, RegisterWeights<K>, PackedWeights> wv(w);
  const uint16_t* zero = a.zero + c0;
  uint16_t* out = out_row + c0;
  const int32_t interior_end = ox_lo + (ox_hi - ox_lo) / 4 * 4;
  for (int32_t ox = ox_lo; ox < interior_end; ox += 4)
    DwPairBlock<O, K, St, false, kFull>(in, zero, wv, g.in_c, g.pad_left, g.in_w, ox, 4, out, m, a.act);
  for (int32_t ox = 0; ox < ox_lo; ox += 4)
    DwPairBlock<O, K, St, true, kFull>(in, zero, wv, g.in_c, g.pad_left, g.in_w, ox, std::min(4, ox_lo - ox), out, m,
                                       a.act);
  for (int32_t ox = interior_end; ox < g.out_w; ox += 4)
    DwPairBlock<O, K, St, true, kFull>(in, zero, wv, g.in_c, g.pad_left, g.in_w, ox, std::min(4, g.out_w - ox), out,
                                       m, a.act);
}

template <class O, int K, int St>
void DwPairRows(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(K * K, 32);
  const int32_t ox_lo = std::min(g.out_w, (g.pad_left + St - 1) / St);
  const int32_t last = g.in_w - K + g.pad_left;
  const int32_t ox_hi = std::max(ox_lo, std::min(g.out_w, last < 0 ? 0 : last / St + 1));
  const uint16_t* rows[K];
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwHalfRowStarts(a, row, rows);
    uint16_t* out_row = a.output + static_cast<int64_t>(row) * g.out_w * c;
    const float* w = a.packed;
    int32_t c0 = 0;
    for (; c0 + 32 <= c; c0 += 32, w += ts) DwPairGroup<O, K, St, true>(a, rows, c0, w, ox_lo, ox_hi, out_row, ~0u);
    if (c0 < c) DwPairGroup<O, K, St, false>(a, rows, c0, w, ox_lo, ox_hi, out_row, (1u << (c - c0)) - 1u);
  }
}

// Any other window, pixel by pixel.
template <class O>
void DwPairGeneric(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c, taps = g.kernel_h * g.kernel_w;
  const int64_t ts = DwTileStride(taps, 32);
  const uint16_t* rows[kMaxDwHalfTaps];
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwHalfRowStarts(a, row, rows);
    uint16_t* out_row = a.output + static_cast<int64_t>(row) * g.out_w * c;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      const float* w = a.packed;
      for (int32_t c0 = 0; c0 < c; c0 += 32, w += ts) {
        const __mmask32 m = c - c0 >= 32 ? ~0u : (1u << (c - c0)) - 1u;
        __m512 acc0 = _mm512_load_ps(w), acc1 = _mm512_load_ps(w + 16);
        for (int32_t ky = 0; ky < g.kernel_h; ++ky)
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            const uint16_t* src = rows[ky] && ix >= 0 && ix < g.in_w ? rows[ky] + static_cast<int64_t>(ix) * c : a.zero;
            __m512 e, o;
            LoadPairs<false>(src + c0, m, &e, &o);
            const float* wt = w + 32 * (1 + ky * g.kernel_w + kx);
            acc0 = _mm512_fmadd_ps(e, _mm512_load_ps(wt), acc0);
            acc1 = _mm512_fmadd_ps(o, _mm512_load_ps(wt + 16), acc1);
          }
        __m512 acc[2] = {acc0, acc1};
        O::template Activate<2>(acc, a.act);
        StorePairs<O, false>(out_row + static_cast<int64_t>(ox) * c + c0, m, acc[0], acc[1]);
      }
    }
  }
}

template <class O>
void DwConvBf16Pairs(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return DwPairRows<O, 3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return DwPairRows<O, 3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return DwPairRows<O, 5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return DwPairRows<O, 5, 2>(a, row_begin, row_end);
  DwPairGeneric<O>(a, row_begin, row_end);
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_DWCONV_BF16_PAIRS_H_
