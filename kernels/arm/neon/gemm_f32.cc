// NEON GEMM over 16-wide packed panels (kernels/packing.h, tile nr = 16). AArch64 has 32 vector
// registers of 4 floats: a 6x16 tile keeps 24 accumulators, 4 B vectors and a broadcast A value
// in registers (8x16 would need all 32 for accumulators alone); the narrow 8-wide last panel uses
// 8x8 tiles (16 accumulators). Bias, activation and the residual add (fused blocks) are applied
// while the tile is in registers.
#include <algorithm>

#include "kernels/arm/neon/kernels_f32.h"
#include "kernels/arm/neon/vector_math_neon.h"
#include "kernels/isa.h"
#include "kernels/packing.h"

namespace scalert::kernels {
namespace {

using neon::LoadPartial;
using neon::StorePartial;

// Packed panels are 16 columns wide; columns after the last full panel go in 8-wide panels
// (registered as tile 6x16, nr_min 8): walk them by GemmPanelWidth, never a fixed step.
constexpr int32_t kGemmPanel = 16;

// Stores NV vectors of one tile row: all of them, or the first `cols` floats.
template <int NV>
inline void StoreRow(float* c, const float32x4_t* v, int cols) {
  if (cols == 4 * NV) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) vst1q_f32(c + 4 * j, v[j]);
    return;
  }
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int lanes = std::min(4, cols - 4 * j);
    if (lanes > 0) StorePartial(c + 4 * j, v[j], lanes);
  }
}

// Adds row `m` of the residual (GemmArgs::residual, after the activation: the skip connection of
// a fused block) to NV vectors holding columns [n0, n0 + cols).
template <int NV>
inline void AddResidualRow(const GemmArgs& g, int64_t m, int32_t n0, float32x4_t* v, int cols) {
  const float* res = g.residual + m * g.ldr + n0;
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int lanes = std::min(4, cols - 4 * j);
    if (lanes == 4) v[j] = vaddq_f32(v[j], vld1q_f32(res + 4 * j));
    else if (lanes > 0) v[j] = vaddq_f32(v[j], LoadPartial(res + 4 * j, lanes));
  }
}

// Every loop over the tile is fully unrolled so the accumulators stay in registers.
template <int MR, int NV>
inline void Tile(const GemmArgs& g, int64_t m0, int32_t n0, int cols) {
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  float32x4_t acc[MR][NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const float32x4_t bias = vld1q_f32(g.bias + n0 + 4 * j);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r][j] = bias;
  }
  const float* a[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
  for (int32_t kk = 0; kk < k; ++kk, b += 4 * NV) {
    float32x4_t bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = vld1q_f32(b + 4 * j);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const float32x4_t av = vld1q_dup_f32(a[r] + kk);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[r][j] = vfmaq_f32(acc[r][j], av, bv[j]);
    }
  }
  neon::ActivateAll<MR * NV>(&acc[0][0], g.act);
  if (g.residual) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) AddResidualRow<NV>(g, m0 + r, n0, acc[r], cols);
  }
  float* c = g.c + m0 * g.ldc + n0;
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) StoreRow<NV>(c + r * g.ldc, acc[r], cols);
}

// One row (a fully connected layer on one image): four accumulator chains per vector, so the
// loop streams B instead of waiting on the latency of one FMA chain.
template <int NV>
void RowTile(const GemmArgs& g, int64_t m0, int32_t n0, int cols) {
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  const float* a = g.a + m0 * g.lda;
  float32x4_t acc[4][NV];
#pragma GCC unroll 4
  for (int u = 0; u < 4; ++u)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[u][j] = u == 0 ? vld1q_f32(g.bias + n0 + 4 * j) : vdupq_n_f32(0.f);
  int32_t kk = 0;
  for (; kk + 4 <= k; kk += 4, b += 16 * NV) {
    const float32x4_t av = vld1q_f32(a + kk);
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      acc[0][j] = vfmaq_laneq_f32(acc[0][j], vld1q_f32(b + 4 * j), av, 0);
      acc[1][j] = vfmaq_laneq_f32(acc[1][j], vld1q_f32(b + 4 * (NV + j)), av, 1);
      acc[2][j] = vfmaq_laneq_f32(acc[2][j], vld1q_f32(b + 4 * (2 * NV + j)), av, 2);
      acc[3][j] = vfmaq_laneq_f32(acc[3][j], vld1q_f32(b + 4 * (3 * NV + j)), av, 3);
    }
  }
  for (; kk < k; ++kk, b += 4 * NV) {
    const float32x4_t av = vld1q_dup_f32(a + kk);
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[0][j] = vfmaq_f32(acc[0][j], av, vld1q_f32(b + 4 * j));
  }
  float32x4_t sum[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) sum[j] = vaddq_f32(vaddq_f32(acc[0][j], acc[1][j]), vaddq_f32(acc[2][j], acc[3][j]));
  neon::ActivateAll<NV>(sum, g.act);
  if (g.residual) AddResidualRow<NV>(g, m0, n0, sum, cols);
  StoreRow<NV>(g.c + m0 * g.ldc + n0, sum, cols);
}

// All rows of [m_begin, m_end) against one panel: full MR tiles, then one smaller tile.
template <int NV>
void Panel(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  if (m_end - m_begin == 1) return RowTile<NV>(g, m_begin, n0, cols);
  constexpr int kMr = NV == 4 ? 6 : 8;
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

void gemm_f32_neon(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  // Rows are walked in blocks whose slice of A stays in L2 (half of it, for B's panel and the
  // output) while every panel of B passes over it; blocks are equal multiples of 6 rows.
  static const int64_t block_bytes = std::max<int64_t>(64 * 1024, CacheSizesOrDefaults().l2 / 2);
  const int64_t rows = m_end - m_begin;
  const int64_t target = std::max<int64_t>(24, block_bytes / 4 / std::max(g.k, 1));
  const int64_t blocks = std::max<int64_t>(1, (rows + target - 1) / target);
  const int64_t block = ((rows + blocks - 1) / blocks + 5) / 6 * 6;
  for (int64_t mb = m_begin; mb < m_end; mb += block) {
    const int64_t me = std::min(m_end, mb + block);
    for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
      width = GemmPanelWidth(g.n, n0, kGemmPanel, kGemmPanel / 2);
      const int cols = std::min<int32_t>(width, g.n - n0);
      if (width == kGemmPanel) Panel<4>(g, mb, me, n0, cols);
      else Panel<2>(g, mb, me, n0, cols);
    }
  }
}

}  // namespace scalert::kernels
