// NEON depthwise convolution. 3x3 and 5x5 windows at stride 1 or 2 (every MBConv depthwise) run
// a row kernel: for each output row and each group of 16 (then 8, 4, and a partial tail of)
// channels, interior pixels go in blocks of 4 and every input column a block reads is loaded once
// and used for all the pixels and taps that need it. Padding is handled by edge specialization:
// kernel rows in the padding are skipped per row, and border pixels whose window leaves the image
// go through a per-pixel path that skips the missing columns. Other windows (dilation, 7x7, ...)
// use the generic per-pixel path over a tap table. A 16-channel block of 4 pixels holds 16
// accumulators, half of AArch64's 32 vector registers.
#include <algorithm>

#include "kernels/arm/neon/kernels_f32.h"
#include "kernels/arm/neon/vector_math_neon.h"
#include "kernels/dwconv_taps.h"
#include "kernels/packing.h"

namespace scalert::kernels {
namespace {

using neon::Activate;
using neon::ActivateAll;
using neon::LoadPartial;
using neon::StorePartial;

// Weights are packed in tiles of 8 channels (registered channel_tile), addressed as two 4-lane
// halves, so a 16-channel group reads two whole tiles.
constexpr int32_t kDwChannelTile = 8;

// Packed weights for channels [c0, c0 + 4) (c0 a multiple of 4): their biases; tap t at +8 (t + 1).
inline const float* QuadWeights(const float* packed, int64_t ts, int32_t c0) {
  return packed + (c0 / kDwChannelTile) * ts + c0 % kDwChannelTile;
}
// Vector v of a group starting at a multiple of 8 channels: halves of consecutive tiles.
inline int64_t VecOffset(int v, int64_t ts) { return (v / 2) * ts + (v % 2) * 4; }

// Loads 4 channels: all of them, or the first `lanes` (kPartial: V == 1, the channel tail).
template <bool kPartial>
inline float32x4_t Load(const float* p, int lanes) {
  if (kPartial) return LoadPartial(p, lanes);
  return vld1q_f32(p);
}
template <bool kPartial>
inline void Store(float* p, float32x4_t v, int lanes) {
  if (kPartial) StorePartial(p, v, lanes);
  else vst1q_f32(p, v);
}

// ---- Generic path: any window, tap pointers per pixel. ----

template <int V, bool kPartial>
inline void GenericPixel(const float* const* taps, int32_t taps_n, const float* w, int64_t ts, int32_t c0,
                         float* out, int lanes, Activation act) {
  float32x4_t acc[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) acc[v] = vld1q_f32(w + VecOffset(v, ts));
  for (int32_t t = 0; t < taps_n; ++t)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[v] = vfmaq_f32(acc[v], Load<kPartial>(taps[t] + c0 + 4 * v, lanes), vld1q_f32(w + VecOffset(v, ts) + 8 * (t + 1)));
  ActivateAll<V>(acc, act);
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) Store<kPartial>(out + c0 + 4 * v, acc[v], lanes);
}

void GenericRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int32_t taps_n = g.kernel_h * g.kernel_w;
  const int64_t ts = DwTileStride(taps_n, kDwChannelTile);
  const float* taps[kMaxDwTaps];
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      DwPixelTaps(a, rows, ox, taps);
      float* out = out_row + static_cast<int64_t>(ox) * c;
      int32_t c0 = 0;
      for (; c0 + 16 <= c; c0 += 16) GenericPixel<4, false>(taps, taps_n, QuadWeights(a.packed, ts, c0), ts, c0, out, 4, a.act);
      for (; c0 + 4 <= c; c0 += 4) GenericPixel<1, false>(taps, taps_n, QuadWeights(a.packed, ts, c0), ts, c0, out, 4, a.act);
      if (c0 < c) GenericPixel<1, true>(taps, taps_n, QuadWeights(a.packed, ts, c0), ts, c0, out, c - c0, a.act);
    }
  }
}

// ---- Row kernels for K x K windows at stride S (dilation 1). ----

// One output row, V vectors of channels from `in[ky]`/`w`, pixels [ox_begin, ox_end), all of
// whose windows lie inside the image horizontally. `in[ky]` is input row ky of the window at the
// group's first channel and column 0, or null in the padding.
template <int K, int S, int V, bool kPartial>
void InteriorPixels(const float* const* in, const float* w, int64_t ts, int64_t c, int32_t pad_left,
                    int32_t ox_begin, int32_t ox_end, float* out_row, int lanes, Activation act) {
  constexpr int kPx = 4;                    // output pixels per block
  constexpr int kCols = (kPx - 1) * S + K;  // input columns a block reads
  int32_t ox = ox_begin;
  for (; ox + kPx <= ox_end; ox += kPx) {
    float32x4_t acc[kPx][V];
#pragma GCC unroll 4
    for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[p][v] = vld1q_f32(w + VecOffset(v, ts));
    const int64_t ix0 = static_cast<int64_t>(ox) * S - pad_left;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky) {
      if (!in[ky]) continue;
      const float* src = in[ky] + ix0 * c;
      const float* wk = w + 8 * (1 + ky * K);
#pragma GCC unroll 11
      for (int col = 0; col < kCols; ++col) {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          const float32x4_t x = Load<kPartial>(src + col * c + 4 * v, lanes);
#pragma GCC unroll 4
          for (int p = 0; p < kPx; ++p) {
            const int kx = col - p * S;
            if (kx >= 0 && kx < K) acc[p][v] = vfmaq_f32(acc[p][v], x, vld1q_f32(wk + VecOffset(v, ts) + 8 * kx));
          }
        }
      }
    }
    ActivateAll<kPx * V>(&acc[0][0], act);
#pragma GCC unroll 4
    for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) Store<kPartial>(out_row + (ox + p) * c + 4 * v, acc[p][v], lanes);
  }
  // Remaining pixels one at a time.
  for (; ox < ox_end; ++ox) {
    float32x4_t acc[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[v] = vld1q_f32(w + VecOffset(v, ts));
    const int64_t ix0 = static_cast<int64_t>(ox) * S - pad_left;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky) {
      if (!in[ky]) continue;
      const float* src = in[ky] + ix0 * c;
      const float* wk = w + 8 * (1 + ky * K);
#pragma GCC unroll 5
      for (int kx = 0; kx < K; ++kx)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[v] = vfmaq_f32(acc[v], Load<kPartial>(src + kx * c + 4 * v, lanes), vld1q_f32(wk + VecOffset(v, ts) + 8 * kx));
    }
    ActivateAll<V>(acc, act);
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) Store<kPartial>(out_row + ox * c + 4 * v, acc[v], lanes);
  }
}

// Border pixels: columns outside [0, in_w) are skipped.
template <int K, int S, int V, bool kPartial>
void BorderPixel(const float* const* in, const float* w, int64_t ts, int64_t c, int32_t pad_left, int32_t in_w,
                 int32_t ox, float* out_row, int lanes, Activation act) {
  float32x4_t acc[V];
  for (int v = 0; v < V; ++v) acc[v] = vld1q_f32(w + VecOffset(v, ts));
  const int32_t ix0 = ox * S - pad_left;
  for (int ky = 0; ky < K; ++ky) {
    if (!in[ky]) continue;
    const float* wk = w + 8 * (1 + ky * K);
    for (int kx = 0; kx < K; ++kx) {
      const int32_t ix = ix0 + kx;
      if (ix < 0 || ix >= in_w) continue;
      for (int v = 0; v < V; ++v)
        acc[v] = vfmaq_f32(acc[v], Load<kPartial>(in[ky] + ix * c + 4 * v, lanes), vld1q_f32(wk + VecOffset(v, ts) + 8 * kx));
    }
  }
  for (int v = 0; v < V; ++v) Store<kPartial>(out_row + ox * c + 4 * v, Activate(acc[v], act), lanes);
}

template <int K, int S, int V, bool kPartial>
void ChannelGroup(const DwConvArgs& a, const DwRowTaps& rows, int32_t c0, int32_t ox_lo, int32_t ox_hi,
                  float* out_row, int lanes) {
  const ref::ConvGeometry& g = a.geo;
  const int64_t ts = DwTileStride(K * K, kDwChannelTile);
  const float* w = QuadWeights(a.packed, ts, c0);
  const float* in[K];
  for (int ky = 0; ky < K; ++ky) in[ky] = rows.row[ky] ? rows.row[ky] + c0 : nullptr;
  float* out = out_row + c0;
  for (int32_t ox = 0; ox < ox_lo; ++ox)
    BorderPixel<K, S, V, kPartial>(in, w, ts, g.in_c, g.pad_left, g.in_w, ox, out, lanes, a.act);
  InteriorPixels<K, S, V, kPartial>(in, w, ts, g.in_c, g.pad_left, ox_lo, ox_hi, out, lanes, a.act);
  for (int32_t ox = ox_hi; ox < g.out_w; ++ox)
    BorderPixel<K, S, V, kPartial>(in, w, ts, g.in_c, g.pad_left, g.in_w, ox, out, lanes, a.act);
}

template <int K, int S>
void BlockedRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  // Interior output columns [ox_lo, ox_hi): the whole window inside [0, in_w).
  const int32_t ox_lo = std::min(g.out_w, (g.pad_left + S - 1) / S);
  const int32_t last = g.in_w - K + g.pad_left;  // largest ox * S with the window inside
  const int32_t ox_hi = std::max(ox_lo, std::min(g.out_w, last < 0 ? 0 : last / S + 1));
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    int32_t c0 = 0;
    for (; c0 + 16 <= c; c0 += 16) ChannelGroup<K, S, 4, false>(a, rows, c0, ox_lo, ox_hi, out_row, 4);
    if (c0 + 8 <= c) {
      ChannelGroup<K, S, 2, false>(a, rows, c0, ox_lo, ox_hi, out_row, 4);
      c0 += 8;
    }
    if (c0 + 4 <= c) {
      ChannelGroup<K, S, 1, false>(a, rows, c0, ox_lo, ox_hi, out_row, 4);
      c0 += 4;
    }
    if (c0 < c) ChannelGroup<K, S, 1, true>(a, rows, c0, ox_lo, ox_hi, out_row, c - c0);
  }
}

}  // namespace

void dwconv_f32_neon(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return BlockedRows<3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return BlockedRows<3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return BlockedRows<5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return BlockedRows<5, 2>(a, row_begin, row_end);
  GenericRows(a, row_begin, row_end);
}

}  // namespace scalert::kernels
