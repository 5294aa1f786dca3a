// AVX2 GEMM: register tiles of 6 rows x 16 columns (12 accumulators) over 16-wide packed
// panels, or 8 rows x 8 columns for the narrow last panel; bias and activation applied while the
// tile is still in registers.
#include <algorithm>

#include "kernels/packing.h"
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/avx2/vector_math_avx2.h"

namespace scalert::kernels {
namespace {

using avx2::TailMask;

// Every loop over the tile is fully unrolled so the accumulators live in registers (GCC keeps an
// array on the stack as soon as one loop indexes it at run time).
template <int MR, int NV>
inline void Tile(const GemmArgs& g, int64_t m0, int32_t n0, int cols) {
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  __m256 acc[MR][NV];
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) {
    const __m256 bias = _mm256_loadu_ps(g.bias + n0 + 8 * j);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r][j] = bias;
  }
  const float* a[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
  for (int32_t kk = 0; kk < k; ++kk, b += 8 * NV) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_load_ps(b + 8 * j);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a[r] + kk);
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
    }
  }
  avx2::ActivateAll<MR * NV>(&acc[0][0], g.act);
  float* c = g.c + m0 * g.ldc + n0;
  if (cols == 8 * NV) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) _mm256_storeu_ps(c + r * g.ldc + 8 * j, acc[r][j]);
    return;
  }
  // Narrow last panel: full vectors, then one masked vector.
  const int full = cols / 8;
  const __m256i mask = TailMask(cols % 8);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      if (j < full) _mm256_storeu_ps(c + r * g.ldc + 8 * j, acc[r][j]);
      else if (j == full) _mm256_maskstore_ps(c + r * g.ldc + 8 * j, mask, acc[r][j]);
    }
}

// One row (a fully connected layer on one image): the row's k products are split over four
// accumulator chains, so the loop is bound by streaming B from memory instead of by the FMA
// latency of a single chain, and B is prefetched a few cache lines ahead.
template <int NV>
void RowTile(const GemmArgs& g, int64_t m0, int32_t n0, int cols) {
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  const float* a = g.a + m0 * g.lda;
  __m256 acc[4][NV];
#pragma GCC unroll 4
  for (int u = 0; u < 4; ++u)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[u][j] = u == 0 ? _mm256_loadu_ps(g.bias + n0 + 8 * j) : _mm256_setzero_ps();
  int32_t kk = 0;
  for (; kk + 4 <= k; kk += 4, b += 32 * NV) {
    _mm_prefetch(reinterpret_cast<const char*>(b + 32 * NV * 8), _MM_HINT_T0);
    if (NV == 2) _mm_prefetch(reinterpret_cast<const char*>(b + 32 * NV * 8 + 16), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      const __m256 av = _mm256_broadcast_ss(a + kk + u);
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[u][j] = _mm256_fmadd_ps(av, _mm256_load_ps(b + 8 * (NV * u + j)), acc[u][j]);
    }
  }
  for (; kk < k; ++kk, b += 8 * NV) {
    const __m256 av = _mm256_broadcast_ss(a + kk);
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[0][j] = _mm256_fmadd_ps(av, _mm256_load_ps(b + 8 * j), acc[0][j]);
  }
  __m256 sum[NV];
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) sum[j] = _mm256_add_ps(_mm256_add_ps(acc[0][j], acc[1][j]), _mm256_add_ps(acc[2][j], acc[3][j]));
  avx2::ActivateAll<NV>(sum, g.act);
  float* c = g.c + m0 * g.ldc + n0;
  const int full = cols / 8;
  const __m256i mask = TailMask(cols % 8);
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) {
    if (j < full) _mm256_storeu_ps(c + 8 * j, sum[j]);
    else if (j == full && cols % 8) _mm256_maskstore_ps(c + 8 * j, mask, sum[j]);
  }
}

// All rows of [m_begin, m_end) against one panel: full MR tiles, then one smaller tile.
template <int NV>
void Panel(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  if (m_end - m_begin == 1) return RowTile<NV>(g, m_begin, n0, cols);
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
  // Rows are walked in blocks whose slice of A (block x k floats, about 256 KiB) stays in L2
  // while every panel of B passes over it. Blocks are equal multiples of 6 rows, so a 7x7 map
  // (49 rows) is one block and not 48 + 1 (which streamed B twice and ran a 1-row tile per panel).
  constexpr int64_t kBlockBytes = 256 * 1024;
  const int64_t rows = m_end - m_begin;
  const int64_t target = std::max<int64_t>(24, kBlockBytes / 4 / std::max(g.k, 1));
  const int64_t blocks = std::max<int64_t>(1, (rows + target - 1) / target);
  const int64_t block = ((rows + blocks - 1) / blocks + 5) / 6 * 6;
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
