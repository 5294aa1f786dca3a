// FP16 GEMM and depthwise with FMLAL (FEAT_FHM). Why not FP16 FMLA, which does 8 products per
// instruction instead of 4: it rounds every partial sum to FP16 (11 bits), an error of about
// 2^-12 of the sum of |products| per step, while the FP16 kernels' contract (kernel_types_half.h,
// tests/native/half_kernels_test.cc) is the FP32 result rounded once, within 4e-6 of that sum;
// splitting K into short FP16 chunks added in FP32 still misses it by ~60x. FMLAL's products
// of two FP16 values are exact in FP32 and its sums are FP32, so these kernels meet the same
// bounds as the storage kernels; what they save is the FP32 copy of the weights (half the
// bytes streamed per panel) and the widening of A.
// GEMM: panels of PackGemmWeightsF16 (16 columns, an 8-wide last panel); 4x16 tiles (16 FP32
// accumulators, 2 weight vectors, 4 rows of A: 8 k per load) and 8x8 tiles for the narrow
// panel. Depthwise: per output pixel, 8 channels per step, padding taps reading `zero`.
#include "kernels/arm/neonfhm/half_kernels.h"

#include <arm_neon.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/arm/neon/half_io_neon.h"
#include "kernels/arm/neon/vector_math_neon.h"
#include "kernels/dwconv_taps.h"
#include "kernels/packing.h"
#include "kernels/packing_half.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kPanel = 16;

// 8 FP16 values from p; the first n (< 8) through a zeroed stack copy.
inline float16x8_t Load8(const uint16_t* p, int n) {
  if (n == 8) return vreinterpretq_f16_u16(vld1q_u16(p));
  uint16_t t[8] = {};
  std::memcpy(t, p, static_cast<size_t>(n) * 2);
  return vreinterpretq_f16_u16(vld1q_u16(t));
}

// NV FP32 vectors per row: 4 (16 columns) or 2 (8 columns).
template <int MR, int NV>
void Tile(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols) {
  const int32_t k = g.k;
  const float16_t* b = reinterpret_cast<const float16_t*>(g.packed_b) + static_cast<int64_t>(n0) * k;
  float32x4_t acc[MR][NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const float32x4_t bias = vld1q_f32(g.bias + n0 + 4 * j);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r][j] = bias;
  }
  const uint16_t* a[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
  for (int32_t k0 = 0; k0 < k; k0 += 8) {
    const int kc = std::min<int32_t>(8, k - k0);
    float16x8_t av[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) av[r] = Load8(a[r] + k0, kc);
    // One k step: lane L of each row's 8 values times the panel row (L is a constant).
    auto step = [&](auto lane) {
      constexpr int L = decltype(lane)::value;
      float16x8_t bv[NV / 2];
#pragma GCC unroll 2
      for (int j = 0; j < NV / 2; ++j) bv[j] = vld1q_f16(b + 8 * j);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
        for (int j = 0; j < NV / 2; ++j) {
          acc[r][2 * j] = vfmlalq_laneq_low_f16(acc[r][2 * j], bv[j], av[r], L);
          acc[r][2 * j + 1] = vfmlalq_laneq_high_f16(acc[r][2 * j + 1], bv[j], av[r], L);
        }
      b += 4 * NV;
    };
    if (kc == 8) {
      step(std::integral_constant<int, 0>());
      step(std::integral_constant<int, 1>());
      step(std::integral_constant<int, 2>());
      step(std::integral_constant<int, 3>());
      step(std::integral_constant<int, 4>());
      step(std::integral_constant<int, 5>());
      step(std::integral_constant<int, 6>());
      step(std::integral_constant<int, 7>());
    } else {
      step(std::integral_constant<int, 0>());
      if (kc > 1) step(std::integral_constant<int, 1>());
      if (kc > 2) step(std::integral_constant<int, 2>());
      if (kc > 3) step(std::integral_constant<int, 3>());
      if (kc > 4) step(std::integral_constant<int, 4>());
      if (kc > 5) step(std::integral_constant<int, 5>());
      if (kc > 6) step(std::integral_constant<int, 6>());
    }
  }
  neon::ActivateAll<MR * NV>(&acc[0][0], g.act);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    StoreTileRow<F16, NV>(g.c + (m0 + r) * g.ldc + n0, g.residual ? g.residual + (m0 + r) * g.ldr + n0 : nullptr,
                        acc[r], cols);
}

template <int NV>
void Panel(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  constexpr int kMr = NV == 4 ? 4 : 8;
  int64_t m0 = m_begin;
  for (; m0 + kMr <= m_end; m0 += kMr) Tile<kMr, NV>(g, m0, n0, cols);
  switch (m_end - m0) {
    case 7: Tile<7, NV>(g, m0, n0, cols); break;
    case 6: Tile<6, NV>(g, m0, n0, cols); break;
    case 5: Tile<5, NV>(g, m0, n0, cols); break;
    case 4: Tile<4, NV>(g, m0, n0, cols); break;
    case 3: Tile<3, NV>(g, m0, n0, cols); break;
    case 2: Tile<2, NV>(g, m0, n0, cols); break;
    case 1: Tile<1, NV>(g, m0, n0, cols); break;
    default: break;
  }
}

}  // namespace

void gemm_f16_f32acc_neonfhm(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
    width = GemmPanelWidth(g.n, n0, kPanel, kPanel / 2);
    const int cols = std::min<int32_t>(width, g.n - n0);
    if (width == kPanel) Panel<4>(g, m_begin, m_end, n0, cols);
    else Panel<2>(g, m_begin, m_end, n0, cols);
  }
}

void dwconv_f16_f32acc_neonfhm(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  constexpr int32_t ct = 8;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c, taps = g.kernel_h * g.kernel_w;
  const int64_t ts = DwTileStrideF16(taps, ct);
  const uint16_t* x[kMaxDwTaps];
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / g.out_h, oy = row % g.out_h;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      for (int32_t ky = 0, t = 0; ky < g.kernel_h; ++ky) {
        const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        for (int32_t kx = 0; kx < g.kernel_w; ++kx, ++t) {
          const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
          x[t] = iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w
                     ? a.zero
                     : a.input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * c;
        }
      }
      uint16_t* out = a.output + (static_cast<int64_t>(row) * g.out_w + ox) * c;
      const float* base = a.packed;
      for (int32_t c0 = 0; c0 < c; c0 += ct, base += ts) {
        const int lanes = std::min(ct, c - c0);
        const float16_t* w = reinterpret_cast<const float16_t*>(base + ct);
        float32x4_t acc0 = vld1q_f32(base), acc1 = vld1q_f32(base + 4);
        for (int32_t t = 0; t < taps; ++t, w += ct) {
          const float16x8_t xv = Load8(x[t] + c0, lanes), wv = vld1q_f16(w);
          acc0 = vfmlalq_low_f16(acc0, xv, wv);
          acc1 = vfmlalq_high_f16(acc1, xv, wv);
        }
        StoreN<F16>(out + c0, std::min(4, lanes), neon::Activate(acc0, a.act));
        StoreN<F16>(out + c0 + 4, lanes - 4, neon::Activate(acc1, a.act));
      }
    }
  }
}

}  // namespace scalert::kernels
