// Portable 16-bit storage kernels: the FP32 portable schemes (gemm_f32.cc, dwconv_f32.cc) with
// each activation converted when read and rounded once when stored.
#include "kernels/portable/half_kernels.h"

#include <algorithm>

#include "kernels/packing.h"
#include "kernels/portable/kernels_f32.h"
#include "kernels/reference/float_formats.h"

namespace scalert::kernels {
namespace {

struct F16 {
  static float Load(uint16_t h) { return ref::F16ToF32(h); }
  static uint16_t Store(float f) { return ref::F32ToF16(f); }
};
struct Bf16 {
  static float Load(uint16_t h) { return ref::Bf16ToF32(h); }
  static uint16_t Store(float f) { return ref::F32ToBf16(f); }
};

constexpr int kRows = 4;

template <class F, int W>
void Tile(const GemmHalfArgs& g, int64_t m0, int rows, int32_t n0) {
  const float* panel = g.packed_b + static_cast<int64_t>(n0) * g.k;
  float acc[kRows][W];
  for (int r = 0; r < kRows; ++r)
    for (int j = 0; j < W; ++j) acc[r][j] = g.bias[n0 + j];
  const uint16_t* a[kRows];
  for (int r = 0; r < kRows; ++r) a[r] = g.a + (m0 + std::min(r, rows - 1)) * g.lda;  // extra rows repeat the last
  for (int32_t kk = 0; kk < g.k; ++kk) {
    const float* b = panel + static_cast<int64_t>(kk) * W;
    for (int r = 0; r < kRows; ++r) {
      const float av = F::Load(a[r][kk]);
      for (int j = 0; j < W; ++j) acc[r][j] += av * b[j];
    }
  }
  const int cols = std::min<int32_t>(W, g.n - n0);
  for (int r = 0; r < rows; ++r) {
    uint16_t* c = g.c + (m0 + r) * g.ldc + n0;
    const uint16_t* res = g.residual ? g.residual + (m0 + r) * g.ldr + n0 : nullptr;
    for (int j = 0; j < cols; ++j) {
      float v = ApplyActivation(acc[r][j], g.act);
      if (res) v += F::Load(res[j]);
      c[j] = F::Store(v);
    }
  }
}

template <class F>
void Gemm(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
    width = GemmPanelWidth(g.n, n0, kPortableGemmPanel, kPortableGemmPanel / 2);
    for (int64_t m0 = m_begin; m0 < m_end; m0 += kRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kRows, m_end - m0));
      if (width == kPortableGemmPanel) Tile<F, kPortableGemmPanel>(g, m0, rows, n0);
      else Tile<F, kPortableGemmPanel / 2>(g, m0, rows, n0);
    }
  }
}

// One output pixel's channel tile at a time, over the taps; padding taps are skipped.
template <class F>
void DwConv(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  constexpr int32_t ct = kPortableDwChannelTile;
  const ref::ConvGeometry& g = a.geo;
  const int32_t c = g.in_c, taps = g.kernel_h * g.kernel_w;
  const int64_t ts = DwTileStride(taps, ct);
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / g.out_h, oy = row % g.out_h;
    for (int32_t ox = 0; ox < g.out_w; ++ox) {
      uint16_t* out = a.output + (static_cast<int64_t>(row) * g.out_w + ox) * c;
      for (int32_t c0 = 0; c0 < c; c0 += ct) {
        const float* w = a.packed + (c0 / ct) * ts;
        const int32_t lanes = std::min(ct, c - c0);
        float acc[ct];
        for (int32_t l = 0; l < ct; ++l) acc[l] = w[l];
        for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
          const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
          if (iy < 0 || iy >= g.in_h) continue;
          for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
            const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
            if (ix < 0 || ix >= g.in_w) continue;
            const uint16_t* x = a.input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * c + c0;
            const float* wt = w + ct * (1 + ky * g.kernel_w + kx);
            for (int32_t l = 0; l < lanes; ++l) acc[l] += F::Load(x[l]) * wt[l];
          }
        }
        for (int32_t l = 0; l < lanes; ++l) out[c0 + l] = F::Store(ApplyActivation(acc[l], a.act));
      }
    }
  }
}

template <class F>
void MulChannel(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y, Activation act) {
  for (int64_t p = 0; p < pixels; ++p)
    for (int32_t c = 0; c < channels; ++c)
      y[p * channels + c] = F::Store(ApplyActivation(F::Load(x[p * channels + c]) * s[c], act));
}

template <class F>
void GlobalAvgPool(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin, int32_t c_end) {
  for (int32_t c = c_begin; c < c_end; ++c) {
    double sum = 0;
    for (int64_t p = 0; p < pixels; ++p) sum += F::Load(x[p * channels + c]);
    y[c] = F::Store(static_cast<float>(sum / static_cast<double>(pixels)));
  }
}

template <class F>
void Add(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  for (int64_t i = 0; i < n; ++i) y[i] = F::Store(ApplyActivation(F::Load(a[i]) + F::Load(b[i]), act));
}

}  // namespace

void add_f16s_portable(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  Add<F16>(n, a, b, y, act);
}
void add_bf16s_portable(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  Add<Bf16>(n, a, b, y, act);
}
void mul_channel_f16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                               Activation act) {
  MulChannel<F16>(pixels, channels, x, s, y, act);
}
void mul_channel_bf16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                                Activation act) {
  MulChannel<Bf16>(pixels, channels, x, s, y, act);
}
void global_avg_pool_f16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                                   int32_t c_end) {
  GlobalAvgPool<F16>(pixels, channels, x, y, c_begin, c_end);
}
void global_avg_pool_bf16s_portable(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                                    int32_t c_end) {
  GlobalAvgPool<Bf16>(pixels, channels, x, y, c_begin, c_end);
}

void gemm_f16s_portable(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  Gemm<F16>(g, m_begin, m_end, n_begin, n_end);
}
void gemm_bf16s_portable(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  Gemm<Bf16>(g, m_begin, m_end, n_begin, n_end);
}
void dwconv_f16s_portable(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) { DwConv<F16>(a, row_begin, row_end); }
void dwconv_bf16s_portable(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) { DwConv<Bf16>(a, row_begin, row_end); }
void f16_to_f32_portable(int64_t n, const uint16_t* x, float* y) { for (int64_t i = 0; i < n; ++i) y[i] = F16::Load(x[i]); }
void f32_to_f16_portable(int64_t n, const float* x, uint16_t* y) { for (int64_t i = 0; i < n; ++i) y[i] = F16::Store(x[i]); }
void bf16_to_f32_portable(int64_t n, const uint16_t* x, float* y) { for (int64_t i = 0; i < n; ++i) y[i] = Bf16::Load(x[i]); }
void f32_to_bf16_portable(int64_t n, const float* x, uint16_t* y) { for (int64_t i = 0; i < n; ++i) y[i] = Bf16::Store(x[i]); }

}  // namespace scalert::kernels
