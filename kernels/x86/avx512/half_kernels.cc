// FP16 and BF16 storage kernels at avx512: FP32 arithmetic (gemm_half_tiles.h, dwconv_half_rows.h)
// and the array conversions the backend's boundary and staged steps use.
#include "kernels/x86/half_kernels.h"

#include <algorithm>

#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/gemm_half_tiles.h"
#include "kernels/x86/dwconv_half_rows.h"
#include "kernels/x86/elementwise_half_loops.h"

namespace scalert::kernels {

using x86::Avx512;
using x86::Bf16Format;
using x86::F16Format;

namespace x86 {
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
template <bool kFull>
inline void StorePairs(uint16_t* p, __mmask32 m, __m512 even, __m512 odd) {
  using Io = HalfIo<Avx512, Bf16Format>;
  const __m512i v = _mm512_or_si512(Io::Round(even), _mm512_slli_epi32(Io::Round(odd), 16));
  if (kFull) _mm512_storeu_si512(p, v);
  else _mm512_mask_storeu_epi16(p, m, v);
}

// Up to 4 pixels from ox, 32 channels (fewer in the tail group: mask m); as DwHalfBlock.
template <int K, int St, bool kChecked, bool kFull>
void DwPairBlock(const uint16_t* const* in, const uint16_t* zero, const float* w, int64_t c, int32_t pad_left,
                 int32_t in_w, int32_t ox, int count, uint16_t* out_row, __mmask32 m, Activation act) {
  constexpr int kPx = 4;
  constexpr int kCols = (kPx - 1) * St + K;
  __m512 acc[kPx][2];
#pragma GCC unroll 4
  for (int p = 0; p < kPx; ++p) {
    acc[p][0] = _mm512_load_ps(w);
    acc[p][1] = _mm512_load_ps(w + 16);
  }
  const int32_t ix0 = ox * St - pad_left;
  for (int ky = 0; ky < K; ++ky) {
    if (!in[ky]) continue;
    const float* wk = w + 32 * (1 + ky * K);
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
          acc[p][0] = _mm512_fmadd_ps(e, _mm512_load_ps(wk + 32 * kx), acc[p][0]);
          acc[p][1] = _mm512_fmadd_ps(o, _mm512_load_ps(wk + 32 * kx + 16), acc[p][1]);
        }
      }
    }
  }
  ActivateAll<Avx512, kPx * 2>(&acc[0][0], act);
  for (int p = 0; p < count; ++p) StorePairs<kFull>(out_row + (ox + p) * c, m, acc[p][0], acc[p][1]);
}

template <int K, int St, bool kFull>
void DwPairGroup(const DwConvHalfArgs& a, const uint16_t* const* rows, int32_t c0, const float* w, int32_t ox_lo,
                 int32_t ox_hi, uint16_t* out_row, __mmask32 m) {
  const ref::ConvGeometry& g = a.geo;
  const uint16_t* in[K];
  for (int ky = 0; ky < K; ++ky) in[ky] = rows[ky] ? rows[ky] + c0 : nullptr;
  const uint16_t* zero = a.zero + c0;
  uint16_t* out = out_row + c0;
  const int32_t interior_end = ox_lo + (ox_hi - ox_lo) / 4 * 4;
  for (int32_t ox = ox_lo; ox < interior_end; ox += 4)
    DwPairBlock<K, St, false, kFull>(in, zero, w, g.in_c, g.pad_left, g.in_w, ox, 4, out, m, a.act);
  for (int32_t ox = 0; ox < ox_lo; ox += 4)
    DwPairBlock<K, St, true, kFull>(in, zero, w, g.in_c, g.pad_left, g.in_w, ox, std::min(4, ox_lo - ox), out, m, a.act);
  for (int32_t ox = interior_end; ox < g.out_w; ox += 4)
    DwPairBlock<K, St, true, kFull>(in, zero, w, g.in_c, g.pad_left, g.in_w, ox, std::min(4, g.out_w - ox), out, m,
                                    a.act);
}

template <int K, int St>
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
    for (; c0 + 32 <= c; c0 += 32, w += ts) DwPairGroup<K, St, true>(a, rows, c0, w, ox_lo, ox_hi, out_row, ~0u);
    if (c0 < c) DwPairGroup<K, St, false>(a, rows, c0, w, ox_lo, ox_hi, out_row, (1u << (c - c0)) - 1u);
  }
}

// Any other window, pixel by pixel.
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
        StorePairs<false>(out_row + static_cast<int64_t>(ox) * c + c0, m, Activate<Avx512>(acc0, a.act),
                          Activate<Avx512>(acc1, a.act));
      }
    }
  }
}

}  // namespace
}  // namespace x86

void dwconv_bf16_pairs_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  const ref::ConvGeometry& g = a.geo;
  const bool square = g.kernel_h == g.kernel_w && g.dilation_h == 1 && g.dilation_w == 1 && g.stride_h == g.stride_w;
  if (square && g.kernel_h == 3 && g.stride_w == 1) return x86::DwPairRows<3, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 3 && g.stride_w == 2) return x86::DwPairRows<3, 2>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 1) return x86::DwPairRows<5, 1>(a, row_begin, row_end);
  if (square && g.kernel_h == 5 && g.stride_w == 2) return x86::DwPairRows<5, 2>(a, row_begin, row_end);
  x86::DwPairGeneric(a, row_begin, row_end);
}

void gemm_f16s_avx512(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx512, F16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}
void gemm_bf16s_avx512(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx512, Bf16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}
void dwconv_f16s_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvHalf<Avx512, F16Format>(a, row_begin, row_end);
}
void mul_channel_f16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                          Activation act) {
  x86::MulChannel<Avx512, F16Format>(pixels, channels, x, s, y, act);
}
void mul_channel_bf16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                           Activation act) {
  x86::MulChannel<Avx512, Bf16Format>(pixels, channels, x, s, y, act);
}
void global_avg_pool_f16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                              int32_t c_end) {
  x86::GlobalAvgPool<Avx512, F16Format>(pixels, channels, x, y, c_begin, c_end);
}
void global_avg_pool_bf16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                               int32_t c_end) {
  x86::GlobalAvgPool<Avx512, Bf16Format>(pixels, channels, x, y, c_begin, c_end);
}
void add_f16s_avx512(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  x86::Add<Avx512, F16Format>(n, a, b, y, act);
}
void add_bf16s_avx512(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  x86::Add<Avx512, Bf16Format>(n, a, b, y, act);
}
void f16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { x86::ToF32<Avx512, F16Format>(n, x, y); }
void f32_to_f16_avx512(int64_t n, const float* x, uint16_t* y) { x86::FromF32<Avx512, F16Format>(n, x, y); }
void bf16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { x86::ToF32<Avx512, Bf16Format>(n, x, y); }
void f32_to_bf16_avx512(int64_t n, const float* x, uint16_t* y) { x86::FromF32<Avx512, Bf16Format>(n, x, y); }

}  // namespace scalert::kernels
