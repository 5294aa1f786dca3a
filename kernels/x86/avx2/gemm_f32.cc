// AVX2 GEMM: register tiles of 6 rows x 16 columns (12 accumulators) over 16-wide packed
// panels, or 8 rows x 8 columns for the narrow last panel; bias and activation applied while the
// tile is still in registers.
#include <algorithm>

#include "kernels/packing.h"
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/avx2/vector_math_avx2.h"

namespace scalert::kernels {
namespace {

using avx2::Activate;
using avx2::TailMask;

template <int MR, int NV>
inline void Tile(const GemmArgs& g, int64_t m0, int32_t n0, int cols) {
  const float* b = g.packed_b + static_cast<int64_t>(n0) * g.k;
  __m256 acc[MR][NV];
  for (int j = 0; j < NV; ++j) {
    const __m256 bias = _mm256_loadu_ps(g.bias + n0 + 8 * j);
    for (int r = 0; r < MR; ++r) acc[r][j] = bias;
  }
  const float* a[MR];
  for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
  for (int32_t kk = 0; kk < g.k; ++kk, b += 8 * NV) {
    __m256 bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_load_ps(b + 8 * j);
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a[r] + kk);
      for (int j = 0; j < NV; ++j) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* c = g.c + (m0 + r) * g.ldc + n0;
    for (int j = 0; j < NV; ++j) {
      const __m256 v = Activate(acc[r][j], g.act);
      const int lanes = cols - 8 * j;
      if (lanes >= 8) _mm256_storeu_ps(c + 8 * j, v);
      else if (lanes > 0) _mm256_maskstore_ps(c + 8 * j, TailMask(lanes), v);
    }
  }
}

// All rows of [m_begin, m_end) against one panel: full MR tiles, then one smaller tile.
template <int NV>
void Panel(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  constexpr int kMr = NV == 2 ? 6 : 8;
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

void gemm_f32_avx2(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  // Rows are walked in blocks whose slice of A (block x k floats) stays in L2 while every panel
  // of B passes over it.
  const int64_t block = std::max<int64_t>(24, (int64_t{64} * 1024 / std::max(g.k, 1)) / 24 * 24);
  for (int64_t mb = m_begin; mb < m_end; mb += block) {
    const int64_t me = std::min(m_end, mb + block);
    for (int32_t n0 = n_begin; n0 < n_end; n0 += kGemmPanel) {
      const int cols = std::min<int32_t>(GemmPanelWidth(g.n, n0), g.n - n0);
      if (GemmPanelWidth(g.n, n0) == kGemmPanel) Panel<2>(g, mb, me, n0, cols);
      else Panel<1>(g, mb, me, n0, cols);
    }
  }
}

}  // namespace scalert::kernels
