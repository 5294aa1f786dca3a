// AVX2 depthwise convolution. 3x3 and 5x5 windows at stride 1 or 2 (every MBConv depthwise) run
// a row kernel: for each output row and each group of 16 (then 8, then a masked tail of)
// channels, the interior pixels go in blocks of 4, and every input column a block reads is
// loaded once and used for all the pixels and taps that need it (a 3x3 stride-1 block: 18 loads
// for 36 FMAs, against 2 loads per FMA pixel by pixel). Padding is handled by edge
// specialization: kernel rows in the padding are skipped per row, and the few border pixels
// whose window leaves the image go through a per-pixel path that skips the missing columns.
// Other windows (dilation, 7x7, ...) use the generic per-pixel path over a tap table.
#include <algorithm>

#include "kernels/dwconv_taps.h"
#include "kernels/packing.h"
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/avx2/vector_math_avx2.h"

namespace scalert::kernels {
namespace {

using avx2::Activate;
using avx2::ActivateAll;
using avx2::TailMask;

// ---- Generic path: any window, tap pointers per pixel. ----

// kTaps > 0: the window size known at compile time; 0: `taps_n` at run time.
template <int kTaps>
void GenericRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end, int32_t taps_n) {
  if (kTaps > 0) taps_n = kTaps;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(taps_n);
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
      for (; c0 + 16 <= c; c0 += 16, w += 2 * ts) {
        __m256 acc0 = _mm256_load_ps(w), acc1 = _mm256_load_ps(w + ts);
        for (int32_t t = 0; t < taps_n; ++t) {
          acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(taps[t] + c0), _mm256_load_ps(w + 8 * (t + 1)), acc0);
          acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(taps[t] + c0 + 8), _mm256_load_ps(w + ts + 8 * (t + 1)), acc1);
        }
        _mm256_storeu_ps(out + c0, Activate(acc0, a.act));
        _mm256_storeu_ps(out + c0 + 8, Activate(acc1, a.act));
      }
      if (c0 + 8 <= c) {
        __m256 acc = _mm256_load_ps(w);
        for (int32_t t = 0; t < taps_n; ++t)
          acc = _mm256_fmadd_ps(_mm256_loadu_ps(taps[t] + c0), _mm256_load_ps(w + 8 * (t + 1)), acc);
        _mm256_storeu_ps(out + c0, Activate(acc, a.act));
        c0 += 8;
        w += ts;
      }
      if (c0 < c) {
        const __m256i mask = TailMask(c - c0);
        __m256 acc = _mm256_load_ps(w);
        for (int32_t t = 0; t < taps_n; ++t)
          acc = _mm256_fmadd_ps(_mm256_maskload_ps(taps[t] + c0, mask), _mm256_load_ps(w + 8 * (t + 1)), acc);
        _mm256_maskstore_ps(out + c0, mask, Activate(acc, a.act));
      }
    }
  }
}

// ---- Row kernels for K x K windows at stride S (dilation 1). ----

// Loads 8 channels: full, or the first lanes of `mask` (channel tail; masked lanes read nothing).
template <bool kMasked>
inline __m256 Load(const float* p, __m256i mask) {
  if (kMasked) return _mm256_maskload_ps(p, mask);
  return _mm256_loadu_ps(p);
}
template <bool kMasked>
inline void Store(float* p, __m256i mask, __m256 v) {
  if (kMasked) _mm256_maskstore_ps(p, mask, v);
  else _mm256_storeu_ps(p, v);
}

// One output row, channels [c0, c0 + 8 * V) (V vectors; kMasked: V == 1 and the lanes of mask),
// pixels [ox_begin, ox_end), all of whose windows lie inside the image horizontally.
// `in[ky]` is input row ky of the window at channel c0 and column 0, or null in the padding.
template <int K, int S, int V, bool kMasked>
void InteriorPixels(const float* const* in, const float* w, int64_t ts, int64_t c, int32_t pad_left,
                    int32_t ox_begin, int32_t ox_end, float* out_row, __m256i mask, Activation act) {
  constexpr int kPx = 4;                   // output pixels per block
  constexpr int kCols = (kPx - 1) * S + K;  // input columns a block reads
  const int64_t col_step = c;               // floats between input columns
  int32_t ox = ox_begin;
  for (; ox + kPx <= ox_end; ox += kPx) {
    __m256 acc[kPx][V];
#pragma GCC unroll 4
    for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[p][v] = _mm256_load_ps(w + v * ts);
    const int64_t ix0 = static_cast<int64_t>(ox) * S - pad_left;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky) {
      if (!in[ky]) continue;
      const float* src = in[ky] + ix0 * col_step;
      const float* wk = w + 8 * (1 + ky * K);
#pragma GCC unroll 11
      for (int col = 0; col < kCols; ++col) {
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v) {
          const __m256 x = Load<kMasked>(src + col * col_step + 8 * v, mask);
#pragma GCC unroll 4
          for (int p = 0; p < kPx; ++p) {
            const int kx = col - p * S;
            if (kx >= 0 && kx < K) acc[p][v] = _mm256_fmadd_ps(x, _mm256_load_ps(wk + v * ts + 8 * kx), acc[p][v]);
          }
        }
      }
    }
    ActivateAll<kPx * V>(&acc[0][0], act);
#pragma GCC unroll 4
    for (int p = 0; p < kPx; ++p)
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) Store<kMasked>(out_row + (ox + p) * c + 8 * v, mask, acc[p][v]);
  }
  // Remaining pixels one at a time.
  for (; ox < ox_end; ++ox) {
    __m256 acc[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[v] = _mm256_load_ps(w + v * ts);
    const int64_t ix0 = static_cast<int64_t>(ox) * S - pad_left;
#pragma GCC unroll 5
    for (int ky = 0; ky < K; ++ky) {
      if (!in[ky]) continue;
      const float* src = in[ky] + ix0 * col_step;
      const float* wk = w + 8 * (1 + ky * K);
#pragma GCC unroll 5
      for (int kx = 0; kx < K; ++kx)
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v)
          acc[v] = _mm256_fmadd_ps(Load<kMasked>(src + kx * col_step + 8 * v, mask),
                                   _mm256_load_ps(wk + v * ts + 8 * kx), acc[v]);
    }
    ActivateAll<V>(acc, act);
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) Store<kMasked>(out_row + ox * c + 8 * v, mask, acc[v]);
  }
}

// Border pixels: columns outside [0, in_w) are skipped.
template <int K, int S, int V, bool kMasked>
void BorderPixel(const float* const* in, const float* w, int64_t ts, int64_t c, int32_t pad_left, int32_t in_w,
                 int32_t ox, float* out_row, __m256i mask, Activation act) {
  __m256 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm256_load_ps(w + v * ts);
  const int32_t ix0 = ox * S - pad_left;
  for (int ky = 0; ky < K; ++ky) {
    if (!in[ky]) continue;
    const float* wk = w + 8 * (1 + ky * K);
    for (int kx = 0; kx < K; ++kx) {
      const int32_t ix = ix0 + kx;
      if (ix < 0 || ix >= in_w) continue;
      for (int v = 0; v < V; ++v)
        acc[v] = _mm256_fmadd_ps(Load<kMasked>(in[ky] + ix * c + 8 * v, mask), _mm256_load_ps(wk + v * ts + 8 * kx),
                                 acc[v]);
    }
  }
  for (int v = 0; v < V; ++v) Store<kMasked>(out_row + ox * c + 8 * v, mask, Activate(acc[v], act));
}

template <int K, int S, int V, bool kMasked>
void ChannelGroup(const DwConvArgs& a, const DwRowTaps& rows, int32_t c0, const float* w, int32_t ox_lo,
                  int32_t ox_hi, float* out_row, __m256i mask) {
  const ref::ConvGeometry& g = a.geo;
  const int64_t ts = DwTileStride(K * K);
  const float* in[K];
  for (int ky = 0; ky < K; ++ky) in[ky] = rows.row[ky] ? rows.row[ky] + c0 : nullptr;
  float* out = out_row + c0;
  for (int32_t ox = 0; ox < ox_lo; ++ox)
    BorderPixel<K, S, V, kMasked>(in, w, ts, g.in_c, g.pad_left, g.in_w, ox, out, mask, a.act);
  InteriorPixels<K, S, V, kMasked>(in, w, ts, g.in_c, g.pad_left, ox_lo, ox_hi, out, mask, a.act);
  for (int32_t ox = ox_hi; ox < g.out_w; ++ox)
    BorderPixel<K, S, V, kMasked>(in, w, ts, g.in_c, g.pad_left, g.in_w, ox, out, mask, a.act);
}

template <int K, int S>
void BlockedRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStride(K * K);
  // Interior output columns [ox_lo, ox_hi): the whole window inside [0, in_w).
  const int32_t ox_lo = std::min(g.out_w, (g.pad_left + S - 1) / S);
  const int32_t last = g.in_w - K + g.pad_left;  // largest ox * S with the window inside
  const int32_t ox_hi = std::max(ox_lo, std::min(g.out_w, last < 0 ? 0 : last / S + 1));
  const __m256i full = _mm256_set1_epi32(-1);
  DwRowTaps rows;
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwRowStarts(a, row, &rows);
    float* out_row = DwOutputRow(a, row);
    const float* w = a.packed;
    int32_t c0 = 0;
    for (; c0 + 16 <= c; c0 += 16, w += 2 * ts)
      ChannelGroup<K, S, 2, false>(a, rows, c0, w, ox_lo, ox_hi, out_row, full);
    if (c0 + 8 <= c) {
      ChannelGroup<K, S, 1, false>(a, rows, c0, w, ox_lo, ox_hi, out_row, full);
      c0 += 8;
      w += ts;
    }
    if (c0 < c) ChannelGroup<K, S, 1, true>(a, rows, c0, w, ox_lo, ox_hi, out_row, TailMask(c - c0));
  }
}

}  // namespace

void dwconv_f32_avx2(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t taps_n = g.kernel_h * g.kernel_w;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return BlockedRows<3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return BlockedRows<3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return BlockedRows<5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return BlockedRows<5, 2>(a, row_begin, row_end);
  switch (taps_n) {
    case 9: GenericRows<9>(a, row_begin, row_end, taps_n); break;
    case 25: GenericRows<25>(a, row_begin, row_end, taps_n); break;
    default: GenericRows<0>(a, row_begin, row_end, taps_n); break;
  }
}

}  // namespace scalert::kernels
