// The FP32 depthwise convolution of the native backend, written once over a SIMD type S and
// instantiated per ISA; weights packed by PackDwConvWeights with channel_tile = S::kLanes.
// 3x3 and 5x5 windows at stride 1 or 2 (every MBConv depthwise) run a row kernel: for each
// output row and each group of 2 vectors (then 1, then a masked tail) of channels, the interior
// pixels go in blocks of 4, and every input column a block reads is loaded once and used for all
// the pixels and taps that need it (a 3x3 stride-1 block: 18 loads for 36 FMAs, against 2 loads
// per FMA pixel by pixel). Padding is handled by edge specialization: kernel rows in the padding
// are skipped per row, and border pixels whose window leaves the image go through the same
// 4-pixel block reading the zero vector for the missing columns. Other windows (dilation, 7x7,
// ...) use the generic per-pixel path over a tap table. With 32 registers (AVX-512) the window's
// weights stay in registers and pairs of output rows share their input loads (below).
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

// ---- Weights in registers: R output rows x kPx pixels x 1 vector per block. ----
// With 32 registers the window's weights (9 for 3x3, 25 for 5x5) stay in registers for a whole
// row and each input vector loaded feeds every output pixel of R rows that reads it: a 3x3
// stride-1 block of 2 rows x 7 pixels loads 36 input vectors for 126 FMAs (the 1-row, 4-pixel,
// 2-vector block above: 12 for 24, plus a weight operand per FMA). Output widths of EfficientNet
// and MobileNet at 224 are multiples of 7, so 7-pixel blocks waste nothing on 7- and 14-wide maps.

// One block at output column ox. `in[i]` is input row i of the window of the R rows (null in the
// padding), at channel c0 and column 0; kChecked: columns outside [0, in_w) read `zero`; only the
// first `count` pixels are stored. kSkipLeft / kSkipRight: the first / last that many columns
// lie outside the image and are not read at all (their taps are skipped, not multiplied by 0).
template <class S, int K, int St, int R, int kPx, bool kMasked, bool kChecked, int kSkipLeft = 0, int kSkipRight = 0>
inline void DwRegisterBlock(const float* const* in, const float* zero, const typename S::V (&wv)[K * K],
                            const float* bias, int64_t c, int32_t pad_left, int32_t in_w, int32_t ox, int count,
                            float* const* out, typename S::Mask mask, Activation act) {
  using V = typename S::V;
  constexpr int kRows = (R - 1) * St + K;    // input rows the block reads
  constexpr int kCols = (kPx - 1) * St + K;  // input columns each of them
  const V b = S::Load(bias);
  V acc[R][kPx];
#pragma GCC unroll 2
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < kPx; ++p) acc[r][p] = b;
  const int32_t ix0 = ox * St - pad_left;
#pragma GCC unroll 7
  for (int i = 0; i < kRows; ++i) {
    if (!in[i]) continue;
#pragma GCC unroll 19
    for (int col = kSkipLeft; col < kCols - kSkipRight; ++col) {
      const int32_t ix = ix0 + col;
      const float* src = kChecked && (ix < 0 || ix >= in_w) ? zero : in[i] + static_cast<int64_t>(ix) * c;
      V x = DwLoad<S, kMasked>(src, mask);
      // Held in a register where one is free: GCC otherwise folds the load into every FMA that
      // uses it (a 3x3 stride-2 block of 7 pixels: 63 loads instead of 45; a 14-column chunk of
      // a 96-channel row in L1 1.43 -> 1.23 us on a Sapphire-Rapids Xeon). 5x5 blocks have
      // no register left (weights and accumulators fill all 32).
      if constexpr (K * K + R * kPx < S::kRegisters) asm("" : "+v"(x));
#pragma GCC unroll 2
      for (int r = 0; r < R; ++r) {
        const int ky = i - r * St;
        if (ky < 0 || ky >= K) continue;
#pragma GCC unroll 8
        for (int p = 0; p < kPx; ++p) {
          const int kx = col - p * St;
          if (kx >= 0 && kx < K) acc[r][p] = S::Fma(x, wv[ky * K + kx], acc[r][p]);
        }
      }
    }
  }
  ActivateAll<S, R * kPx>(&acc[0][0], act);
#pragma GCC unroll 2
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int p = 0; p < kPx; ++p)
      if (!kChecked || p < count) DwStore<S, kMasked>(out[r] + (ox + p) * c, mask, acc[r][p]);
}

// R output rows, one vector of channels at c0 (kMasked: the lanes of mask), the blocks from ox_from
// (a multiple of kPx) to ox_to.
template <class S, int K, int St, int R, int kPx, bool kMasked>
void DwRegisterRows(const DwConvArgs& a, const float* const* rows_in, int32_t c0, const float* w, int32_t ox_lo,
                    int32_t ox_hi, int32_t ox_from, int32_t ox_to, float* const* rows_out, typename S::Mask mask) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  constexpr int kRows = (R - 1) * St + K;
  constexpr int kCols = (kPx - 1) * St + K;
  const ref::ConvGeometry& g = a.geo;
  V wv[K * K];
#pragma GCC unroll 25
  for (int t = 0; t < K * K; ++t) wv[t] = S::Load(w + L * (1 + t));
  const float* in[kRows];
  for (int i = 0; i < kRows; ++i) in[i] = rows_in[i] ? rows_in[i] + c0 : nullptr;
  float* out[R];
  for (int r = 0; r < R; ++r) out[r] = rows_out[r] + c0;
  const float* zero = a.zero + c0;
  // Full stride-1 blocks whose window leaves the image by K / 2 columns on both sides (a whole
  // 7-wide row with "same" padding), and for 5x5 on one side (the halves of a 14-wide row), skip
  // those columns instead of reading zeros: 7x7x1152 3x3 8% faster, 5x5 2-3% (bench_dwconv_f32,
  // Zen 4). One-sided 3x3 blocks measured slower than the checked ones on 14-wide maps.
  constexpr int kEdge = K / 2;
  for (int32_t ox = ox_from; ox < ox_to; ox += kPx) {
    if (ox >= ox_lo && ox + kPx <= ox_hi) {
      DwRegisterBlock<S, K, St, R, kPx, kMasked, false>(in, zero, wv, w, g.in_c, g.pad_left, g.in_w, ox, kPx, out,
                                                          mask, a.act);
      continue;
    }
    if constexpr (St == 1) {
      const int32_t ix0 = ox - g.pad_left, left = -ix0, right = ix0 + kCols - g.in_w;
      if (ox + kPx <= g.out_w && left == kEdge && right == kEdge) {
        DwRegisterBlock<S, K, St, R, kPx, kMasked, false, kEdge, kEdge>(in, zero, wv, w, g.in_c, g.pad_left, g.in_w,
                                                                          ox, kPx, out, mask, a.act);
        continue;
      }
      if (K == 5 && ox + kPx <= g.out_w && left == kEdge && right <= 0) {
        DwRegisterBlock<S, K, St, R, kPx, kMasked, false, kEdge, 0>(in, zero, wv, w, g.in_c, g.pad_left, g.in_w, ox,
                                                                      kPx, out, mask, a.act);
        continue;
      }
      if (K == 5 && ox + kPx <= g.out_w && left <= 0 && right == kEdge) {
        DwRegisterBlock<S, K, St, R, kPx, kMasked, false, 0, kEdge>(in, zero, wv, w, g.in_c, g.pad_left, g.in_w, ox,
                                                                      kPx, out, mask, a.act);
        continue;
      }
    }
    DwRegisterBlock<S, K, St, R, kPx, kMasked, true>(in, zero, wv, w, g.in_c, g.pad_left, g.in_w, ox,
                                                       std::min(kPx, g.out_w - ox), out, mask, a.act);
  }
}

// R output rows from `row` (all in one image), every channel, blocks in [ox_from, ox_to).
template <class S, int K, int St, int R, int kPx>
void DwRegisterRowGroup(const DwConvArgs& a, int32_t row, int32_t ox_lo, int32_t ox_hi, int32_t ox_from,
                        int32_t ox_to) {
  constexpr int L = S::kLanes;
  constexpr int kRows = (R - 1) * St + K;
  const ref::ConvGeometry& g = a.geo;
  const int64_t ts = DwTileStride(K * K, L);
  // The window rows of the R output rows: those of the first, then those of the last (they
  // overlap or touch while (R - 1) * St <= K).
  static_assert((R - 1) * St <= K, "the window rows of the first and the last row must cover the block");
  DwRowTaps first, last;
  DwRowStarts(a, row, &first);
  DwRowStarts(a, row + R - 1, &last);
  const float* in[kRows];
  for (int i = 0; i < kRows; ++i) in[i] = i < K ? first.row[i] : last.row[i - (R - 1) * St];
  float* out[R];
  for (int r = 0; r < R; ++r) out[r] = DwOutputRow(a, row + r);
  const float* w = a.packed;
  int32_t c0 = 0;
  for (; c0 + L <= g.in_c; c0 += L, w += ts)
    DwRegisterRows<S, K, St, R, kPx, false>(a, in, c0, w, ox_lo, ox_hi, ox_from, ox_to, out, S::AllLanes());
  if (c0 < g.in_c)
    DwRegisterRows<S, K, St, R, kPx, true>(a, in, c0, w, ox_lo, ox_hi, ox_from, ox_to, out,
                                           S::FirstLanes(g.in_c - c0));
}

// One output row on the memory-weight blocks above: 2 vectors of channels, then 1, then the tail.
template <class S, int K, int St>
void DwVectorPairRow(const DwConvArgs& a, int32_t row, int32_t ox_lo, int32_t ox_hi) {
  constexpr int L = S::kLanes;
  const int32_t c = a.geo.in_c;
  const int64_t ts = DwTileStride(K * K, L);
  const typename S::Mask full = S::AllLanes();
  DwRowTaps rows;
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

// Output columns per pass over a run of `rows` output rows on the register blocks. Pairs of
// rows share half their input rows with the next pair, but a whole input row of a wide map (112
// pixels x 32 channels: 14 KB) leaves the shared rows of 4 out of L1 by the time the next pair
// reads them: then the run goes in strips of columns, each strip down all the rows, its window
// within kStripBytes. Strips are a multiple of 28 pixels (of the 7- and 4-pixel blocks), so
// blocks sit where they do on whole rows and every pixel is computed the same way. 112x112x32
// bands of 9 rows (MobileNetV2's first block): 104 -> 90 us on a Sapphire Rapids Xeon (the same
// bits); runs of 2 rows have no input row to share and stay whole.
template <int K, int St>
int32_t DwColumnChunk(const ref::ConvGeometry& g, int32_t rows) {
  constexpr int64_t kStripBytes = 16 << 10;  // within any x86 L1d (32-48 KB), beside the outputs
  constexpr int32_t kStrip = 28;
  const int64_t column_bytes = int64_t{St} * (St + K) * g.in_c * static_cast<int64_t>(sizeof(float));
  if (rows <= 2 || column_bytes * g.out_w <= kStripBytes) return g.out_w;
  return static_cast<int32_t>(std::max<int64_t>(1, kStripBytes / (column_bytes * kStrip))) * kStrip;
}

template <class S, int K, int St>
void DwBlockedRows(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  // Interior output columns [ox_lo, ox_hi): the whole window inside [0, in_w).
  const int32_t ox_lo = std::min(g.out_w, (g.pad_left + St - 1) / St);
  const int32_t last = g.in_w - K + g.pad_left;  // largest ox * St with the window inside
  const int32_t ox_hi = std::max(ox_lo, std::min(g.out_w, last < 0 ? 0 : last / St + 1));
  if constexpr (S::kRegisters >= 32) {
    // Pairs of rows of one image: 3x3 in blocks of 2 rows x 7 pixels (9 weights + 14
    // accumulators), 5x5 of 2 rows x 4 pixels (25 + 8: a few weights spill to the stack and
    // become memory operands). A lone row: 3x3 in 1 x 7 blocks, 5x5 in 1 x 7 blocks at stride 1
    // and on stride-2 maps at most 14 wide (7 accumulators, the weights that do not fit read
    // from the stack; 7-, 14- and 28-wide rows waste nothing), on wider stride-2 maps on the
    // memory-weight blocks (2 vectors x 4 pixels: the 17 input columns of a stride-2 1 x 7
    // block measured no faster there). Chosen with bench_dwconv_f32 on Zen 4: 2 x 8 and 2 x 6
    // pixels and 3 rows of 3x3 were slower (3 rows spill); for 5x5 pairs 2 x 2 and 2 x 7, for
    // lone rows 1 x 4, 1 x 8 and the memory-weight blocks were slower than the choice here
    // (lone rows of 14x14x672 96 us against 116-149 on the memory-weight blocks, of 28x28x240
    // 143 against 167; 7x7x1152 in pairs 40 us against 48 in 2 x 2 blocks).
    constexpr int kPairPx = K == 3 ? 7 : 4;
    const int32_t chunk = DwColumnChunk<K, St>(g, row_end - row_begin);
    for (int32_t ox_from = 0; ox_from < g.out_w; ox_from += chunk) {
      const int32_t ox_to = std::min(g.out_w, ox_from + chunk);
      for (int32_t row = row_begin; row < row_end;) {
        if (row + 2 <= row_end && row % g.out_h + 2 <= g.out_h) {
          DwRegisterRowGroup<S, K, St, 2, kPairPx>(a, row, ox_lo, ox_hi, ox_from, ox_to);
          row += 2;
        } else {
          if (K == 3 || St == 1 || g.out_w <= 14)
            DwRegisterRowGroup<S, K, St, 1, 7>(a, row, ox_lo, ox_hi, ox_from, ox_to);
          else if (ox_from == 0) DwVectorPairRow<S, K, St>(a, row, ox_lo, ox_hi);  // whole rows, once
          row += 1;
        }
      }
    }
  } else {
    for (int32_t row = row_begin; row < row_end; ++row) DwVectorPairRow<S, K, St>(a, row, ox_lo, ox_hi);
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
