// NEON 16-bit storage kernels: the FP32 NEON GEMM tile scheme (gemm_f32.cc, 16-wide panels of
// PackGemmWeights) with A widened 4 values of a row at a time into a small FP32 block, and a
// depthwise convolution per output pixel over 8-channel groups; every stored value is rounded
// once (RNE) into the 16-bit format.
#include "kernels/arm/neon/half_kernels.h"

#include <arm_neon.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/arm/neon/half_io_neon.h"
#include "kernels/arm/neon/vector_math_neon.h"
#include "kernels/packing.h"

namespace scalert::kernels {
namespace {

struct Bf16 {
  static float32x4_t Load(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
  // Round to nearest even in the integer domain; NaN becomes a quiet NaN (float_formats.h).
  static void Store(uint16_t* p, float32x4_t v) {
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t r = vshrq_n_u32(vaddq_u32(vaddq_u32(u, vdupq_n_u32(0x7fff)), lsb), 16);
    const uint32x4_t nan = vmvnq_u32(vceqq_f32(v, v));
    const uint32x4_t q = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(0x40));
    vst1_u16(p, vmovn_u32(vbslq_u32(nan, q, r)));
  }
};

constexpr int32_t kGemmPanel = 16;

template <class F, int MR, int NV>
void Tile(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols) {
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
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
  for (int32_t k0 = 0; k0 < k; k0 += 4) {
    const int kc = std::min<int32_t>(4, k - k0);
    float32x4_t av[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) av[r] = LoadN<F>(a[r] + k0, kc);
    // One k step: lane L of each row's widened block times the panel row (L is a constant).
    auto step = [&](auto lane) {
      float32x4_t bv[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bv[j] = vld1q_f32(b + 4 * j);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[r][j] = vfmaq_laneq_f32(acc[r][j], bv[j], av[r], decltype(lane)::value);
      b += 4 * NV;
    };
    step(std::integral_constant<int, 0>());
    if (kc > 1) step(std::integral_constant<int, 1>());
    if (kc > 2) step(std::integral_constant<int, 2>());
    if (kc > 3) step(std::integral_constant<int, 3>());
  }
  neon::ActivateAll<MR * NV>(&acc[0][0], g.act);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    StoreTileRow<F, NV>(g.c + (m0 + r) * g.ldc + n0, g.residual ? g.residual + (m0 + r) * g.ldr + n0 : nullptr,
                        acc[r], cols);
}

template <class F, int NV>
void Panel(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  constexpr int kMr = NV == 4 ? 6 : 8;
  int64_t m0 = m_begin;
  for (; m0 + kMr <= m_end; m0 += kMr) Tile<F, kMr, NV>(g, m0, n0, cols);
  switch (m_end - m0) {
    case 7: Tile<F, 7, NV>(g, m0, n0, cols); break;
    case 6: Tile<F, 6, NV>(g, m0, n0, cols); break;
    case 5: Tile<F, 5, NV>(g, m0, n0, cols); break;
    case 4: Tile<F, 4, NV>(g, m0, n0, cols); break;
    case 3: Tile<F, 3, NV>(g, m0, n0, cols); break;
    case 2: Tile<F, 2, NV>(g, m0, n0, cols); break;
    case 1: Tile<F, 1, NV>(g, m0, n0, cols); break;
    default: break;
  }
}

template <class F>
void Gemm(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
    width = GemmPanelWidth(g.n, n0, kGemmPanel, kGemmPanel / 2);
    const int cols = std::min<int32_t>(width, g.n - n0);
    if (width == kGemmPanel) Panel<F, 4>(g, m_begin, m_end, n0, cols);
    else Panel<F, 2>(g, m_begin, m_end, n0, cols);
  }
}

// Per output pixel, 8 channels (two vectors) at a time over the window; padding taps skipped.
template <class F>
void DwConv(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  constexpr int32_t ct = 8;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c, taps = g.kernel_h * g.kernel_w;
  const int64_t ts = DwTileStride(taps, ct);
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / g.out_h, oy = row % g.out_h;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      uint16_t* out = a.output + (static_cast<int64_t>(row) * g.out_w + ox) * c;
      const float* w = a.packed;
      for (int32_t c0 = 0; c0 < c; c0 += ct, w += ts) {
        const int lanes0 = std::min(4, c - c0), lanes1 = std::min(4, c - c0 - 4);
        float32x4_t acc0 = vld1q_f32(w), acc1 = vld1q_f32(w + 4);
        for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
          const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            const uint16_t* x = a.input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * c + c0;
            const float* wt = w + ct * (1 + ky * g.kernel_w + kx);
            acc0 = vfmaq_f32(acc0, LoadN<F>(x, lanes0), vld1q_f32(wt));
            if (lanes1 > 0) acc1 = vfmaq_f32(acc1, LoadN<F>(x + 4, lanes1), vld1q_f32(wt + 4));
          }
        }
        StoreN<F>(out + c0, lanes0, neon::Activate(acc0, a.act));
        if (lanes1 > 0) StoreN<F>(out + c0 + 4, lanes1, neon::Activate(acc1, a.act));
      }
    }
  }
}

}  // namespace

void gemm_f16s_neon(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  Gemm<F16>(g, m_begin, m_end, n_begin, n_end);
}
void gemm_bf16s_neon(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  Gemm<Bf16>(g, m_begin, m_end, n_begin, n_end);
}
void dwconv_f16s_neon(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) { DwConv<F16>(a, row_begin, row_end); }
void dwconv_bf16s_neon(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) { DwConv<Bf16>(a, row_begin, row_end); }

}  // namespace scalert::kernels
