// Depthwise convolution on 16-bit float activations (FP16 or BF16 storage, FP32 arithmetic),
// written once over a SIMD type S and a storage format F (half_io.h); weights and bias FP32,
// packed by PackDwConvWeights with channel_tile = S::kLanes. The same row scheme as the FP32
// kernel (dwconv_f32_rows.h): for 3x3 and 5x5 windows at stride 1 or 2, output pixels go in
// blocks of 4 and every input column a block reads is converted once and used for all the pixels
// and taps that need it; columns outside the image read the zero row. Other windows take a
// per-pixel path. Each output is rounded once, when stored.
// Include after the SIMD header, vector_math.h and half_io.h, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_DWCONV_HALF_ROWS_H_
#define SCALERT_KERNELS_X86_DWCONV_HALF_ROWS_H_

#include <algorithm>

#include "kernels/kernel_types_half.h"
#include "kernels/packing.h"

namespace scalert::kernels::x86 {
namespace {

inline constexpr int32_t kMaxDwHalfTaps = 64;

// Input row ky of output row `row`'s window, or null in the padding.
inline void DwHalfRowStarts(const DwConvHalfArgs& a, int32_t row, const uint16_t** rows) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
    const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    rows[ky] = iy < 0 || iy >= g.in_h ? nullptr : a.input + (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w * g.in_c;
  }
}

// Output columns [*ox_lo, *ox_hi) whose K-wide windows at stride St lie inside the image.
template <int K, int St>
inline void DwHalfInterior(const ref::ConvGeometry& g, int32_t* ox_lo, int32_t* ox_hi) {
  *ox_lo = std::min(g.out_w, (g.pad_left + St - 1) / St);
  const int32_t last = g.in_w - K + g.pad_left;
  *ox_hi = std::max(*ox_lo, std::min(g.out_w, last < 0 ? 0 : last / St + 1));
}

// `lanes` < kLanes: the channel tail (partial loads and stores).
template <class S, class F>
inline typename S::V DwHalfLoad(const uint16_t* p, int lanes) {
  return lanes == S::kLanes ? HalfIo<S, F>::Load(p) : HalfIo<S, F>::LoadPartial(p, lanes);
}
template <class S, class F>
inline void DwHalfStore(uint16_t* p, int lanes, typename S::V v) {
  if (lanes == S::kLanes) HalfIo<S, F>::Store(p, v);
  else HalfIo<S, F>::StorePartial(p, lanes, v);
}

// Up to 4 pixels from ox of one output row, channels [c0, c0 + NV * kLanes) (the last vector
// `lanes` wide). kChecked: columns outside [0, in_w) read `zero`; otherwise every window is
// inside the image horizontally. Only the first `count` pixels are stored.
template <class S, class F, int K, int St, int NV, bool kChecked>
inline void DwHalfBlock(const uint16_t* const* in, const uint16_t* zero, const float* w, int64_t ts, int64_t c,
                        int32_t pad_left, int32_t in_w, int32_t ox, int count, uint16_t* out_row, int lanes,
                        Activation act) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  constexpr int kPx = 4;
  constexpr int kCols = (kPx - 1) * St + K;
  V acc[kPx][NV];
#pragma GCC unroll 4
  for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[p][v] = S::Load(w + v * ts);
  const int32_t ix0 = ox * St - pad_left;
  for (int ky = 0; ky < K; ++ky) {
    if (!in[ky]) continue;
    const float* wk = w + L * (1 + ky * K);
#pragma GCC unroll 11
    for (int col = 0; col < kCols; ++col) {
      const int32_t ix = ix0 + col;
      const uint16_t* src = !kChecked || (ix >= 0 && ix < in_w) ? in[ky] + static_cast<int64_t>(ix) * c : zero;
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const V x = DwHalfLoad<S, F>(src + L * v, v == NV - 1 ? lanes : L);
#pragma GCC unroll 4
        for (int p = 0; p < kPx; ++p) {
          const int kx = col - p * St;
          if (kx >= 0 && kx < K) acc[p][v] = S::Fma(x, S::Load(wk + v * ts + L * kx), acc[p][v]);
        }
      }
    }
  }
  ActivateAll<S, kPx * NV>(&acc[0][0], act);
  for (int p = 0; p < count; ++p)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) DwHalfStore<S, F>(out_row + (ox + p) * c + L * v, v == NV - 1 ? lanes : L, acc[p][v]);
}

template <class S, class F, int K, int St, int NV>
void DwHalfChannelGroup(const DwConvHalfArgs& a, const uint16_t* const* rows, int32_t c0, const float* w,
                        int32_t ox_lo, int32_t ox_hi, uint16_t* out_row, int lanes) {
  const ref::ConvGeometry& g = a.geo;
  const int64_t ts = DwTileStride(K * K, S::kLanes);
  const uint16_t* in[K];
  for (int ky = 0; ky < K; ++ky) in[ky] = rows[ky] ? rows[ky] + c0 : nullptr;
  const uint16_t* zero = a.zero + c0;
  uint16_t* out = out_row + c0;
  const int32_t interior_end = ox_lo + (ox_hi - ox_lo) / 4 * 4;
  for (int32_t ox = ox_lo; ox < interior_end; ox += 4)
    DwHalfBlock<S, F, K, St, NV, false>(in, zero, w, ts, g.in_c, g.pad_left, g.in_w, ox, 4, out, lanes, a.act);
  for (int32_t ox = 0; ox < ox_lo; ox += 4)
    DwHalfBlock<S, F, K, St, NV, true>(in, zero, w, ts, g.in_c, g.pad_left, g.in_w, ox, std::min(4, ox_lo - ox), out,
                                       lanes, a.act);
  for (int32_t ox = interior_end; ox < g.out_w; ox += 4)
    DwHalfBlock<S, F, K, St, NV, true>(in, zero, w, ts, g.in_c, g.pad_left, g.in_w, ox, std::min(4, g.out_w - ox),
                                       out, lanes, a.act);
}

template <class S, class F, int K, int St>
void DwHalfBlockedRows(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  constexpr int L = S::kLanes;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(K * K, L);
  int32_t ox_lo, ox_hi;
  DwHalfInterior<K, St>(g, &ox_lo, &ox_hi);
  const uint16_t* rows[K];
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwHalfRowStarts(a, row, rows);
    uint16_t* out_row = a.output + static_cast<int64_t>(row) * g.out_w * c;
    const float* w = a.packed;
    int32_t c0 = 0;
    for (; c0 + 2 * L <= c; c0 += 2 * L, w += 2 * ts)
      DwHalfChannelGroup<S, F, K, St, 2>(a, rows, c0, w, ox_lo, ox_hi, out_row, L);
    for (; c0 < c; c0 += L, w += ts)
      DwHalfChannelGroup<S, F, K, St, 1>(a, rows, c0, w, ox_lo, ox_hi, out_row, std::min<int32_t>(L, c - c0));
  }
}

// Any window: per pixel, per channel vector, over the taps.
template <class S, class F>
void DwHalfGenericRows(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c, taps_n = g.kernel_h * g.kernel_w;
  const int64_t ts = DwTileStride(taps_n, L);
  const uint16_t* rows[kMaxDwHalfTaps];
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwHalfRowStarts(a, row, rows);
    uint16_t* out_row = a.output + static_cast<int64_t>(row) * g.out_w * c;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      const float* w = a.packed;
      for (int32_t c0 = 0; c0 < c; c0 += L, w += ts) {
        const int lanes = std::min<int32_t>(L, c - c0);
        V acc = S::Load(w);
        for (int32_t ky = 0; ky < g.kernel_h; ++ky)
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            const uint16_t* src = rows[ky] && ix >= 0 && ix < g.in_w ? rows[ky] + static_cast<int64_t>(ix) * c : a.zero;
            acc = S::Fma(DwHalfLoad<S, F>(src + c0, lanes), S::Load(w + L * (1 + ky * g.kernel_w + kx)), acc);
          }
        DwHalfStore<S, F>(out_row + static_cast<int64_t>(ox) * c + c0, lanes, Activate<S>(acc, a.act));
      }
    }
  }
}

template <class S, class F>
void DwConvHalf(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return DwHalfBlockedRows<S, F, 3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return DwHalfBlockedRows<S, F, 3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return DwHalfBlockedRows<S, F, 5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return DwHalfBlockedRows<S, F, 5, 2>(a, row_begin, row_end);
  DwHalfGenericRows<S, F>(a, row_begin, row_end);
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_DWCONV_HALF_ROWS_H_
