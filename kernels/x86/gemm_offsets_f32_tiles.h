// The FP32 GEMM over A read in place through a table of offsets (KernelOp::kGemmOffsets): A
// element (m, kk) is a[m * lda + a_offsets[kk]]. A convolution that reads its input where it
// lies: a stem over an NCHW image takes each output pixel's taps (kx, ky, c) from the three
// planes directly (lda = the stride, a_offsets = where each tap sits from the window's corner),
// so no patch is built per row. Same panels, tiles and order of products as gemm_f32_tiles.h
// (bias, then one FMA per kk in order, then the activation), so each output has the bits the
// GEMM gives on the gathered A (its tiles start and end with GemmTileStart and GemmTileFinish).
// Written once over a SIMD type S; include after the SIMD header and vector_math.h, from a file
// compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_GEMM_OFFSETS_F32_TILES_H_
#define SCALERT_KERNELS_X86_GEMM_OFFSETS_F32_TILES_H_

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/kernel_types.h"
#include "kernels/packing.h"
#include "kernels/x86/gemm_f32_tiles.h"

namespace scalert::kernels::x86 {
namespace {

// MR rows x NV vectors of C at (m0, n0) from a panel `width` floats wide (masked loads of B
// past it); `cols` columns are stored. One pointer per k-step (the window's tap), rows at fixed
// distances from it: no per-row pointers to keep in registers.
template <class S, int MR, int NV>
void GemmOffsetsTile(const GemmArgs& g, int64_t m0, int32_t n0, int width, int cols) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  const int32_t k = g.k;
  const int64_t lda = g.lda;
  const float* b = g.packed_b + static_cast<int64_t>(n0) * k;
  const typename S::Mask bmask = S::FirstLanes(width % L);
  V acc[MR][NV];
  GemmTileStart<S, MR, NV>(g, n0, acc);
  const float* a = g.a + m0 * lda;
  for (int32_t kk = 0; kk < k; ++kk, b += width) {
    V bv[NV];
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) bv[j] = L * (j + 1) <= width ? S::LoadU(b + L * j) : S::LoadMasked(b + L * j, bmask);
    const float* p = a + g.a_offsets[kk];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const V av = S::Broadcast(p + r * lda);
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[r][j] = S::Fma(av, bv[j], acc[r][j]);
    }
  }
  GemmTileFinish<S, MR, NV>(g, m0, n0, cols, acc);
}

using GemmOffsetsTileFn = void (*)(const GemmArgs&, int64_t, int32_t, int, int);

template <class S, int NV, int... H>
constexpr std::array<GemmOffsetsTileFn, sizeof...(H)> GemmOffsetsTileTable(std::integer_sequence<int, H...>) {
  return {&GemmOffsetsTile<S, H + 1, NV>...};
}

// Rows [m_begin, m_end) x columns [n_begin, n_end) over the panels PackGemmWeights laid out for
// TileShape{nr = 2 * kLanes, nr_min = kNrMin}: each panel in tiles of near-equal height (at
// most kMaxMr rows), as GemmF32 cuts them; half-vector panels (kNrMin < kLanes) on S::Half, whose
// activations GemmF32 uses there (its sigmoid's bits differ from the full vector's).
template <class S, int kMaxMr, int kNrMin>
void GemmOffsetsF32(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  constexpr int L = S::kLanes;
  static constexpr auto kWide = GemmOffsetsTileTable<S, 2>(std::make_integer_sequence<int, kMaxMr>());
  static constexpr auto kNarrow = GemmOffsetsTileTable<S, 1>(std::make_integer_sequence<int, kMaxMr>());
  static constexpr auto kHalf = [] {
    if constexpr (kNrMin < L) return GemmOffsetsTileTable<typename S::Half, 1>(std::make_integer_sequence<int, kMaxMr>());
    else return kNarrow;
  }();
  const int64_t rows = m_end - m_begin;
  if (rows <= 0) return;
  const int64_t tiles = (rows + kMaxMr - 1) / kMaxMr, base = rows / tiles, extra = rows % tiles;
  for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
    width = GemmPanelWidth(g.n, n0, 2 * L, kNrMin);
    const int cols = std::min<int32_t>(width, g.n - n0);
    const auto& fns = width > L ? kWide : width == L ? kNarrow : kHalf;
    int64_t m0 = m_begin;
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t h = base + (t < extra ? 1 : 0);
      fns[h - 1](g, m0, n0, width, cols);
      m0 += h;
    }
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_GEMM_OFFSETS_F32_TILES_H_
