// Portable GEMM: 4 rows x one panel of accumulators in fixed-size arrays, which compilers keep
// in vector registers at any baseline ISA.
#include <algorithm>

#include "kernels/packing.h"
#include "kernels/portable/kernels_f32.h"

namespace scalert::kernels {
namespace {

constexpr int kRows = 4;
constexpr int32_t kGemmPanel = kPortableGemmPanel;

template <int W>
void Tile(const GemmArgs& g, int64_t m0, int rows, int32_t n0) {
  const float* panel = g.packed_b + static_cast<int64_t>(n0) * g.k;
  float acc[kRows][W];
  for (int r = 0; r < kRows; ++r)
    for (int j = 0; j < W; ++j) acc[r][j] = g.bias[n0 + j];
  const float* a[kRows];
  for (int r = 0; r < kRows; ++r) a[r] = g.a + (m0 + std::min(r, rows - 1)) * g.lda;  // extra rows repeat the last
  for (int32_t kk = 0; kk < g.k; ++kk) {
    const float* b = panel + static_cast<int64_t>(kk) * W;
    for (int r = 0; r < kRows; ++r) {
      const float av = a[r][kk];
      for (int j = 0; j < W; ++j) acc[r][j] += av * b[j];
    }
  }
  const int cols = std::min<int32_t>(W, g.n - n0);
  for (int r = 0; r < rows; ++r) {
    float* c = g.c + (m0 + r) * g.ldc + n0;
    for (int j = 0; j < cols; ++j) c[j] = ApplyActivation(acc[r][j], g.act);
    if (g.residual) {
      const float* res = g.residual + (m0 + r) * g.ldr + n0;
      for (int j = 0; j < cols; ++j) c[j] += res[j];
    }
  }
}

}  // namespace

void gemm_f32_portable(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
    width = GemmPanelWidth(g.n, n0, kGemmPanel, kGemmPanel / 2);
    const bool wide = width == kGemmPanel;
    for (int64_t m0 = m_begin; m0 < m_end; m0 += kRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kRows, m_end - m0));
      if (wide) Tile<kGemmPanel>(g, m0, rows, n0);
      else Tile<kGemmPanel / 2>(g, m0, rows, n0);
    }
  }
}

}  // namespace scalert::kernels
