// GEMM on 16-bit float activations with FP32 weights and FP32 arithmetic, written once over a
// SIMD type S and a storage format F (half_io.h): C = act(A B + bias) [+ R], A, C and R in F,
// B and bias packed by PackGemmWeights with TileShape{nr = 2 * kLanes, nr_min = kLanes}. The
// register tiles are those of the FP32 GEMM (gemm_f32_tiles.h); A is converted kLanes values
// of a row at a time into a small FP32 block on the stack, from which the k loop broadcasts,
// so conversion costs one instruction per row per kLanes steps instead of one per step.
// Include after the SIMD header, vector_math.h and half_io.h, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_GEMM_HALF_TILES_H_
#define SCALERT_KERNELS_X86_GEMM_HALF_TILES_H_

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/kernel_types_half.h"
#include "kernels/packing.h"

namespace scalert::kernels::x86 {
namespace {

// Adds the residual (16-bit, `cols` columns) to MR x NV accumulators and stores them rounded.
template <class S, class F, int MR, int NV>
inline void StoreHalfTile(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols, typename S::V (*acc)[NV]) {
  constexpr int L = S::kLanes;
  using Io = HalfIo<S, F>;
  uint16_t* c = g.c + m0 * g.ldc + n0;
  const int full = cols / L, tail = cols % L;
  if (g.residual) {
    const uint16_t* res = g.residual + m0 * g.ldr + n0;
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) {
        if (j < full) acc[r][j] = S::Add(acc[r][j], Io::Load(res + r * g.ldr + L * j));
        else if (j == full && tail) acc[r][j] = S::Add(acc[r][j], Io::LoadPartial(res + r * g.ldr + L * j, tail));
      }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      if (j < full) Io::Store(c + r * g.ldc + L * j, acc[r][j]);
      else if (j == full && tail) Io::StorePartial(c + r * g.ldc + L * j, tail, acc[r][j]);
    }
}

template <class S, class F, int MR, int NV>
void GemmHalfTile(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols) {
  using V = typename S::V;
  using Io = HalfIo<S, F>;
  constexpr int L = S::kLanes;
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  V acc[MR][NV];
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) {
    const V bias = S::LoadU(g.bias + n0 + L * j);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) acc[r][j] = bias;
  }
  const uint16_t* a[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
  alignas(64) float block[MR][L];
  for (int32_t k0 = 0; k0 < k; k0 += L) {
    const int kc = std::min<int32_t>(L, k - k0);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) S::StoreU(block[r], kc == L ? Io::Load(a[r] + k0) : Io::LoadPartial(a[r] + k0, kc));
    for (int kk = 0; kk < kc; ++kk, b += L * NV) {
      V bv[NV];
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) bv[j] = S::Load(b + L * j);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const V av = S::Broadcast(&block[r][kk]);
#pragma GCC unroll 2
        for (int j = 0; j < NV; ++j) acc[r][j] = S::Fma(av, bv[j], acc[r][j]);
      }
    }
  }
  ActivateAll<S, MR * NV>(&acc[0][0], g.act);
  StoreHalfTile<S, F, MR, NV>(g, m0, n0, cols, acc);
}

using GemmHalfTileFn = void (*)(const GemmHalfArgs&, int64_t, int32_t, int);

template <template <class, class, int, int> class Tile, class S, class F, int NV, int... H>
constexpr std::array<GemmHalfTileFn, sizeof...(H)> GemmHalfTileTable(std::integer_sequence<int, H...>) {
  return {&Tile<S, F, H + 1, NV>::Run...};
}

template <class S, class F, int MR, int NV>
struct FmaHalfTile {
  static void Run(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols) { GemmHalfTile<S, F, MR, NV>(g, m0, n0, cols); }
};

// Rows [m_begin, m_end) against one panel in tiles of near-equal height (at most kMaxMr), as
// GemmPanel in gemm_f32_tiles.h.
template <template <class, class, int, int> class Tile, class S, class F, int NV, int kMaxMr>
void GemmHalfPanel(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  static constexpr std::array<GemmHalfTileFn, kMaxMr> kTiles =
      GemmHalfTileTable<Tile, S, F, NV>(std::make_integer_sequence<int, kMaxMr>());
  const int64_t rows = m_end - m_begin;
  const int64_t tiles = (rows + kMaxMr - 1) / kMaxMr;
  const int64_t base = rows / tiles, extra = rows % tiles;
  int64_t m0 = m_begin;
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t h = base + (t < extra ? 1 : 0);
    kTiles[h - 1](g, m0, n0, cols);
    m0 += h;
  }
}

// Rows per block (a multiple of `mr`) so a block's slice of 16-bit A, k values a row, stays in L2
// while every panel of the call passes over it; blocks of near-equal height.
inline int64_t HalfRowBlock(int64_t rows, int32_t k, int mr) {
  constexpr int64_t kBlockBytes = 256 * 1024;
  const int64_t target = std::max<int64_t>(4 * mr, kBlockBytes / 2 / std::max(k, 1));
  const int64_t blocks = std::max<int64_t>(1, (rows + target - 1) / target);
  return ((rows + blocks - 1) / blocks + mr - 1) / mr * mr;
}

// The whole kernel: row blocks whose slice of A stays in L2 while every panel passes over it,
// panels of 2 vectors then 1 (the last possibly partial). `Tile` is the register tile: FmaHalfTile
// here, or the BF16 dot-product tile over k-pair panels (avx512bf16/gemm_bf16.cc).
template <template <class, class, int, int> class Tile, class S, class F, int kMaxMr, int kMaxMrNarrow>
void GemmHalf(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  if (m_end <= m_begin) return;
  constexpr int32_t kNr = 2 * S::kLanes;
  const int64_t block = HalfRowBlock(m_end - m_begin, g.k, kMaxMr);
  for (int64_t mb = m_begin; mb < m_end; mb += block) {
    const int64_t me = std::min(m_end, mb + block);
    for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
      width = GemmPanelWidth(g.n, n0, kNr, S::kLanes);
      const int cols = std::min<int32_t>(width, g.n - n0);
      if (width == kNr) GemmHalfPanel<Tile, S, F, 2, kMaxMr>(g, mb, me, n0, cols);
      else GemmHalfPanel<Tile, S, F, 1, kMaxMrNarrow>(g, mb, me, n0, cols);
    }
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_GEMM_HALF_TILES_H_
