// The FP32 GEMM of the native backend, written once over a SIMD type S (simd_avx2.h,
// simd_avx512.h) and instantiated per ISA with its tile. C[m, n] = act(A[m, k] B[k, n] + bias)
// over panels packed by PackGemmWeights with nr = 2 * S::kLanes: a wide panel is computed by
// register tiles of up to kMaxMr rows x 2 vectors, the narrow last panel (nr / 2) by tiles of up
// to kMaxMrNarrow rows x 1 vector. Bias and activation are applied while the tile is in registers.
// A prefetch range (GemmArgs::prefetch) is cut evenly over the tiles; each tile touches its slice
// a cache line per k-step, so the memory traffic overlaps the FMAs instead of stalling a later
// memory-bound step (two lines per k-step slowed the host by more: 0.39 -> 0.47-0.56 ms against
// 0.44-0.49 for a 5 MB classifier behind a 7x7 320 -> 1280 head on the Zen 4). Without one, a
// GEMM with cold weights (GemmArgs::cold_weights) has the tiles of each panel touch the next
// panel the same way.
// Include after the SIMD header and vector_math.h, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_GEMM_F32_TILES_H_
#define SCALERT_KERNELS_X86_GEMM_F32_TILES_H_

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/kernel_types.h"
#include "kernels/packing.h"

namespace scalert::kernels::x86 {
namespace {

// The start of an MR x NV register tile of C at column n0: every row's accumulators hold the bias
// (the first term of each output's sum; also gemm_offsets_f32_tiles.h's tiles).
template <class S, int MR, int NV>
inline __attribute__((always_inline)) void GemmTileStart(const GemmArgs& g, int32_t n0, typename S::V (&acc)[MR][NV]) {
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) {
    const typename S::V bias = S::LoadU(g.bias + n0 + S::kLanes * j);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) acc[r][j] = bias;
  }
}

// The end of an MR x NV register tile of C at (m0, n0): activation, the residual, and the store
// of `cols` columns (also gemm_offsets_f32_tiles.h's tiles).
template <class S, int MR, int NV>
inline __attribute__((always_inline)) void GemmTileFinish(const GemmArgs& g, int64_t m0, int32_t n0, int cols,
                                                          typename S::V (&acc)[MR][NV]) {
  constexpr int L = S::kLanes;
  ActivateAll<S, MR * NV>(&acc[0][0], g.act);
  // Strides in locals: the stores (may-alias intrinsics) would otherwise make GCC reload them
  // from `g` after every store.
  const int64_t ldc = g.ldc, ldr = g.ldr;
  float* c = g.c + m0 * ldc + n0;
  const int full = cols / L;
  const typename S::Mask mask = S::FirstLanes(cols % L);
  if (g.residual) {  // the skip connection, added while the tile is in registers
    const float* res = g.residual + m0 * ldr + n0;
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) {
        if (j < full) acc[r][j] = S::Add(acc[r][j], S::LoadU(res + r * ldr + L * j));
        else if (j == full && cols % L) acc[r][j] = S::Add(acc[r][j], S::LoadMasked(res + r * ldr + L * j, mask));
      }
  }
  if (cols == L * NV) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) S::StoreU(c + r * ldc + L * j, acc[r][j]);
    return;
  }
  // Narrow last panel: full vectors, then one masked vector.
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      if (j < full) S::StoreU(c + r * ldc + L * j, acc[r][j]);
      else if (j == full) S::StoreMasked(c + r * ldc + L * j, mask, acc[r][j]);
    }
}

// One k-step of an MR x NV tile: the panel's NV vectors at `b`, times A's element of each row
// (at a_at(r)), added to the accumulators; first touches the next line of the prefetch slice.
template <class S, int MR, int NV, class AAt>
inline __attribute__((always_inline)) void GemmTileStep(typename S::V (&acc)[MR][NV], const float* b, AAt a_at,
                                                        const char*& pf, const char* pf_end) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  V bv[NV];
  if (pf < pf_end) {
    _mm_prefetch(pf, _MM_HINT_T0);
    pf += 64;
  }
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) bv[j] = S::Load(b + L * j);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    const V av = S::Broadcast(a_at(r));
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[r][j] = S::Fma(av, bv[j], acc[r][j]);
  }
}

// MR rows x NV vectors of C at (m0, n0); `cols` <= NV * kLanes columns are stored. Every loop is
// fully unrolled so the accumulators live in registers (GCC keeps an array on the stack as soon
// as one loop indexes it at run time). K > 0: g.k and g.lda are K (kFixedKs), the whole tile of
// A is read from one pointer at fixed offsets and the k-loop is unrolled (no pointer per row, no
// loop counter); the same products in the same order, so the same bits.
template <class S, int MR, int NV, int K = 0>
void GemmTile(const GemmArgs& g, int64_t m0, int32_t n0, int cols, const char* pf, const char* pf_end) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  V acc[MR][NV];
  GemmTileStart<S, MR, NV>(g, n0, acc);
  if constexpr (K > 0) {
    const float* a = g.a + m0 * K;
#pragma GCC unroll 64
    for (int kk = 0; kk < K; ++kk, b += L * NV)
      GemmTileStep<S, MR, NV>(acc, b, [&](int r) { return a + r * K + kk; }, pf, pf_end);
  } else {
    const float* a[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
    for (int32_t kk = 0; kk < k; ++kk, b += L * NV)
      GemmTileStep<S, MR, NV>(acc, b, [&](int r) { return a[r] + kk; }, pf, pf_end);
  }
  GemmTileFinish<S, MR, NV>(g, m0, n0, cols, acc);
}

// A 1-vector panel and the half-vector panel after it (S::Half: e.g. 16 + 8 columns, where n is
// 24 past the wide panels) in one tile of MR rows: each element of A is broadcast once for both,
// where the panels on their own broadcast it twice and ran load-bound (MobileNetV2's 24-channel
// projects, 56x96 -> 24 and 112x144 -> 24: 1.3-1.45x faster alone on a Sapphire-Rapids Xeon). The half
// columns keep the half type's arithmetic, activation and stores, so every output is bit for bit
// what the two panels compute apart. `half_cols` <= S::Half::kLanes columns of the half panel.
template <class S, int MR>
void GemmTileWithHalf(const GemmArgs& g, int64_t m0, int32_t n0, int half_cols, const char* pf, const char* pf_end) {
  using H = typename S::Half;
  using V = typename S::V;
  using VH = typename H::V;
  constexpr int L = S::kLanes, LH = H::kLanes;
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  const float* bh = g.packed_b + static_cast<int64_t>(n0 + L) * k;
  V acc[MR];
  VH acch[MR];
  const V bias = S::LoadU(g.bias + n0);
  const VH biash = H::LoadU(g.bias + n0 + L);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    acc[r] = bias;
    acch[r] = biash;
  }
  const float* a[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
  for (int32_t kk = 0; kk < k; ++kk, b += L, bh += LH) {
    if (pf < pf_end) {
      _mm_prefetch(pf, _MM_HINT_T0);
      pf += 64;
    }
    const V bv = S::Load(b);
    const VH bvh = H::Load(bh);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const V av = S::Broadcast(a[r] + kk);
      acc[r] = S::Fma(av, bv, acc[r]);
      acch[r] = H::Fma(S::LowHalf(av), bvh, acch[r]);
    }
  }
  ActivateAll<S, MR>(acc, g.act);
  ActivateAll<H, MR>(acch, g.act);
  const int64_t ldc = g.ldc, ldr = g.ldr;  // in locals, as in GemmTile
  float* c = g.c + m0 * ldc + n0;
  const typename H::Mask mask = H::FirstLanes(half_cols);
  if (g.residual) {
    const float* res = g.residual + m0 * ldr + n0;
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      acc[r] = S::Add(acc[r], S::LoadU(res + r * ldr));
      const float* rh = res + r * ldr + L;
      acch[r] = H::Add(acch[r], half_cols == LH ? H::LoadU(rh) : H::LoadMasked(rh, mask));
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    S::StoreU(c + r * ldc, acc[r]);
    if (half_cols == LH) H::StoreU(c + r * ldc + L, acch[r]);
    else H::StoreMasked(c + r * ldc + L, mask, acch[r]);
  }
}

// One row (a fully connected layer on one image): the row's k products are split over four
// accumulator chains, so the loop is bound by streaming B from memory instead of by the FMA
// latency of a single chain, and B is prefetched a few iterations ahead.
template <class S, int NV>
void GemmRow(const GemmArgs& g, int64_t m0, int32_t n0, int cols) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  constexpr int kStep = 4 * L * NV;  // floats of B per iteration
  const int32_t k = g.k;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  const float* a = g.a + m0 * g.lda;
  V acc[4][NV];
#pragma GCC unroll 4
  for (int u = 0; u < 4; ++u)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[u][j] = u == 0 ? S::LoadU(g.bias + n0 + L * j) : S::Zero();
  int32_t kk = 0;
  for (; kk + 4 <= k; kk += 4, b += kStep) {
#pragma GCC unroll 8
    for (int line = 0; line < kStep / 16; ++line)
      _mm_prefetch(reinterpret_cast<const char*>(b + 8 * kStep + 16 * line), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int u = 0; u < 4; ++u) {
      const V av = S::Broadcast(a + kk + u);
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[u][j] = S::Fma(av, S::Load(b + L * (NV * u + j)), acc[u][j]);
    }
  }
  for (; kk < k; ++kk, b += L * NV) {
    const V av = S::Broadcast(a + kk);
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[0][j] = S::Fma(av, S::Load(b + L * j), acc[0][j]);
  }
  V sum[NV];
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) sum[j] = S::Add(S::Add(acc[0][j], acc[1][j]), S::Add(acc[2][j], acc[3][j]));
  ActivateAll<S, NV>(sum, g.act);
  float* c = g.c + m0 * g.ldc + n0;
  const int full = cols / L;
  const typename S::Mask mask = S::FirstLanes(cols % L);
  if (g.residual) {
    const float* res = g.residual + m0 * g.ldr + n0;
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      if (j < full) sum[j] = S::Add(sum[j], S::LoadU(res + L * j));
      else if (j == full && cols % L) sum[j] = S::Add(sum[j], S::LoadMasked(res + L * j, mask));
    }
  }
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) {
    if (j < full) S::StoreU(c + L * j, sum[j]);
    else if (j == full && cols % L) S::StoreMasked(c + L * j, mask, sum[j]);
  }
}

using GemmTileFn = void (*)(const GemmArgs&, int64_t, int32_t, int, const char*, const char*);

// The part of a range each register tile touches: the range cut evenly over `tiles` tiles
// (whole lines), handed out in order by Next.
class PrefetchSlices {
 public:
  PrefetchSlices(const char* data, int64_t bytes, int64_t tiles)
      : next_(data),
        end_(data ? data + bytes : nullptr),
        slice_(tiles > 0 ? (bytes / tiles + 63) / 64 * 64 : 0) {}
  // [*begin, *end) for the next tile; empty once the range is used up.
  void Next(const char** begin, const char** end) {
    *begin = next_;
    *end = next_ + std::min<int64_t>(slice_, end_ - next_);
    next_ = *end;
  }

 private:
  const char* next_;
  const char* end_;
  int64_t slice_;
};

template <class S, int NV, int K, int... H>
constexpr std::array<GemmTileFn, sizeof...(H)> GemmTileTable(std::integer_sequence<int, H...>) {
  return {&GemmTile<S, H + 1, NV, K>...};
}

template <class S, int... H>
constexpr std::array<GemmTileFn, sizeof...(H)> WithHalfTileTable(std::integer_sequence<int, H...>) {
  return {&GemmTileWithHalf<S, H + 1>...};
}

// Register tiles GemmPanel cuts `rows` rows into.
template <int kMaxMr>
int64_t PanelTiles(int64_t rows) {
  return (rows + kMaxMr - 1) / kMaxMr;
}

// Bytes of B a panel's tiles touch while they run (GemmArgs::cold_weights): the next panel.
struct NextPanel {
  const char* data = nullptr;
  int64_t bytes = 0;
};

// Rows [m_begin, m_end) in tiles of near-equal height (at most N = kMaxMr rows, tile h rows by
// tile_fns[h - 1]): 49 rows with kMaxMr 12 run as 10+10+10+10+9, not 12+12+12+12+1, so no tile
// degenerates into a single row that reloads the whole panel for one row of output. Each tile
// touches its slice of `pf`, or else of `next` cut over the panel's tiles.
template <size_t N>
void RunPanelTiles(const std::array<GemmTileFn, N>& tile_fns, const GemmArgs& g, int64_t m_begin, int64_t m_end,
                   int32_t n0, int cols, PrefetchSlices* pf, NextPanel next) {
  const int64_t rows = m_end - m_begin;
  const int64_t tiles = PanelTiles<static_cast<int>(N)>(rows);
  const int64_t base = rows / tiles, extra = rows % tiles;
  PrefetchSlices own(next.data, next.bytes, tiles);
  PrefetchSlices* touch = next.data ? &own : pf;
  int64_t m0 = m_begin;
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t h = base + (t < extra ? 1 : 0);
    const char *pf_begin, *pf_end;
    touch->Next(&pf_begin, &pf_end);
    tile_fns[h - 1](g, m0, n0, cols, pf_begin, pf_end);
    m0 += h;
  }
}

// Depths the wide panels' tiles are also compiled for: the expands of MobileNetV2 and
// EfficientNet (16, 24, 32 input channels -> 96..192). With the k-loop's trip count known the
// tile runs without its loop overhead: a 12 x 32 tile at k = 16 reached ~155 GFLOP/s against
// ~141 with k from GemmArgs on a Sapphire-Rapids Xeon.
constexpr int kFixedKs[] = {16, 24, 32};

// Rows [m_begin, m_end) against one panel (one row: GemmRow).
template <class S, int NV, int kMaxMr>
void GemmPanel(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int cols, PrefetchSlices* pf,
               NextPanel next) {
  static constexpr std::array<GemmTileFn, kMaxMr> kTiles =
      GemmTileTable<S, NV, 0>(std::make_integer_sequence<int, kMaxMr>());
  if (m_end - m_begin == 1) return GemmRow<S, NV>(g, m_begin, n0, cols);
  if constexpr (NV == 2) {
    static constexpr std::array<GemmTileFn, kMaxMr> kTilesK[] = {
        GemmTileTable<S, NV, kFixedKs[0]>(std::make_integer_sequence<int, kMaxMr>()),
        GemmTileTable<S, NV, kFixedKs[1]>(std::make_integer_sequence<int, kMaxMr>()),
        GemmTileTable<S, NV, kFixedKs[2]>(std::make_integer_sequence<int, kMaxMr>())};
    for (int i = 0; i < 3; ++i)
      if (g.k == kFixedKs[i] && g.lda == kFixedKs[i]) return RunPanelTiles(kTilesK[i], g, m_begin, m_end, n0, cols, pf, next);
  }
  RunPanelTiles(kTiles, g, m_begin, m_end, n0, cols, pf, next);
}

// Rows [m_begin, m_end) (at least 2) against a 1-vector panel and the half-vector panel after it.
template <class S, int kMaxMr>
void GemmPanelWithHalf(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n0, int half_cols,
                       PrefetchSlices* pf, NextPanel next) {
  static constexpr std::array<GemmTileFn, kMaxMr> kTiles =
      WithHalfTileTable<S>(std::make_integer_sequence<int, kMaxMr>());
  RunPanelTiles(kTiles, g, m_begin, m_end, n0, half_cols, pf, next);
}

// The whole kernel: rows are walked in blocks whose slice of A (block x k floats, about
// 256 KiB) stays in L2 while every panel of B passes over it; blocks are equal multiples of the
// tile height, so e.g. a 7x7 map (49 rows) is one block. Panels are 2 vectors wide, then 1
// vector, then (when S has a half-width type, S::Half) half a vector: PackGemmWeights with
// TileShape{nr = 2 * kLanes, nr_min = kLanes / 2 or kLanes}. A 1-vector panel followed by a
// half-vector one runs as one panel of both (GemmTileWithHalf). With cold weights and no
// GemmArgs::prefetch, the first row block's panels each touch the next panel while they run:
// B then streams from L3 ahead of its use instead of stalling a panel's first tile.
template <class S, int kMaxMr, int kMaxMrNarrow, int kMaxMrHalf = 0>
void GemmF32(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  constexpr int32_t kNr = 2 * S::kLanes;
  constexpr int32_t kNrMin = kMaxMrHalf > 0 ? S::kLanes / 2 : S::kLanes;
  constexpr int64_t kBlockBytes = 256 * 1024;
  const int64_t rows = m_end - m_begin;
  const int64_t target = std::max<int64_t>(4 * kMaxMr, kBlockBytes / 4 / std::max(g.k, 1));
  const int64_t blocks = std::max<int64_t>(1, (rows + target - 1) / target);
  const int64_t block = ((rows + blocks - 1) / blocks + kMaxMr - 1) / kMaxMr * kMaxMr;
  // f(mb, me, n0, width, cols) for each row block and panel, in the order they run.
  auto for_each_panel = [&](const auto& f) {
    for (int64_t mb = m_begin; mb < m_end; mb += block) {
      const int64_t me = std::min(m_end, mb + block);
      for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
        width = GemmPanelWidth(g.n, n0, kNr, kNrMin);
        f(mb, me, n0, width, std::min<int32_t>(width, g.n - n0));
      }
    }
  };
  int64_t tiles = 0;
  if (g.prefetch)
    for_each_panel([&](int64_t mb, int64_t me, int32_t, int32_t width, int) {
      tiles += width == kNr ? PanelTiles<kMaxMr>(me - mb)
               : width == S::kLanes || kMaxMrHalf == 0 ? PanelTiles<kMaxMrNarrow>(me - mb)
                                                       : PanelTiles<std::max(kMaxMrHalf, 1)>(me - mb);
    });
  PrefetchSlices pf(g.prefetch, g.prefetch_bytes, tiles);
  // A 1-vector panel followed by a half-vector one (in this call's columns) runs as one.
  auto pairs_with_half = [&](int64_t mb, int64_t me, int32_t n0, int32_t width) {
    return kMaxMrHalf > 0 && width == S::kLanes && me - mb > 1 && n0 + width < n_end &&
           GemmPanelWidth(g.n, n0 + width, kNr, kNrMin) == S::kLanes / 2;
  };
  // The panel at n_after (the one after the panel that runs), while the first block runs.
  auto next_panel = [&](int64_t mb, int32_t n_after) {
    if (!g.cold_weights || g.prefetch || mb != m_begin || n_after >= n_end) return NextPanel{};
    return NextPanel{reinterpret_cast<const char*>(g.packed_b + static_cast<int64_t>(n_after) * g.k),
                     int64_t{GemmPanelWidth(g.n, n_after, kNr, kNrMin)} * g.k * 4};
  };
  int32_t paired = -1;  // the half panel the previous call computed with its 1-vector panel
  for_each_panel([&](int64_t mb, int64_t me, int32_t n0, int32_t width, int cols) {
    if constexpr (kMaxMrHalf > 0) {
      if (n0 == paired) {
        paired = -1;
        return;
      }
      if (pairs_with_half(mb, me, n0, width)) {
        const int32_t after = n0 + width + GemmPanelWidth(g.n, n0 + width, kNr, kNrMin);
        GemmPanelWithHalf<S, kMaxMr>(g, mb, me, n0, std::min<int32_t>(S::kLanes / 2, g.n - n0 - width), &pf,
                                     next_panel(mb, after));
        paired = n0 + width;
        return;
      }
    }
    const NextPanel next = next_panel(mb, n0 + width);
    if (width == kNr) {
      GemmPanel<S, 2, kMaxMr>(g, mb, me, n0, cols, &pf, next);
    } else if (width == S::kLanes) {
      GemmPanel<S, 1, kMaxMrNarrow>(g, mb, me, n0, cols, &pf, next);
    } else if constexpr (kMaxMrHalf > 0) {
      GemmPanel<typename S::Half, 1, kMaxMrHalf>(g, mb, me, n0, cols, &pf, next);
    }
  });
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_GEMM_F32_TILES_H_
