// INT8 GEMM on AVX512-VNNI: up to 8 rows x 32 columns (two panels) of int32 accumulators, one
// vpdpbusd per row and panel for every 4 values of k. vpdpbusd multiplies unsigned by signed
// bytes, so A is read as A + 128 (the sign bit flipped; the packed bias holds the correction).
// The rows of a tile are flipped once into a stack buffer (zero-padded to a multiple of 4) and
// reused for every panel, so the inner loop is a broadcast load and a vpdpbusd; rows longer than
// the buffer are flipped as they are read. The one- and two-panel tiles are separate
// instantiations (a last panel and a half, as in projects to 24 or 40 channels, is HalfTile), and
// the epilogue skips its clamp before the conversion when every factor is at most 1/4. (GCC 12
// still copies some accumulators between registers in the k loop; forcing in-place updates
// through asm made it spill them instead, twice as slow.) Rows of k <= 64 (expands of 16-64
// channels) take another loop: the weights of whole 64-column groups (PackGemmS8InterleavedQuads)
// or of the panels after them in registers, rows two or one at a time (NarrowGroup, NarrowPanels).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/packing_s8.h"
#include "kernels/x86/avx512vnni/kernels_s8.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kStagedK = 2048;       // rows with k up to this are staged
constexpr int64_t kStageBytes = 16384;  // the stage on the stack: at least 8 rows of kStagedK
constexpr int64_t kMaxChunkRows = 128;  // rows staged at a time: their C rows stay in L1
constexpr uint32_t kFlip = 0x80808080u;

// Four bytes of A at group g as unsigned. Staged rows are flipped and padded already; others
// are read without passing the row's end (bytes past k meet zero weights: any value works).
template <bool kStaged>
inline __m512i Broadcast4(const int8_t* row, int32_t k, int32_t g) {
  uint32_t v = 0;
  if (kStaged) {
    std::memcpy(&v, row + 4 * g, 4);
    return _mm512_set1_epi32(static_cast<int32_t>(v));
  }
  std::memcpy(&v, row + 4 * g, static_cast<size_t>(std::min(4, k - 4 * g)));
  return _mm512_set1_epi32(static_cast<int32_t>(v ^ kFlip));
}

// The requantization of a tile's columns [j, j + 16 * kPanels), with the clamps done by
// saturation (the same result as quantized.h's RoundClamp, which clamps to integer bounds before
// a monotone rounding): v = min(2^30, float(acc) * m) keeps +inf and overflow high and NaN as
// NaN; cvtps2dq rounds to nearest even (NaN and values below -2^31 give INT_MIN, i.e. low);
// saturating packs to int16, a saturating add of the zero point and a saturating pack to int8
// clamp to [-128, 127]; a fused relu / relu6 narrows that by a byte max / min. Dword 4i of the
// packed bytes holds columns 4i..4i+3 of the first panel, dword 4i + 1 those of the second: one
// permute orders them. kBounded: every |scale| <= 1/4, so float(acc) * scale stays below 2^30 and
// needs no min first.
template <int kPanels, bool kBounded>
struct TileEpilogue {
  __m512 scale0, scale1, big;
  __m512i zp, lo8, hi8, order;
  bool clamp;
  int32_t count;
  __mmask32 mask;
  TileEpilogue(const GemmS8Args& args, int32_t j, int32_t n_end) {
    const PackedGemmS8& p = *args.packed;
    scale0 = _mm512_loadu_ps(p.scale.data() + j);
    scale1 = kPanels == 2 ? _mm512_loadu_ps(p.scale.data() + j + 16) : scale0;
    count = std::min(kPanels * kVnniGemmS8Panel, n_end - j);
    mask = count >= 32 ? ~__mmask32{0} : (~__mmask32{0}) >> (32 - count);
    big = _mm512_set1_ps(1073741824.f);
    zp = _mm512_set1_epi16(static_cast<int16_t>(args.out.zero_point));
    const ByteBounds bounds = ByteBoundsOf(args.out);
    clamp = bounds.narrower;
    lo8 = _mm512_set1_epi8(static_cast<char>(bounds.lo));
    hi8 = _mm512_set1_epi8(static_cast<char>(bounds.hi));
    order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  __m512i Round(__m512i acc, __m512 scale) const {
    const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    return _mm512_cvtps_epi32(kBounded ? v : _mm512_min_ps(big, v));
  }
  // acc1 is ignored with one panel.
  void Store(__m512i acc0, __m512i acc1, int8_t* dst) const {
    const __m512i q0 = Round(acc0, scale0);
    StoreRounded(q0, kPanels == 2 ? Round(acc1, scale1) : q0, order, dst);
  }
  // The same with clamp == kClamp and (count == 32) == kWhole known, for loops that choose once.
  template <bool kClamp, bool kWhole>
  void StoreAs(__m512i acc0, __m512i acc1, int8_t* dst) const {
    const __m512i q0 = Round(acc0, scale0);
    const __m512i w = _mm512_adds_epi16(_mm512_packs_epi32(q0, kPanels == 2 ? Round(acc1, scale1) : q0), zp);
    __m512i b = _mm512_packs_epi16(w, w);
    if constexpr (kClamp) b = _mm512_min_epi8(_mm512_max_epi8(b, lo8), hi8);
    b = _mm512_permutexvar_epi32(order, b);
    if constexpr (kWhole) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(b));
    else _mm256_mask_storeu_epi8(dst, mask, _mm512_castsi512_si256(b));
  }
  // The bytes of rounded q0, q1 in dwords `dwords` (order: q0's lanes, then q1's).
  void StoreRounded(__m512i q0, __m512i q1, __m512i dwords, int8_t* dst) const {
    const __m512i w = _mm512_adds_epi16(_mm512_packs_epi32(q0, q1), zp);
    __m512i b = _mm512_packs_epi16(w, w);
    if (clamp) b = _mm512_min_epi8(_mm512_max_epi8(b, lo8), hi8);
    b = _mm512_permutexvar_epi32(dwords, b);
    if (count == 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(b));
    else _mm256_mask_storeu_epi8(dst, mask, _mm512_castsi512_si256(b));
  }
};

// Columns [j, j + 16 * kPanels) of the kRows rows whose A starts at rows[r] and C at c[r].
template <int kRows, int kPanels, bool kStaged, bool kBounded>
void Tile(const GemmS8Args& args, const int8_t* const* rows, int8_t* const* c, int32_t j, int32_t n_end) {
  const PackedGemmS8& p = *args.packed;
  const int32_t groups = (p.k + 3) / 4;
  const int8_t* b0 = p.b.data() + static_cast<int64_t>(j / kVnniGemmS8Panel) * groups * 64;
  const int8_t* b1 = b0 + static_cast<int64_t>(groups) * 64;
  // The accumulators start at the packed bias (which the epilogue then does not add).
  __m512i acc0[kRows], acc1[kRows];
  {
    const __m512i bias0 = _mm512_loadu_si512(p.bias.data() + j);
    const __m512i bias1 = kPanels == 2 ? _mm512_loadu_si512(p.bias.data() + j + 16) : bias0;
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      acc0[r] = bias0;
      acc1[r] = bias1;
    }
  }
  for (int32_t g = 0; g < groups; ++g) {
    const __m512i w0 = _mm512_loadu_si512(b0 + 64 * g);
    const __m512i w1 = kPanels == 2 ? _mm512_loadu_si512(b1 + 64 * g) : w0;
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512i x = Broadcast4<kStaged>(rows[r], p.k, g);
      acc0[r] = _mm512_dpbusd_epi32(acc0[r], x, w0);
      if (kPanels == 2) acc1[r] = _mm512_dpbusd_epi32(acc1[r], x, w1);
    }
  }
  const TileEpilogue<kPanels, kBounded> out(args, j, n_end);
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) out.Store(acc0[r], acc1[r], c[r] + j);
}

// The 32 bytes at p in both halves of a vector.
inline __m512i Twice32(const void* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
}

// Columns [j, n_end) with 16 < n_end - j <= 24 (the last of 24 or 40 channels, e.g. a project
// to 24): the first panel as Tile, and the 8 columns after it for two rows in one vector: lanes
// 0-7 row r, lanes 8-15 row r + 1 (weights, bias and factors repeated in both halves, A blended
// from the two rows' broadcasts). Three vpdpbusd per row pair and 4 k instead of four, and three
// conversions instead of four in the epilogue; after the packs, the second row's columns 16-23
// sit in dwords 9 and 13 where the first row's sit in 1 and 5, so one more permute order stores it.

template <int kRows, bool kStaged, bool kBounded>
void HalfTile(const GemmS8Args& args, const int8_t* const* rows, int8_t* const* c, int32_t j, int32_t n_end) {
  constexpr int kPairs = (kRows + 1) / 2;
  const PackedGemmS8& p = *args.packed;
  const int32_t groups = (p.k + 3) / 4;
  const int8_t* b0 = p.b.data() + static_cast<int64_t>(j / kVnniGemmS8Panel) * groups * 64;
  const int8_t* b1 = b0 + static_cast<int64_t>(groups) * 64;
  __m512i acc0[kRows], acc1[kPairs];
  {
    const __m512i bias0 = _mm512_loadu_si512(p.bias.data() + j);
    const __m512i bias1 = Twice32(p.bias.data() + j + 16);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) acc0[r] = bias0;
#pragma GCC unroll 4
    for (int h = 0; h < kPairs; ++h) acc1[h] = bias1;
  }
  for (int32_t g = 0; g < groups; ++g) {
    const __m512i w0 = _mm512_loadu_si512(b0 + 64 * g);
    const __m512i w1 = Twice32(b1 + 64 * g);
#pragma GCC unroll 4
    for (int h = 0; h < kPairs; ++h) {
      const __m512i x0 = Broadcast4<kStaged>(rows[2 * h], p.k, g);
      acc0[2 * h] = _mm512_dpbusd_epi32(acc0[2 * h], x0, w0);
      if (2 * h + 1 < kRows) {
        const __m512i x1 = Broadcast4<kStaged>(rows[2 * h + 1], p.k, g);
        acc0[2 * h + 1] = _mm512_dpbusd_epi32(acc0[2 * h + 1], x1, w0);
        acc1[h] = _mm512_dpbusd_epi32(acc1[h], _mm512_mask_blend_epi32(0xff00, x0, x1), w1);
      } else {
        acc1[h] = _mm512_dpbusd_epi32(acc1[h], x0, w1);
      }
    }
  }
  const TileEpilogue<2, kBounded> out(args, j, n_end);
  const __m512 scale1 = _mm512_castsi512_ps(Twice32(p.scale.data() + j + 16));
  const __m512i second = _mm512_setr_epi32(0, 4, 8, 12, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
#pragma GCC unroll 4
  for (int h = 0; h < kPairs; ++h) {
    const __m512i q1 = out.Round(acc1[h], scale1);
    out.StoreRounded(out.Round(acc0[2 * h], out.scale0), q1, out.order, c[2 * h] + j);
    if (2 * h + 1 < kRows) out.StoreRounded(out.Round(acc0[2 * h + 1], out.scale0), q1, second, c[2 * h + 1] + j);
  }
}

// Short rows (k <= 4 * kMaxNarrowGroups, as 1x1 expands of 16-64 channels): the weights of a
// panel pair stay in registers (or, past 32 of them, in L1 as memory operands) and the staged
// rows go one at a time with two accumulators, the same products and epilogue as Tile. With
// k = 16 the tile's eight rows spent more on moving accumulators and setting up its epilogue
// than on its 4 vpdpbusd per row and panel; at k = 40 and 64 the short-row loop over whole
// 64-column groups still ran 10-13% faster than the tiles (at k = 96 it ran 10% slower).
constexpr int32_t kMaxNarrowGroups = 16;
static_assert(4 * kMaxNarrowGroups == kInterleavedQuadsMaxK, "the short-row path reads interleaved groups");

template <int kGroups, int kPanels, bool kBounded>
void NarrowPanels(const GemmS8Args& args, const int8_t* stage, int32_t k4, int64_t rows, int8_t* c, int32_t j,
                  int32_t n_end) {
  const PackedGemmS8& p = *args.packed;
  const int8_t* b0 = p.b.data() + static_cast<int64_t>(j / kVnniGemmS8Panel) * kGroups * 64;
  __m512i w0[kGroups], w1[kGroups];
  for (int g = 0; g < kGroups; ++g) {
    w0[g] = _mm512_loadu_si512(b0 + 64 * g);
    w1[g] = kPanels == 2 ? _mm512_loadu_si512(b0 + 64 * (kGroups + g)) : w0[g];
  }
  const __m512i bias0 = _mm512_loadu_si512(p.bias.data() + j);
  const __m512i bias1 = kPanels == 2 ? _mm512_loadu_si512(p.bias.data() + j + 16) : bias0;
  const TileEpilogue<kPanels, kBounded> out(args, j, n_end);
  // The clamp and the whole store chosen once per call, not per row.
  const auto run = [&](auto clamp_c, auto whole_c) {
    for (int64_t r = 0; r < rows; ++r, stage += k4, c += args.ldc) {
      __m512i acc0 = bias0, acc1 = bias1;
      for (int g = 0; g < kGroups; ++g) {
        const __m512i x = Broadcast4<true>(stage, 4 * kGroups, g);
        acc0 = _mm512_dpbusd_epi32(acc0, x, w0[g]);
        if (kPanels == 2) acc1 = _mm512_dpbusd_epi32(acc1, x, w1[g]);
      }
      out.template StoreAs<decltype(clamp_c)::value, decltype(whole_c)::value>(acc0, acc1, c + j);
    }
  };
  const bool whole = out.count == 32;
  if (out.clamp && whole) run(std::true_type{}, std::true_type{});
  else if (out.clamp) run(std::true_type{}, std::false_type{});
  else if (whole) run(std::false_type{}, std::true_type{});
  else run(std::false_type{}, std::false_type{});
}

// A whole group of 64 columns from column j (PackGemmS8InterleavedQuads ordered its slots so the
// two saturating packs leave the bytes in column order): the four panels' weights in registers
// (or spilled to L1), one broadcast per 4 k for four vpdpbusd, and no permute. Bytes [lo, hi) of
// the group are stored (a thread's column range may cut it).
template <int kGroups, bool kBounded>
void NarrowGroup(const GemmS8Args& args, const int8_t* stage, int32_t k4, int64_t rows, int8_t* c, int32_t j, int lo,
                 int hi) {
  const PackedGemmS8& p = *args.packed;
  const int8_t* b = p.b.data() + static_cast<int64_t>(j / kVnniGemmS8Panel) * kGroups * 64;
  __m512i w[4][kGroups];
  for (int q = 0; q < 4; ++q)
    for (int g = 0; g < kGroups; ++g) w[q][g] = _mm512_loadu_si512(b + 64 * (q * kGroups + g));
  __m512i bias[4];
  __m512 scale[4];
  for (int q = 0; q < 4; ++q) {
    bias[q] = _mm512_loadu_si512(p.bias.data() + j + 16 * q);
    scale[q] = _mm512_loadu_ps(p.scale.data() + j + 16 * q);
  }
  const __m512 big = _mm512_set1_ps(1073741824.f);
  const __m512i zp = _mm512_set1_epi16(static_cast<int16_t>(args.out.zero_point));
  const ByteBounds bounds = ByteBoundsOf(args.out);
  const __m512i lo8 = _mm512_set1_epi8(static_cast<char>(bounds.lo));
  const __m512i hi8 = _mm512_set1_epi8(static_cast<char>(bounds.hi));
  const __mmask64 mask = ((~__mmask64{0}) >> (64 - (hi - lo))) << lo;
  // The rows with the clamp (kClamp) and the whole group's store (kWhole) chosen once per call,
  // not per row.
  const auto run = [&](auto clamp_c, auto whole_c) {
    constexpr bool kClamp = decltype(clamp_c)::value, kWhole = decltype(whole_c)::value;
    const auto store = [&](const __m512i* acc, int8_t* dst) {
      __m512i q[4];
      for (int i = 0; i < 4; ++i) {
        const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[i]), scale[i]);
        q[i] = _mm512_cvtps_epi32(kBounded ? v : _mm512_min_ps(big, v));
      }
      const __m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), zp);
      const __m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), zp);
      __m512i bytes = _mm512_packs_epi16(w01, w23);
      if constexpr (kClamp) bytes = _mm512_min_epi8(_mm512_max_epi8(bytes, lo8), hi8);
      if constexpr (kWhole) _mm512_storeu_si512(dst + j, bytes);
      else _mm512_mask_storeu_epi8(dst + j, mask, bytes);
    };
    // Two rows at a time: the scheduler sees one row's epilogue beside the other's products.
    int64_t r = 0;
    for (; r + 2 <= rows; r += 2, stage += 2 * k4, c += 2 * args.ldc) {
      __m512i acc[2][4];
      for (int h = 0; h < 2; ++h)
        for (int q = 0; q < 4; ++q) acc[h][q] = bias[q];
      for (int g = 0; g < kGroups; ++g) {
        const __m512i x0 = Broadcast4<true>(stage, 4 * kGroups, g), x1 = Broadcast4<true>(stage + k4, 4 * kGroups, g);
        for (int q = 0; q < 4; ++q) {
          acc[0][q] = _mm512_dpbusd_epi32(acc[0][q], x0, w[q][g]);
          acc[1][q] = _mm512_dpbusd_epi32(acc[1][q], x1, w[q][g]);
        }
      }
      store(acc[0], c);
      store(acc[1], c + args.ldc);
    }
    if (r < rows) {
      __m512i acc[4] = {bias[0], bias[1], bias[2], bias[3]};
      for (int g = 0; g < kGroups; ++g) {
        const __m512i x = Broadcast4<true>(stage, 4 * kGroups, g);
        for (int q = 0; q < 4; ++q) acc[q] = _mm512_dpbusd_epi32(acc[q], x, w[q][g]);
      }
      store(acc, c);
    }
  };
  const bool whole = lo == 0 && hi == 64;
  if (bounds.narrower && whole) run(std::true_type{}, std::true_type{});
  else if (bounds.narrower) run(std::true_type{}, std::false_type{});
  else if (whole) run(std::false_type{}, std::true_type{});
  else run(std::false_type{}, std::false_type{});
}

template <int kPanels, bool kBounded>
void Narrow(const GemmS8Args& args, const int8_t* stage, int32_t k4, int64_t rows, int8_t* c, int32_t j, int32_t n_end) {
  switch (k4 / 4) {
    case 1: NarrowPanels<1, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 2: NarrowPanels<2, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 3: NarrowPanels<3, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 4: NarrowPanels<4, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 5: NarrowPanels<5, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 6: NarrowPanels<6, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 7: NarrowPanels<7, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 8: NarrowPanels<8, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 9: NarrowPanels<9, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 10: NarrowPanels<10, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 11: NarrowPanels<11, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 12: NarrowPanels<12, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 13: NarrowPanels<13, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 14: NarrowPanels<14, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    case 15: NarrowPanels<15, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
    default: NarrowPanels<16, kPanels, kBounded>(args, stage, k4, rows, c, j, n_end); break;
  }
}

template <bool kBounded>
void NarrowGroupOf(const GemmS8Args& args, const int8_t* stage, int32_t k4, int64_t rows, int8_t* c, int32_t j,
                   int lo, int hi) {
  switch (k4 / 4) {
    case 1: NarrowGroup<1, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 2: NarrowGroup<2, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 3: NarrowGroup<3, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 4: NarrowGroup<4, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 5: NarrowGroup<5, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 6: NarrowGroup<6, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 7: NarrowGroup<7, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 8: NarrowGroup<8, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 9: NarrowGroup<9, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 10: NarrowGroup<10, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 11: NarrowGroup<11, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 12: NarrowGroup<12, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 13: NarrowGroup<13, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 14: NarrowGroup<14, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    case 15: NarrowGroup<15, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
    default: NarrowGroup<16, kBounded>(args, stage, k4, rows, c, j, lo, hi); break;
  }
}

// Rows [0, rows) of the stage into C from row pointer c, columns [n_begin, n_end): whole 64-column
// groups (interleaved, see NarrowGroup) group by group, the columns after them panel pair by pair.
template <bool kBounded>
void NarrowRows(const GemmS8Args& args, const int8_t* stage, int32_t k4, int64_t rows, int8_t* c, int32_t n_begin,
                int32_t n_end) {
  const int32_t grouped = args.packed->n / 64 * 64;
  int32_t j = n_begin;
  while (j < std::min(n_end, grouped)) {
    const int32_t g = j / 64 * 64, stop = std::min(n_end, g + 64);
    NarrowGroupOf<kBounded>(args, stage, k4, rows, c, g, j - g, stop - g);
    j = stop;
  }
  for (; j < n_end; j += 2 * kVnniGemmS8Panel) {
    if (j + kVnniGemmS8Panel < n_end) Narrow<2, kBounded>(args, stage, k4, rows, c, j, n_end);
    else Narrow<1, kBounded>(args, stage, k4, rows, c, j, n_end);
  }
}

template <int kRows, bool kStaged, bool kBounded>
void Rows(const GemmS8Args& args, const int8_t* const* rows, int8_t* const* c, int32_t n_begin, int32_t n_end) {
  for (int32_t j = n_begin; j < n_end; j += 2 * kVnniGemmS8Panel) {
    const int32_t count = n_end - j;
    if (count > kVnniGemmS8Panel && count <= kVnniGemmS8Panel + 8)
      HalfTile<kRows, kStaged, kBounded>(args, rows, c, j, n_end);
    else if (count > kVnniGemmS8Panel) Tile<kRows, 2, kStaged, kBounded>(args, rows, c, j, n_end);
    else Tile<kRows, 1, kStaged, kBounded>(args, rows, c, j, n_end);
  }
}

template <bool kStaged, bool kBounded>
void RowsOf(int rows_in_tile, const GemmS8Args& args, const int8_t* const* rows, int8_t* const* c, int32_t n_begin,
            int32_t n_end) {
  switch (rows_in_tile) {
    case 8: Rows<8, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    case 7: Rows<7, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    case 6: Rows<6, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    case 5: Rows<5, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    case 4: Rows<4, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    case 3: Rows<3, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    case 2: Rows<2, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
    default: Rows<1, kStaged, kBounded>(args, rows, c, n_begin, n_end); break;
  }
}

// Whether every requantization factor of columns [n_begin, n_end) is at most 1/4 in magnitude
// (NaN is not).
bool ScalesBounded(const PackedGemmS8& p, int32_t n_begin, int32_t n_end) {
  for (int32_t j = n_begin; j < n_end; ++j)
    if (!(std::fabs(p.scale[j]) <= 0.25f)) return false;
  return true;
}

}  // namespace

void gemm_s8_avx512vnni(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const int32_t k = args.packed->k, k4 = (k + 3) / 4 * 4;
  const bool staged = k4 <= kStagedK;
  const bool bounded = ScalesBounded(*args.packed, n_begin, n_end);
  alignas(64) int8_t stage[kStageBytes + 64];
  const __m512i flip = _mm512_set1_epi32(static_cast<int32_t>(kFlip));
  // Staged rows are flipped a chunk of whole tiles at a time (k4 bytes apart), so the short-row
  // loop can pass each panel pair over many rows.
  const int64_t fit = std::max<int64_t>(1, kStageBytes / k4 / kVnniGemmS8Rows) * kVnniGemmS8Rows;
  const int64_t chunk = staged ? std::min(kMaxChunkRows, fit) : kVnniGemmS8Rows;
  for (int64_t m0 = m_begin; m0 < m_end; m0 += chunk) {
    const int64_t m1 = std::min(m_end, m0 + chunk);
    if (staged)
      for (int64_t r = m0; r < m1; ++r) {
        const int8_t* a = args.a + r * args.lda;
        int8_t* s = stage + (r - m0) * k4;
        int32_t kk = 0;
        for (; kk + 64 <= k; kk += 64) _mm512_storeu_si512(s + kk, _mm512_xor_si512(_mm512_loadu_si512(a + kk), flip));
        if (kk < k4) {  // the tail through a mask; padding to k4 becomes flipped zeros (weights are 0 there)
          // A whole-vector store (a masked byte store is slow on Zen 4): the bytes past k4 land
          // in the next row, staged after this one, or in the stage's slack.
          const __mmask64 load = (~uint64_t{0}) >> (64 - (k - kk));
          _mm512_storeu_si512(s + kk, _mm512_xor_si512(_mm512_maskz_loadu_epi8(load, a + kk), flip));
        }
      }
    if (staged && k4 <= 4 * kMaxNarrowGroups) {
      int8_t* c = args.c + m0 * args.ldc;
      if (bounded) NarrowRows<true>(args, stage, k4, m1 - m0, c, n_begin, n_end);
      else NarrowRows<false>(args, stage, k4, m1 - m0, c, n_begin, n_end);
      continue;
    }
    for (int64_t r0 = m0; r0 < m1; r0 += kVnniGemmS8Rows) {
      const int n_rows = static_cast<int>(std::min<int64_t>(kVnniGemmS8Rows, m1 - r0));
      const int8_t* rows[kVnniGemmS8Rows];
      int8_t* c[kVnniGemmS8Rows];
      for (int r = 0; r < n_rows; ++r) {
        c[r] = args.c + (r0 + r) * args.ldc;
        rows[r] = staged ? stage + (r0 + r - m0) * k4 : args.a + (r0 + r) * args.lda;
      }
      if (staged && bounded) RowsOf<true, true>(n_rows, args, rows, c, n_begin, n_end);
      else if (staged) RowsOf<true, false>(n_rows, args, rows, c, n_begin, n_end);
      else RowsOf<false, false>(n_rows, args, rows, c, n_begin, n_end);
    }
  }
}

}  // namespace scalert::kernels
