// The FP32 depthwise convolution of the native backend, written once over a SIMD type S and
// instantiated per ISA; weights packed by PackDwConvWeights with channel_tile = S::kLanes.
// 3x3 and 5x5 windows at stride 1 or 2 (every MBConv depthwise) run a row kernel: for each
// output row and each group of 2 vectors (then 1, then a masked tail) of channels, the interior
// pixels go in blocks of 4, and every input column a block reads is loaded once and used for all
// the pixels and taps that need it (a 3x3 stride-1 block: 18 loads for 36 FMAs, against 2 loads
// per FMA pixel by pixel). Padding is handled by edge specialization: kernel rows in the padding
// are skipped per row, and border pixels whose window leaves the image go through the same
// 4-pixel block reading the zero vector for the missing columns. Other windows (dilation, 7x7,
// ...) use the generic per-pixel path over a tap table.
// Include after the SIMD header and vector_math.h, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_DWCONV_F32_ROWS_H_
#define SCALERT_KERNELS_X86_DWCONV_F32_ROWS_H_

#include <algorithm>

#include "kernels/dwconv_taps.h"
#include "kernels/kernel_types.h"
#include "kernels/packing.h"

namespace scalert::kernels::x86 {
namespace {

// ---- Generic path: any window, tap pointers per pixel. ----

// kTaps > 0: the window size known at compile time; 0: `taps_n` at run time.
template <class S, int kTaps>
void DwGenericRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end, int32_t taps_n) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  if (kTaps > 0) taps_n = kTaps;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(taps_n, L);
  const float* taps[kMaxDwTaps];
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      DwPixelTaps(a, rows, ox, taps);
      float* out = out_row + static_cast<int64_t>(ox) * c;
      const float* w = a.packed;
      int32_t c0 = 0;
      for (; c0 + 2 * L <= c; c0 += 2 * L, w += 2 * ts) {
        V acc0 = S::Load(w), acc1 = S::Load(w + ts);
        for (int32_t t = 0; t < taps_n; ++t) {
          acc0 = S::Fma(S::LoadU(taps[t] + c0), S::Load(w + L * (t + 1)), acc0);
          acc1 = S::Fma(S::LoadU(taps[t] + c0 + L), S::Load(w + ts + L * (t + 1)), acc1);
        }
        S::StoreU(out + c0, Activate<S>(acc0, a.act));
        S::StoreU(out + c0 + L, Activate<S>(acc1, a.act));
      }
      for (; c0 < c; c0 += L, w += ts) {
        const typename S::Mask mask = S::FirstLanes(std::min<int32_t>(L, c - c0));
        V acc = S::Load(w);
        for (int32_t t = 0; t < taps_n; ++t)
          acc = S::Fma(S::LoadMasked(taps[t] + c0, mask), S::Load(w + L * (t + 1)), acc);
        S::StoreMasked(out + c0, mask, Activate<S>(acc, a.act));
      }
    }
  }
}

// ---- Row kernels for K x K windows at stride St (dilation 1). ----

// Loads one vector of channels: full, or the lanes of `mask` (channel tail; masked lanes read
// nothing).
template <class S, bool kMasked>
inline typename S::V DwLoad(const float* p, typename S::Mask mask) {
  if (kMasked) return S::LoadMasked(p, mask);
  return S::LoadU(p);
}
template <class S, bool kMasked>
inline void DwStore(float* p, typename S::Mask mask, typename S::V v) {
  if (kMasked) S::StoreMasked(p, mask, v);
  else S::StoreU(p, v);
}

// One output row, channels [c0, c0 + L * NV) (NV vectors; kMasked: NV == 1 and the lanes of
// mask), pixels [ox_begin, ox_end) (a multiple of 4 of them: DwChannelGroup sends the rest to
// DwCheckedBlock), all of whose windows lie inside the image horizontally.
// `in[ky]` is input row ky of the window at channel c0 and column 0, or null in the padding.
template <class S, int K, int St, int NV, bool kMasked>
void DwInteriorPixels(const float* const* in, const float* w, int64_t ts, int64_t c, int32_t pad_left,
                      int32_t ox_begin, int32_t ox_end, float* out_row, typename S::Mask mask, Activation act) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  constexpr int kPx = 4;                    // output pixels per block
  constexpr int kCols = (kPx - 1) * St + K;  // input columns a block reads
  const int64_t col_step = c;                // floats between input columns
  int32_t ox = ox_begin;
  for (; ox + kPx <= ox_end; ox += kPx) {
    V acc[kPx][NV];
#pragma GCC unroll 4
    for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[p][v] = S::Load(w + v * ts);
    const int64_t ix0 = static_cast<int64_t>(ox) * St - pad_left;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky) {
      if (!in[ky]) continue;
      const float* src = in[ky] + ix0 * col_step;
      const float* wk = w + L * (1 + ky * K);
#pragma GCC unroll 11
      for (int col = 0; col < kCols; ++col) {
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
          const V x = DwLoad<S, kMasked>(src + col * col_step + L * v, mask);
#pragma GCC unroll 4
          for (int p = 0; p < kPx; ++p) {
            const int kx = col - p * St;
            if (kx >= 0 && kx < K) acc[p][v] = S::Fma(x, S::Load(wk + v * ts + L * kx), acc[p][v]);
          }
        }
      }
    }
    ActivateAll<S, kPx * NV>(&acc[0][0], act);
#pragma GCC unroll 4
    for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) DwStore<S, kMasked>(out_row + (ox + p) * c + L * v, mask, acc[p][v]);
  }
}

// Up to 4 pixels from ox whose windows may leave the image: the same 4-pixel block as the
// interior (each input column loaded once for every pixel and tap that needs it), with columns
// outside [0, in_w) read from the zero vector. Only the first `count` pixels are stored. On 7- and
// 14-wide maps most pixels are border pixels, so this path matters as much as the interior.
template <class S, int K, int St, int NV, bool kMasked>
void DwCheckedBlock(const float* const* in, const float* zero, const float* w, int64_t ts, int64_t c,
                    int32_t pad_left, int32_t in_w, int32_t ox, int count, float* out_row, typename S::Mask mask,
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
  const float* cols[kCols];
  for (int ky = 0; ky < K; ++ky) {
    if (!in[ky]) continue;
#pragma GCC unroll 11
    for (int col = 0; col < kCols; ++col) {
      const int32_t ix = ix0 + col;
      cols[col] = ix >= 0 && ix < in_w ? in[ky] + static_cast<int64_t>(ix) * c : zero;
    }
    const float* wk = w + L * (1 + ky * K);
#pragma GCC unroll 11
    for (int col = 0; col < kCols; ++col) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const V x = DwLoad<S, kMasked>(cols[col] + L * v, mask);
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
    for (int v = 0; v < NV; ++v) DwStore<S, kMasked>(out_row + (ox + p) * c + L * v, mask, acc[p][v]);
}

template <class S, int K, int St, int NV, bool kMasked>
void DwChannelGroup(const DwConvArgs& a, const DwRowTaps& rows, int32_t c0, const float* w, int32_t ox_lo,
                    int32_t ox_hi, float* out_row, typename S::Mask mask) {
  const ref::ConvGeometry& g = a.geo;
  const int64_t ts = DwTileStride(K * K, S::kLanes);
  const float* in[K];
  for (int ky = 0; ky < K; ++ky) in[ky] = rows.row[ky] ? rows.row[ky] + c0 : nullptr;
  const float* zero = a.zero + c0;  // at least RoundUp(in_c, kLanes) zeros
  float* out = out_row + c0;
  // The row in blocks of 4 pixels from column 0: whole blocks whose windows lie inside the image
  // on the unchecked path, the others checked. Starting the interior at a multiple of 4 (not at
  // ox_lo) keeps every block but the last one full: a 7-wide map runs 2 blocks, not 3 (border
  // 1-2, interior 0-1, border 4-5), and a 14-wide one 4, not 5.
  const int32_t interior_begin = std::min(g.out_w, (ox_lo + 3) / 4 * 4);
  const int32_t interior_end = interior_begin + std::max(0, ox_hi - interior_begin) / 4 * 4;
  DwInteriorPixels<S, K, St, NV, kMasked>(in, w, ts, g.in_c, g.pad_left, interior_begin, interior_end, out, mask,
                                          a.act);
  for (int32_t ox = 0; ox < interior_begin; ox += 4)
    DwCheckedBlock<S, K, St, NV, kMasked>(in, zero, w, ts, g.in_c, g.pad_left, g.in_w, ox,
                                          std::min(4, interior_begin - ox), out, mask, a.act);
  for (int32_t ox = interior_end; ox < g.out_w; ox += 4)
    DwCheckedBlock<S, K, St, NV, kMasked>(in, zero, w, ts, g.in_c, g.pad_left, g.in_w, ox,
                                          std::min(4, g.out_w - ox), out, mask, a.act);
}

template <class S, int K, int St>
void DwBlockedRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  constexpr int L = S::kLanes;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(K * K, L);
  // Interior output columns [ox_lo, ox_hi): the whole window inside [0, in_w).
  const int32_t ox_lo = std::min(g.out_w, (g.pad_left + St - 1) / St);
  const int32_t last = g.in_w - K + g.pad_left;  // largest ox * St with the window inside
  const int32_t ox_hi = std::max(ox_lo, std::min(g.out_w, last < 0 ? 0 : last / St + 1));
  const typename S::Mask full = S::AllLanes();
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    const float* w = a.packed;
    int32_t c0 = 0;
    for (; c0 + 2 * L <= c; c0 += 2 * L, w += 2 * ts)
      DwChannelGroup<S, K, St, 2, false>(a, rows, c0, w, ox_lo, ox_hi, out_row, full);
    if (c0 + L <= c) {
      DwChannelGroup<S, K, St, 1, false>(a, rows, c0, w, ox_lo, ox_hi, out_row, full);
      c0 += L;
      w += ts;
    }
    if (c0 < c) DwChannelGroup<S, K, St, 1, true>(a, rows, c0, w, ox_lo, ox_hi, out_row, S::FirstLanes(c - c0));
  }
}

template <class S>
void DwConvF32(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t taps_n = g.kernel_h * g.kernel_w;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return DwBlockedRows<S, 3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return DwBlockedRows<S, 3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return DwBlockedRows<S, 5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return DwBlockedRows<S, 5, 2>(a, row_begin, row_end);
  switch (taps_n) {
    case 9: DwGenericRows<S, 9>(a, row_begin, row_end, taps_n); break;
    case 25: DwGenericRows<S, 25>(a, row_begin, row_end, taps_n); break;
    default: DwGenericRows<S, 0>(a, row_begin, row_end, taps_n); break;
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_DWCONV_F32_ROWS_H_
