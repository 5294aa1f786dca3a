// dwconv_f16_f16x16acc_c32_avx512fp16: depthwise convolution with FP16 activations and weights
// (PackDwConvWeightsF16, 32-channel tiles), products and sums by vfmadd*ph, 32 channels per
// instruction. As in the FP16 GEMM (gemm_f16.cc), taps are summed in FP16 over blocks of whole
// kernel rows of at most 16 products (3x3: all 9; 5x5: rows 0-2, then 3-4) and each block's sum
// is widened and added to FP32 accumulators that start at the bias; activation and the one
// rounding of the output in FP32. 3x3 and 5x5 windows at stride 1 or 2 go 4 output pixels at a
// time, each input column loaded once for every pixel and tap that reads it (as
// dwconv_half_rows.h); other windows per pixel. Padding reads the zero row.
#include <immintrin.h>

#include <algorithm>

#include "kernels/x86/half_kernels.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/dwconv_half_rows.h"
#include "kernels/packing_half.h"

namespace scalert::kernels {
namespace x86 {
namespace {

constexpr int kCt = 32;            // channels per tile: one FP16 vector
constexpr int kMaxBlockTaps = 16;  // products per FP16 sum

inline __mmask32 LaneMask(int lanes) { return lanes == kCt ? ~__mmask32{0} : (__mmask32{1} << lanes) - 1; }

inline __m512h LoadF16(const uint16_t* p, int lanes) {
  return _mm512_castsi512_ph(lanes == kCt ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi16(LaneMask(lanes), p));
}

// acc[0] (channels 0-15) and acc[1] (16-31) += the FP16 sum.
inline void AddWidened(__m512h sum, __m512* acc) {
  const __m512i bits = _mm512_castph_si512(sum);
  acc[0] = _mm512_add_ps(acc[0], _mm512_cvtph_ps(_mm512_castsi512_si256(bits)));
  acc[1] = _mm512_add_ps(acc[1], _mm512_cvtph_ps(_mm512_extracti64x4_epi64(bits, 1)));
}

inline void StoreF16(uint16_t* p, int lanes, const __m512* acc) {
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m512i v = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtps_ph(acc[0], kRound)),
                                       _mm512_cvtps_ph(acc[1], kRound), 1);
  _mm512_mask_storeu_epi16(p, LaneMask(lanes), v);
}

// Up to 4 pixels from ox of one output row, one channel tile (`lanes` wide). kChecked: columns
// outside [0, in_w) read `zero`. Only the first `count` pixels are stored.
template <int K, int St, bool kChecked>
inline void Block(const uint16_t* const* in, const uint16_t* zero, const float* base, int64_t c, int32_t pad_left,
                  int32_t in_w, int32_t ox, int count, uint16_t* out_row, int lanes, Activation act) {
  constexpr int kPx = 4;
  constexpr int kCols = (kPx - 1) * St + K;
  constexpr int kRowsPerBlock = kMaxBlockTaps / K;
  const uint16_t* w = reinterpret_cast<const uint16_t*>(base + kCt);
  __m512 acc[kPx][2];
#pragma GCC unroll 4
  for (int p = 0; p < kPx; ++p) {
    acc[p][0] = _mm512_load_ps(base);
    acc[p][1] = _mm512_load_ps(base + 16);
  }
  __m512h sum[kPx];
#pragma GCC unroll 4
  for (int p = 0; p < kPx; ++p) sum[p] = _mm512_setzero_ph();
  const int32_t ix0 = ox * St - pad_left;
#pragma GCC unroll 5
  for (int ky = 0; ky < K; ++ky) {
    if (in[ky]) {
#pragma GCC unroll 11
      for (int col = 0; col < kCols; ++col) {
        const int32_t ix = ix0 + col;
        const uint16_t* src = !kChecked || (ix >= 0 && ix < in_w) ? in[ky] + static_cast<int64_t>(ix) * c : zero;
        const __m512h x = LoadF16(src, lanes);
#pragma GCC unroll 4
        for (int p = 0; p < kPx; ++p) {
          const int kx = col - p * St;
          if (kx >= 0 && kx < K)
            sum[p] = _mm512_fmadd_ph(x, _mm512_castsi512_ph(_mm512_load_si512(w + kCt * (ky * K + kx))), sum[p]);
        }
      }
    }
    if ((ky + 1) % kRowsPerBlock == 0 || ky == K - 1) {
#pragma GCC unroll 4
      for (int p = 0; p < kPx; ++p) {
        AddWidened(sum[p], acc[p]);
        sum[p] = _mm512_setzero_ph();
      }
    }
  }
  ActivateAll<Avx512, 2 * kPx>(&acc[0][0], act);
  for (int p = 0; p < count; ++p) StoreF16(out_row + (ox + p) * c, lanes, acc[p]);
}

template <int K, int St>
void BlockedRows(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c;
  const int64_t ts = DwTileStrideF16(K * K, kCt);
  int32_t ox_lo, ox_hi;
  DwHalfInterior<K, St>(g, &ox_lo, &ox_hi);
  const int32_t interior_end = ox_lo + (ox_hi - ox_lo) / 4 * 4;
  const uint16_t* rows[K];
  const uint16_t* in[K];
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwHalfRowStarts(a, row, rows);
    const float* base = a.packed;
    for (int32_t c0 = 0; c0 < c; c0 += kCt, base += ts) {
      const int lanes = std::min<int32_t>(kCt, c - c0);
      for (int ky = 0; ky < K; ++ky) in[ky] = rows[ky] ? rows[ky] + c0 : nullptr;
      const uint16_t* zero = a.zero + c0;
      uint16_t* out = a.output + static_cast<int64_t>(row) * g.out_w * c + c0;
      for (int32_t ox = ox_lo; ox < interior_end; ox += 4)
        Block<K, St, false>(in, zero, base, c, g.pad_left, g.in_w, ox, 4, out, lanes, a.act);
      for (int32_t ox = 0; ox < ox_lo; ox += 4)
        Block<K, St, true>(in, zero, base, c, g.pad_left, g.in_w, ox, std::min(4, ox_lo - ox), out, lanes, a.act);
      for (int32_t ox = interior_end; ox < g.out_w; ox += 4)
        Block<K, St, true>(in, zero, base, c, g.pad_left, g.in_w, ox, std::min(4, g.out_w - ox), out, lanes, a.act);
    }
  }
}

// Any window: per pixel and channel tile, FP16 sums over whole kernel rows of at most 16 taps
// (a row of more than 16 taps alone).
void GenericRows(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c, taps = g.kernel_h * g.kernel_w;
  const int32_t rows_per_block = std::max(1, kMaxBlockTaps / g.kernel_w);
  const int64_t ts = DwTileStrideF16(taps, kCt);
  const uint16_t* rows[kMaxDwHalfTaps];
  for (int32_t row = row_begin; row < row_end; ++row) {
    DwHalfRowStarts(a, row, rows);
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      const float* base = a.packed;
      for (int32_t c0 = 0; c0 < c; c0 += kCt, base += ts) {
        const int lanes = std::min<int32_t>(kCt, c - c0);
        const uint16_t* w = reinterpret_cast<const uint16_t*>(base + kCt);
        __m512 acc[2] = {_mm512_load_ps(base), _mm512_load_ps(base + 16)};
        __m512h sum = _mm512_setzero_ph();
        for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            const uint16_t* src = rows[ky] && ix >= 0 && ix < g.in_w ? rows[ky] + static_cast<int64_t>(ix) * c : a.zero;
            const __m512h wv = _mm512_castsi512_ph(_mm512_load_si512(w + kCt * (ky * g.kernel_w + kx)));
            sum = _mm512_fmadd_ph(LoadF16(src + c0, lanes), wv, sum);
            if (g.kernel_w > kMaxBlockTaps && (kx + 1) % kMaxBlockTaps == 0) {
              AddWidened(sum, acc);
              sum = _mm512_setzero_ph();
            }
          }
          if ((ky + 1) % rows_per_block == 0 || ky == g.kernel_h - 1) {
            AddWidened(sum, acc);
            sum = _mm512_setzero_ph();
          }
        }
        ActivateAll<Avx512, 2>(acc, a.act);
        StoreF16(a.output + (static_cast<int64_t>(row) * g.out_w + ox) * c + c0, lanes, acc);
      }
    }
  }
}

}  // namespace
}  // namespace x86

void dwconv_f16_avx512fp16(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return x86::BlockedRows<3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return x86::BlockedRows<3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return x86::BlockedRows<5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return x86::BlockedRows<5, 2>(a, row_begin, row_end);
  x86::GenericRows(a, row_begin, row_end);
}

}  // namespace scalert::kernels
