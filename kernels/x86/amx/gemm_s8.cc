// INT8 GEMM on AMX. TDPBSSD multiplies a tile of 16 rows x kc bytes of A by one of kc/4 quads x 16
// columns of B (both signed, so the packed bias holds only the input zero point's correction) into
// 16 x 16 int32 sums. On this Xeon one TDPBSSD of 16 rows costs the same for every kc from 4 to 64
// (about 16 cycles), so k runs in as few equal chunks as 64-byte tile rows allow
// (AmxGemmS8Chunks; the packed weights are zero past k) and one tile configuration serves the call.
// A step is 32 rows x 32 columns: four C tiles, two A tiles loaded straight from the rows of A
// (stride lda, no packing) and two B tiles from the packed panels. The C tiles go to a small int32
// buffer which the AVX-512 epilogue requantizes two rows at a time (requant_s8_avx512.h); C tiles
// started from the bias (tileloadd, stride 0) instead of tilezero, which saves the epilogue's four
// adds per two rows, made MobileNetV2 INT8 1.09x slower at 1 thread (interleaved medians). The
// epilogue runs after the step's tile stores, where it barely overlaps the tile work (a 32 x 32
// step at k = 16 in a loop: 300 TSC cycles, about the sum of ~100 for the tiles and ~140 for the
// epilogue). Split around the stores (half the previous step's rows after the multiplies, half
// after the stores) the step took 200 and the GEMMs alone ran 1.05-1.17x faster
// (bench_int8_kernels), but whole models ran 1.05-1.14x slower (MobileNetV2 INT8 at 1 and 2
// threads, EfficientNet-B0 INT8 at 1): the core clock drops while TMUL and AVX-512 run together
// (a scalar add chain timed before each fused block's depthwise took 1.15-1.2x as long). A tile
// whose loads would pass the last byte of A the call may read (a tail of under 16 rows; the last
// rows' zero-padded last chunk) is copied chunk by chunk into a zero-padded 16 x 64 stage first.
// Packed B starts on a cache line (tile loads of rows crossing lines ran 2.2x slower); rows of A
// off cache lines (lda = 24, 40, 672 ...) cost up to 1.3x in the multiplies, not copied away yet.
// For a fused block's depthwise the epilogue may write unsigned bytes (an unsigned pack) and pixel
// pairs (a vpermb in place of its vpermd): GemmS8Args::unsigned_out, pixel_pairs.
// Depths not a multiple of 4 (a 3-channel stem) and under 24 run on the avx512vnni kernel
// (PackGemmS8AmxQuads packs them for it): with so few products per output the requantization
// dominates, and the tiles' trip through memory made 112x112x16 -> 96 1.09x slower than the VNNI
// kernel's registers, where 56x56x24 -> 144 ran 1.07x, 112x112x32 -> 16 1.5x and 28x28x40 -> 240
// 1.5x faster on AMX (bench_int8_kernels, 1 thread, medians of 7). MobileNetV2's stem (k = 27,
// padded to one 28-byte chunk, 32 columns) ran 1.17x slower here than on the VNNI kernel when
// called per 112-pixel row (its step 0.133 against 0.114 ms, three alternating `scalert bench
// --profile` runs, 1 thread); the INT8 conv step now hands it five rows per call at depth 28
// (int8_steps.cc), 1.4x faster than per row at 27 on the VNNI kernel (bench_int8_kernels
// stem_gemm_*).
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/packing_s8.h"
#include "kernels/x86/amx/kernels_s8.h"
#include "kernels/x86/amx/tile_config.h"
#include "kernels/x86/avx512vnni/kernels_s8.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {
namespace {

using amx::kTileRowBytes;
using amx::kTileRows;
constexpr int32_t kAccRow = 2 * kAmxGemmS8Panel;  // int32 per row of the C buffer

// Tiles: C (row half h, panel q) is tmm(2h + q); A halves tmm4, tmm5; B panels tmm6, tmm7.
void Configure(int32_t kc) {
  amx::TileConfig cfg;
  for (int t = 0; t < 4; ++t) cfg.Set(t, kTileRows, kTileRowBytes);
  cfg.Set(4, kTileRows, kc);
  cfg.Set(5, kTileRows, kc);
  cfg.Set(6, kc / 4, kTileRowBytes);
  cfg.Set(7, kc / 4, kTileRowBytes);
  cfg.Load();
}

// The 16 rows of one A tile: chunk c of row r at base + r * stride + c * kc, unless staged: the
// `rows` valid rows copied into `stage` (16 x 64 bytes; the other rows' sums are never stored)
// chunk by chunk, every chunk (stage_all: fewer than 16 rows) or only the last (stage_last: its
// loads would pass the call's last byte).
struct ATile {
  const int8_t* base = nullptr;
  int64_t stride = 0;
  int32_t rows = 0;
  bool stage_all = false, stage_last = false;
  int8_t* stage = nullptr;
};

// Bytes [k0, k0 + kc) of the tile's valid rows into its stage, zero from k on (as the weights).
void Stage(const ATile& t, int32_t k, int32_t k0, int32_t kc) {
  const int32_t count = std::max(0, std::min(kc, k - k0));
  const __mmask64 mask = count >= 64 ? ~__mmask64{0} : (__mmask64{1} << count) - 1;
  for (int32_t r = 0; r < t.rows; ++r)
    _mm512_store_si512(t.stage + r * kTileRowBytes, _mm512_maskz_loadu_epi8(mask, t.base + r * t.stride + k0));
  // The stores are read by tileloadd, whose asm does not tell the compiler it reads memory.
  asm volatile("" : : "r"(t.stage) : "memory");
}

// tileloadd of chunk c of A tile `t` into tmm `tmm` (k, kc and last from the enclosing scope;
// tile numbers must be literals in GCC's tile intrinsics, hence a macro).
#define SCALERT_LOAD_A(tmm, t, c)                                                     \
  do {                                                                                \
    if ((t).stage_all || ((t).stage_last && (c) == last)) {                           \
      Stage((t), k, (c) * kc, kc);                                                    \
      _tile_loadd(tmm, (t).stage, kTileRowBytes);                                     \
    } else {                                                                          \
      _tile_loadd(tmm, (t).base + static_cast<int64_t>(c) * kc, (t).stride);          \
    }                                                                                 \
  } while (0)

// C tiles of one step (kHalves A tiles x kPanels B tiles) into acc: row r, column q at acc[r * 32 + q].
// With one chunk (resident: k <= 64) the A tiles hold the step's rows already.
template <int kHalves, int kPanels>
void Step(const ATile* a, const int8_t* b0, int64_t panel_bytes, bool resident, int32_t k, AmxS8Chunks chunks,
          int32_t* acc) {
  const int32_t kc = chunks.kc, last = chunks.count - 1;
  const int8_t* b1 = b0 + panel_bytes;
  _tile_zero(0);
  if (kPanels == 2) _tile_zero(1);
  if (kHalves == 2) _tile_zero(2);
  if (kHalves == 2 && kPanels == 2) _tile_zero(3);
  for (int32_t c = 0; c <= last; ++c) {
    const int64_t b_at = static_cast<int64_t>(c) * kc / 4 * kTileRowBytes;
    if (!resident) SCALERT_LOAD_A(4, a[0], c);
    _tile_loadd(6, b0 + b_at, kTileRowBytes);
    _tile_dpbssd(0, 4, 6);
    if (kPanels == 2) {
      _tile_loadd(7, b1 + b_at, kTileRowBytes);
      _tile_dpbssd(1, 4, 7);
    }
    if (kHalves == 2) {
      if (!resident) SCALERT_LOAD_A(5, a[1], c);
      _tile_dpbssd(2, 5, 6);
      if (kPanels == 2) _tile_dpbssd(3, 5, 7);
    }
  }
  constexpr long kStride = kAccRow * sizeof(int32_t);
  _tile_stored(0, acc, kStride);
  if (kPanels == 2) _tile_stored(1, acc + kAmxGemmS8Panel, kStride);
  if (kHalves == 2) _tile_stored(2, acc + kTileRows * kAccRow, kStride);
  if (kHalves == 2 && kPanels == 2) _tile_stored(3, acc + kTileRows * kAccRow + kAmxGemmS8Panel, kStride);
}

// Requantizes rows [0, rows) of acc into C from row pointer c, columns [j, j + count) (count <=
// 32), two rows per BytePacker call. kBounded: every factor of the columns is at most 1/4, so
// float(acc) * m stays below 2^30 and needs no clamp before the conversion; kClamp: the packer's
// clamp (a fused relu / relu6), fixed so the loop has no branch on it; kUnsigned: y + 128
// (GemmS8Args::unsigned_out, the packer made for it). kPairs: rows r, r + 1 as a pixel pair
// (GemmS8Args::pixel_pairs; rows even, count 16 or 32), one vpermb (`pairs`: the whole tile's
// order, pairs_tail: a last 16 channels') in place of the packer's vpermd.
template <bool kBounded, bool kClamp, bool kUnsigned, bool kPairs = false>
void Epilogue(const GemmS8Args& args, const BytePacker& packer, const int32_t* acc, int32_t rows, int8_t* c,
              int32_t j, int32_t count, __m512i pairs, __m512i pairs_tail) {
  const PackedGemmS8& p = *args.packed;
  const bool two = count > kAmxGemmS8Panel;  // bias and scale are padded to whole panels only
  const __m512i bias0 = _mm512_loadu_si512(p.bias.data() + j);
  const __m512i bias1 = two ? _mm512_loadu_si512(p.bias.data() + j + kAmxGemmS8Panel) : bias0;
  const __m512 scale0 = _mm512_loadu_ps(p.scale.data() + j);
  const __m512 scale1 = two ? _mm512_loadu_ps(p.scale.data() + j + kAmxGemmS8Panel) : scale0;
  const __mmask32 mask = count >= 32 ? ~__mmask32{0} : (__mmask32{1} << count) - 1;
  const auto scaled = [](const int32_t* x, __m512i bias, __m512 scale) {
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_load_si512(x), bias)), scale);
  };
  if constexpr (kPairs) {
    const __m512i order = count >= 32 ? pairs : pairs_tail;
    for (int32_t r = 0; r < rows; r += 2) {
      const int32_t* x0 = acc + r * kAccRow;
      const int32_t* x1 = x0 + kAccRow;
      const __m512i bytes = _mm512_permutexvar_epi8(
          order, packer.PackUnordered<kBounded, kClamp, kUnsigned>(
                     scaled(x0, bias0, scale0), scaled(x0 + kAmxGemmS8Panel, bias1, scale1), scaled(x1, bias0, scale0),
                     scaled(x1 + kAmxGemmS8Panel, bias1, scale1)));
      int8_t* dst = c + r * args.ldc + 2 * j;
      if (count >= 32) _mm512_storeu_si512(dst, bytes);
      else _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(bytes));
    }
    return;
  }
  for (int32_t r = 0; r < rows; r += 2) {
    const int32_t* x0 = acc + r * kAccRow;
    const int32_t* x1 = r + 1 < rows ? x0 + kAccRow : x0;
    const __m512i bytes = packer.PackAs<kBounded, kClamp, kUnsigned>(scaled(x0, bias0, scale0), scaled(x0 + kAmxGemmS8Panel, bias1, scale1),
                                      scaled(x1, bias0, scale0), scaled(x1 + kAmxGemmS8Panel, bias1, scale1));
    int8_t* dst = c + r * args.ldc + j;
    if (count >= 32) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(bytes));
      if (r + 1 < rows)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + args.ldc), _mm512_extracti64x4_epi64(bytes, 1));
    } else {
      _mm256_mask_storeu_epi8(dst, mask, _mm512_castsi512_si256(bytes));
      if (r + 1 < rows) _mm256_mask_storeu_epi8(dst + args.ldc, mask, _mm512_extracti64x4_epi64(bytes, 1));
    }
  }
}

// Whether every requantization factor of columns [n_begin, n_end) is at most 1/4 in magnitude
// (NaN is not).
bool ScalesBounded(const PackedGemmS8& p, int32_t n_begin, int32_t n_end) {
  for (int32_t j = n_begin; j < n_end; ++j)
    if (!(std::fabs(p.scale[j]) <= 0.25f)) return false;
  return true;
}

// The vpermb index of a pixel pair from BytePacker::PackUnordered's bytes (vectors: row r's
// columns 0-15, 16-31, row r + 1's 0-15, 16-31): a whole tile of 32 columns, or (tail) 16.
__m512i PairOrder(bool tail) {
  alignas(64) int8_t index[64] = {};
  const int32_t channels = tail ? 16 : 32;
  for (int32_t which = 0; which < 2; ++which)
    for (int32_t col = 0; col < channels; ++col) {
      const int32_t vec = 2 * which + col / 16, e = col % 16;
      index[PixelPairOffset(col, which, channels)] = static_cast<int8_t>((4 * (e / 4) + vec) * 4 + e % 4);
    }
  return _mm512_load_si512(index);
}

// pixel_pairs for the depths the avx512vnni kernel runs (not offered: GemmS8WritesPixelPairs), two
// rows at a time through a plain buffer of up to 256 columns.
void PairsThroughRows(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  constexpr int32_t kCols = 256;
  alignas(64) int8_t buf[2 * kCols];
  const int32_t n = args.packed->n;
  const int flip = args.unsigned_out ? 0x80 : 0;
  for (int64_t r = m_begin; r < m_end; r += 2)
    for (int32_t n0 = n_begin; n0 < n_end; n0 += kCols) {
      const int32_t n1 = std::min(n_end, n0 + kCols);
      GemmS8Args x = args;
      x.a = args.a + r * args.lda;
      x.c = buf - n0;  // the kernel writes column j at c + j: buf[j - n0]
      x.ldc = kCols;
      x.pixel_pairs = x.unsigned_out = false;
      const int32_t rows = static_cast<int32_t>(std::min<int64_t>(2, m_end - r));
      gemm_s8_avx512vnni(x, 0, rows, n0, n1);
      for (int32_t which = 0; which < rows; ++which)
        for (int32_t j = n0; j < n1; ++j)
          args.c[r * args.ldc + PixelPairOffset(j, which, n)] = static_cast<int8_t>(buf[which * kCols + j - n0] ^ flip);
    }
}

// C's rows [m_begin, m_end), columns [n_begin, n_end) xor 0x80: unsigned_out for the depths the
// avx512vnni kernel runs (it writes signed bytes).
void FlipBytes(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t r = m_begin; r < m_end; ++r)
    for (int32_t j = n_begin; j < n_end; j += 64) {
      const __mmask64 mask = n_end - j >= 64 ? ~__mmask64{0} : (__mmask64{1} << (n_end - j)) - 1;
      int8_t* at = args.c + r * args.ldc + j;
      _mm512_mask_storeu_epi8(at, mask, _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, at), flip));
    }
}

}  // namespace

void gemm_s8_amx(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const PackedGemmS8& p = *args.packed;
  if (AmxGemmS8UsesVnni(p.k)) {
    if (args.pixel_pairs) return PairsThroughRows(args, m_begin, m_end, n_begin, n_end);
    gemm_s8_avx512vnni(args, m_begin, m_end, n_begin, n_end);
    if (args.unsigned_out) FlipBytes(args, m_begin, m_end, n_begin, n_end);
    return;
  }
  if (m_begin >= m_end || n_begin >= n_end) return;
  const int32_t k = p.k;
  const AmxS8Chunks chunks = AmxGemmS8Chunks(k);
  const int64_t panel_bytes = static_cast<int64_t>(chunks.padded()) * kAmxGemmS8Panel;
  // The end of the bytes of A this call may read (offsets from args.a): row m_end - 1's k bytes.
  const int64_t a_end = (m_end - 1) * args.lda + k;
  // Two C buffers: a step's tiles go to one while the epilogue reads the previous step's from
  // the other, so the tile multiplies of a step overlap the requantization of the one before.
  alignas(64) int32_t acc[2][kAmxGemmS8Rows * kAccRow] = {};
  // Stage rows past a tile's valid ones hold whatever an earlier tile left: their sums are not stored.
  alignas(64) int8_t stage[2][kTileRows * kTileRowBytes] = {};
  const BytePacker packer(args.out, args.unsigned_out);
  const bool bounded = ScalesBounded(p, n_begin, n_end);
  const auto epilogue = [&]() -> decltype(&Epilogue<true, true, true>) {
    if (args.pixel_pairs) {  // only with unsigned bytes (the fused depthwise's input)
      if (!args.unsigned_out) return packer.clamp ? (bounded ? Epilogue<true, true, false, true> : Epilogue<false, true, false, true>)
                                                  : (bounded ? Epilogue<true, false, false, true> : Epilogue<false, false, false, true>);
      return packer.clamp ? (bounded ? Epilogue<true, true, true, true> : Epilogue<false, true, true, true>)
                          : (bounded ? Epilogue<true, false, true, true> : Epilogue<false, false, true, true>);
    }
    return args.unsigned_out
               ? (packer.clamp ? (bounded ? Epilogue<true, true, true> : Epilogue<false, true, true>)
                               : (bounded ? Epilogue<true, false, true> : Epilogue<false, false, true>))
               : (packer.clamp ? (bounded ? Epilogue<true, true, false> : Epilogue<false, true, false>)
                               : (bounded ? Epilogue<true, false, false> : Epilogue<false, false, false>));
  }();
  const __m512i pairs = PairOrder(false), pairs_tail = PairOrder(true);
  struct Pending {
    int32_t rows = 0, j = 0, count = 0;
    int8_t* c = nullptr;
  } pending;
  int step = 0;
  Configure(chunks.kc);
  for (int64_t r0 = m_begin; r0 < m_end; r0 += kAmxGemmS8Rows) {
    const int32_t rows = static_cast<int32_t>(std::min<int64_t>(kAmxGemmS8Rows, m_end - r0));
    const int halves = rows > kTileRows ? 2 : 1;
    ATile a[2];
    for (int h = 0; h < halves; ++h) {
      ATile& t = a[h];
      t.base = args.a + (r0 + h * kTileRows) * args.lda;
      t.stride = args.lda;
      t.rows = std::min(kTileRows, rows - h * kTileRows);
      t.stage = stage[h];
      t.stage_all = t.rows < kTileRows;
      t.stage_last = (r0 + h * kTileRows + kTileRows - 1) * args.lda + chunks.padded() > a_end;
    }
    // One chunk: the A tiles are loaded once for every column of the rows.
    const bool resident = chunks.count == 1;
    if (resident) {
      const int32_t kc = chunks.kc, last = 0;
      SCALERT_LOAD_A(4, a[0], 0);
      if (halves == 2) SCALERT_LOAD_A(5, a[1], 0);
    }
    int8_t* c = args.c + r0 * args.ldc;
    for (int32_t j = n_begin; j < n_end; j += 2 * kAmxGemmS8Panel, ++step) {
      const int32_t count = std::min(2 * kAmxGemmS8Panel, n_end - j);
      const int8_t* b = p.b.data() + static_cast<int64_t>(j / kAmxGemmS8Panel) * panel_bytes;
      int32_t* to = acc[step & 1];
      if (halves == 2 && count > kAmxGemmS8Panel) Step<2, 2>(a, b, panel_bytes, resident, k, chunks, to);
      else if (halves == 2) Step<2, 1>(a, b, panel_bytes, resident, k, chunks, to);
      else if (count > kAmxGemmS8Panel) Step<1, 2>(a, b, panel_bytes, resident, k, chunks, to);
      else Step<1, 1>(a, b, panel_bytes, resident, k, chunks, to);
      if (pending.c)
        epilogue(args, packer, acc[(step - 1) & 1], pending.rows, pending.c, pending.j, pending.count, pairs, pairs_tail);
      pending = {rows, j, count, c};
    }
  }
  if (pending.c)
    epilogue(args, packer, acc[(step - 1) & 1], pending.rows, pending.c, pending.j, pending.count, pairs, pairs_tail);
}

#undef SCALERT_LOAD_A

}  // namespace scalert::kernels
