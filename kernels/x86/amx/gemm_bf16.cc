// gemm_bf16_f32acc_32x32_amx: BF16 activations and weights, products and sums by TDPBF16PS (AMX:
// a 16-row x 16-column FP32 tile accumulates the products of up to 16 BF16 k-pairs per
// instruction), over the B tiles of PackGemmWeightsBf16Tiles. Blocks of 32 rows x 32 columns are
// four C tiles fed by two A and two B tiles (16 x 32 and 32 x 16 on the last 16-column panel).
// A tiles load straight from the activation rows (stride lda); a tile whose rows pass m_end, or
// the last k chunk when it passes k, is copied first into a zero-padded block on the stack, so
// nothing past the input is read and every output row is computed alike wherever it falls
// (thread splits, fused bands). C tiles start from the bias (a 64-byte row loaded 16 times),
// go to a small FP32 block after the k loop, and take the epilogue of the avx512bf16 kernel
// there: activation (bf16_math.h), residual, one rounding by vcvtneps2bf16. TDPBF16PS, like
// vdpbf16ps, treats subnormal inputs as zero and flushes subnormal results.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/packing_half.h"
#include "kernels/x86/amx/tile_config.h"
#include "kernels/x86/half_kernels.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/bf16_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/half_io_bf16hw.h"
#include "kernels/x86/gemm_half_tiles.h"

namespace scalert::kernels {
namespace x86 {
namespace {

// Tile registers: C (rows i, columns j) = 2 i + j, A rows i = 4 + i, B columns j = 6 + j.
using amx::kTileRowBytes;
using amx::kTileRows;
constexpr int kGroup = 16;       // columns per B / C tile
constexpr int kBlockRows = 32;   // rows per block: two A tiles
constexpr int kBlockCols = 32;   // columns per block: two B tiles, the packed panel width

// What every block of one call shares.
struct Call {
  const GemmHalfArgs* g;
  const uint32_t* b;         // packed pairs
  int64_t pairs;             // Bf16TilePairs(k): 32-bit pairs per packed column
  int32_t kc, chunks;        // k values per chunk, chunks per column
  int tile_rows;             // rows of the A and C tiles: 16, or fewer when the call has fewer rows
  int64_t m_end;
  uint16_t (*pad)[kTileRows][32];  // two zero-padded A tiles: 16 rows x 32 values
  float (*out)[kBlockCols];        // kBlockRows x kBlockCols FP32 results
};

// Rows [row, row + rows) x values [k0, k0 + valid) of A into `pad` (64-byte rows, zero past `valid`).
inline void CopyChunk(const uint16_t* a, int64_t lda, int rows, int valid, uint16_t (*pad)[32]) {
  const __mmask32 mask = valid >= 32 ? ~__mmask32{0} : (__mmask32{1} << valid) - 1;
  for (int r = 0; r < rows; ++r) _mm512_store_si512(pad[r], _mm512_maskz_loadu_epi16(mask, a + r * lda));
}

// Where A tile i reads chunk c: the activation rows themselves when the tile's rows and values all
// exist, else its padded copy. Returns the address, sets the stride in bytes.
inline const void* ASource(const Call& x, int64_t row, int i, int32_t c, int64_t* stride) {
  const GemmHalfArgs& g = *x.g;
  const int32_t k0 = c * x.kc;
  const int rows = static_cast<int>(std::min<int64_t>(x.tile_rows, x.m_end - row));
  const uint16_t* a = g.a + row * g.lda + k0;
  if (rows == x.tile_rows && k0 + x.kc <= g.k) {
    *stride = g.lda * 2;
    return a;
  }
  CopyChunk(a, g.lda, rows, std::min(x.kc, g.k - k0), x.pad[i]);
  *stride = 64;
  return x.pad[i];
}

// The activation of an epilogue, known at compile time for the common ones: called through a
// runtime switch per group of rows, ActivateAllBf16 stayed out of line (a call, a vzeroupper and
// the accumulators through the stack every 4 rows). Same operations as ActivateAllBf16.
enum class EpilogueAct { kNone, kRelu, kRelu6, kOther };
template <EpilogueAct A, int n>
__attribute__((always_inline)) inline void ActivateRows(__m512* v, Activation act) {
  if constexpr (A == EpilogueAct::kRelu) {
#pragma GCC unroll 8
    for (int i = 0; i < n; ++i) v[i] = Avx512::Max(v[i], Avx512::Zero());
  } else if constexpr (A == EpilogueAct::kRelu6) {
#pragma GCC unroll 8
    for (int i = 0; i < n; ++i) v[i] = Avx512::Min(Avx512::Max(v[i], Avx512::Zero()), Avx512::Set(6.f));
  } else if constexpr (A == EpilogueAct::kOther) {
    ActivateAllBf16<n>(v, act);
  }
}

// The epilogue of a full 32-column panel, as StoreHalfTile computes it, but each row's two FP32
// vectors rounded by one vcvtne2ps2bf16 (the same rounding as two vcvtneps2bf16) into one 64-byte
// store, and the arguments read once (stores through `c` could alias them).
template <EpilogueAct A>
void StoreFullRows(const Call& x, int64_t m0, int rows, int32_t n0) {
  using Io = HalfIo<Avx512, Bf16Format>;
  const GemmHalfArgs& g = *x.g;
  const int64_t ldc = g.ldc, ldr = g.ldr;
  const Activation act = g.act;
  uint16_t* c = g.c + m0 * ldc + n0;
  const uint16_t* res = g.residual ? g.residual + m0 * ldr + n0 : nullptr;
  const float (*out)[kBlockCols] = x.out;
  auto store = [&](int r, __m512* v) {
    if (res) {
      v[0] = _mm512_add_ps(v[0], Io::Load(res + r * ldr));
      v[1] = _mm512_add_ps(v[1], Io::Load(res + r * ldr + kGroup));
    }
    _mm512_storeu_si512(c + r * ldc, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(v[1], v[0])));
  };
  int r = 0;
  for (; r + 4 <= rows; r += 4) {
    __m512 acc[4][2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      acc[i][0] = _mm512_load_ps(&out[r + i][0]);
      acc[i][1] = _mm512_load_ps(&out[r + i][kGroup]);
    }
    ActivateRows<A, 8>(&acc[0][0], act);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) store(r + i, acc[i]);
  }
  for (; r < rows; ++r) {
    __m512 acc[2] = {_mm512_load_ps(&out[r][0]), _mm512_load_ps(&out[r][kGroup])};
    ActivateRows<A, 2>(acc, act);
    store(r, acc);
  }
}

// Epilogue of rows [0, rows) of the FP32 block: activation, residual, rounding (gemm_half_tiles.h).
template <int NV>
void StoreBlock(const Call& x, int64_t m0, int rows, int32_t n0, int cols) {
  if constexpr (NV == 2) {
    if (cols == kBlockCols) {
      switch (x.g->act) {
        case Activation::kNone: return StoreFullRows<EpilogueAct::kNone>(x, m0, rows, n0);
        case Activation::kRelu: return StoreFullRows<EpilogueAct::kRelu>(x, m0, rows, n0);
        case Activation::kRelu6: return StoreFullRows<EpilogueAct::kRelu6>(x, m0, rows, n0);
        default: return StoreFullRows<EpilogueAct::kOther>(x, m0, rows, n0);
      }
    }
  }
  const GemmHalfArgs& g = *x.g;
  int r = 0;
  for (; r + 4 <= rows; r += 4) {
    __m512 acc[4][NV];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_load_ps(&x.out[r + i][kGroup * j]);
    ActivateAllBf16<4 * NV>(&acc[0][0], g.act);
    StoreHalfTile<Avx512, Bf16HwFormat, 4, NV>(g, m0 + r, n0, cols, acc);
  }
  for (; r < rows; ++r) {
    __m512 acc[1][NV];
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[0][j] = _mm512_load_ps(&x.out[r][kGroup * j]);
    ActivateAllBf16<NV>(&acc[0][0], g.act);
    StoreHalfTile<Avx512, Bf16HwFormat, 1, NV>(g, m0 + r, n0, cols, acc);
  }
}

// One block: MT x 16 rows from m0 (the last tile's rows may pass m_end), NT x 16 columns from n0
// (`cols` of them real).
template <int MT, int NT>
void Block(const Call& x, int64_t m0, int32_t n0, int cols) {
  const GemmHalfArgs& g = *x.g;
  const float* bias = g.bias + n0;
  _tile_loadd(0, bias, 0);
  if constexpr (NT == 2) _tile_loadd(1, bias + kGroup, 0);
  if constexpr (MT == 2) _tile_loadd(2, bias, 0);
  if constexpr (MT == 2 && NT == 2) _tile_loadd(3, bias + kGroup, 0);
  const uint32_t* b0 = x.b + static_cast<int64_t>(n0) * x.pairs;
  const uint32_t* b1 = b0 + kGroup * x.pairs;
  const int64_t b_step = int64_t{x.kc} / 2 * kGroup;
  for (int32_t c = 0; c < x.chunks; ++c) {
    int64_t s0 = 0, s1 = 0;
    _tile_loadd(4, ASource(x, m0, 0, c, &s0), s0);
    if constexpr (MT == 2) _tile_loadd(5, ASource(x, m0 + x.tile_rows, 1, c, &s1), s1);
    _tile_loadd(6, b0 + c * b_step, 64);
    if constexpr (NT == 2) _tile_loadd(7, b1 + c * b_step, 64);
    _tile_dpbf16ps(0, 4, 6);
    if constexpr (NT == 2) _tile_dpbf16ps(1, 4, 7);
    if constexpr (MT == 2) _tile_dpbf16ps(2, 5, 6);
    if constexpr (MT == 2 && NT == 2) _tile_dpbf16ps(3, 5, 7);
  }
  constexpr int64_t kOutStride = kBlockCols * sizeof(float);
  _tile_stored(0, &x.out[0][0], kOutStride);
  if constexpr (NT == 2) _tile_stored(1, &x.out[0][kGroup], kOutStride);
  if constexpr (MT == 2) _tile_stored(2, &x.out[kTileRows][0], kOutStride);
  if constexpr (MT == 2 && NT == 2) _tile_stored(3, &x.out[kTileRows][kGroup], kOutStride);
  // Rows of the second tile follow the first's 16 in `out` whatever tile_rows is: the first
  // tile holds tile_rows rows, and a second tile exists only when tile_rows is 16.
  const int rows = static_cast<int>(std::min<int64_t>(MT * x.tile_rows, x.m_end - m0));
  StoreBlock<NT>(x, m0, rows, n0, cols);
}

template <int NT>
void Panel(const Call& x, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  for (int64_t m0 = m_begin; m0 < m_end; m0 += kBlockRows) {
    if (m_end - m0 > x.tile_rows) Block<2, NT>(x, m0, n0, cols);
    else Block<1, NT>(x, m0, n0, cols);
  }
}

// One-chunk k (at most 32: the small expands of the first blocks) and a cheap activation: there
// a block's four multiplies take less time than moving its results through memory, and Block
// leaves the AMX unit idle while the epilogue runs. Here units of tile_rows rows x NT tiles alternate between
// two sets of C and A tiles (set S: C tiles 2S and 2S + 1, A tile 4 + S, its results in rows
// 16S.. of `out`), and the epilogue of one unit runs while the tile unit multiplies the next:
// after that unit's multiplies are issued and before its tile stores, as loads issued after a
// tile store waited for it (ordered the other way, the two overlapped not at all). The B tiles
// hold the panel's whole k and are loaded once per panel. Each row gets the same products and
// sums as in Block.
// GCC's tile intrinsics take the tile number as a literal (they are macros over inline asm):
// hence one expansion per set.
#define SCALERT_AMX_UNIT(kC0, kC1, kA)                                             \
  _tile_loadd(kC0, bias, 0);                                                      \
  if constexpr (NT == 2) _tile_loadd(kC1, bias + kGroup, 0);                      \
  _tile_loadd(kA, a, stride);                                                     \
  _tile_dpbf16ps(kC0, kA, 6);                                                     \
  if constexpr (NT == 2) _tile_dpbf16ps(kC1, kA, 7);
#define SCALERT_AMX_STORE(kC0, kC1)                                               \
  _tile_stored(kC0, out, kOutStride);                                             \
  if constexpr (NT == 2) _tile_stored(kC1, out + kGroup, kOutStride);

// Multiplies the unit at row m0 into set S.
template <int S, int NT>
inline void UnitMultiply(const Call& x, int64_t m0, const float* bias) {
  int64_t stride = 0;
  const void* a = ASource(x, m0, S, 0, &stride);
  if constexpr (S == 0) {
    SCALERT_AMX_UNIT(0, 1, 4)
  } else {
    SCALERT_AMX_UNIT(2, 3, 5)
  }
}

// Stores set S's C tiles into its rows of `out`.
template <int S, int NT>
inline void UnitStore(const Call& x) {
  constexpr int64_t kOutStride = kBlockCols * sizeof(float);
  float* out = &x.out[kTileRows * S][0];
  if constexpr (S == 0) {
    SCALERT_AMX_STORE(0, 1)
  } else {
    SCALERT_AMX_STORE(2, 3)
  }
}
#undef SCALERT_AMX_UNIT
#undef SCALERT_AMX_STORE

// The epilogue of the unit at row m0 from set S's rows of `out`.
template <int S, int NT>
inline void UnitEpilogue(const Call& x, int64_t m0, int32_t n0, int cols) {
  const int rows = static_cast<int>(std::min<int64_t>(x.tile_rows, x.m_end - m0));
  Call y = x;
  y.out = x.out + kTileRows * S;
  StoreBlock<NT>(y, m0, rows, n0, cols);
}

template <int NT>
void PanelOneChunk(const Call& x, int64_t m_begin, int64_t m_end, int32_t n0, int cols) {
  const float* bias = x.g->bias + n0;
  const uint32_t* b0 = x.b + static_cast<int64_t>(n0) * x.pairs;
  _tile_loadd(6, b0, 64);
  if constexpr (NT == 2) _tile_loadd(7, b0 + kGroup * x.pairs, 64);
  const int64_t tr = x.tile_rows;
  int64_t pending = -1;  // a set-1 unit stored, its epilogue still due
  for (int64_t m0 = m_begin; m0 < m_end; m0 += 2 * tr) {
    UnitMultiply<0, NT>(x, m0, bias);
    if (pending >= 0) UnitEpilogue<1, NT>(x, pending, n0, cols);
    UnitStore<0, NT>(x);
    pending = -1;
    if (m0 + tr < m_end) {
      UnitMultiply<1, NT>(x, m0 + tr, bias);
      UnitEpilogue<0, NT>(x, m0, n0, cols);
      UnitStore<1, NT>(x);
      pending = m0 + tr;
    } else {
      UnitEpilogue<0, NT>(x, m0, n0, cols);
    }
  }
  if (pending >= 0) UnitEpilogue<1, NT>(x, pending, n0, cols);
}

}  // namespace
}  // namespace x86

void gemm_bf16_amx(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  using namespace x86;
  if (m_end <= m_begin || n_end <= n_begin) return;
  alignas(64) uint16_t pad[2][kTileRows][32] = {};
  alignas(64) float out[kBlockRows][kBlockCols];
  Call x;
  x.g = &g;
  x.b = reinterpret_cast<const uint32_t*>(g.packed_b);
  x.pairs = Bf16TilePairs(g.k);
  x.kc = Bf16TileKChunk(g.k);
  x.chunks = static_cast<int32_t>((int64_t{g.k} + x.kc - 1) / x.kc);
  x.tile_rows = static_cast<int>(std::min<int64_t>(kTileRows, m_end - m_begin));
  x.m_end = m_end;
  x.pad = pad;
  x.out = out;
  // Configured per call: another AMX user in this thread may have replaced the configuration.
  amx::TileConfig cfg;
  for (int t = 0; t < 4; ++t) cfg.Set(t, x.tile_rows, kTileRowBytes);
  for (int t = 4; t < 6; ++t) cfg.Set(t, x.tile_rows, 2 * x.kc);
  for (int t = 6; t < 8; ++t) cfg.Set(t, x.kc / 2, kTileRowBytes);
  cfg.Load();
  const int64_t block = HalfRowBlock(m_end - m_begin, g.k, kBlockRows);
  // Alternating units pay where the epilogue is short; under swish or sigmoid its vector work
  // dominates and they measured 1.15x slower than blocks (16 -> 96 and 27 -> 32 expands).
  const bool units = g.act == Activation::kNone || g.act == Activation::kRelu || g.act == Activation::kRelu6;
  for (int64_t mb = m_begin; mb < m_end; mb += block) {
    const int64_t me = std::min(m_end, mb + block);
    for (int32_t n0 = n_begin, width = 0; n0 < n_end; n0 += width) {
      width = GemmPanelWidth(g.n, n0, kBlockCols, kGroup);
      const int cols = std::min<int32_t>(width, g.n - n0);
      if (x.chunks == 1 && units) {
        if (width == kBlockCols) PanelOneChunk<2>(x, mb, me, n0, cols);
        else PanelOneChunk<1>(x, mb, me, n0, cols);
      } else if (width == kBlockCols) {
        Panel<2>(x, mb, me, n0, cols);
      } else {
        Panel<1>(x, mb, me, n0, cols);
      }
    }
  }
}

}  // namespace scalert::kernels
