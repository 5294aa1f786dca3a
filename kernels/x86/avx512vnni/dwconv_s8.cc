// INT8 depthwise convolution on AVX512-VNNI: vpdpbusd sums four taps of a kernel row per 32-bit
// lane, 32 channels (one ymm of bytes per tap) at a time. The four taps' bytes are interleaved
// into lanes (two vpunpck rounds) once per input row and output column, into a small ring of
// "quad rows" on the stack, and reused by every output row that reads that input row (three
// times for a 3x3 stride-1 window): the inner loop is then a load and a vpdpbusd per four taps.
// A 3x3 stride-1 window builds one quad of four real taps per two output columns and reads it
// for both (weights (w0, w1, w2, 0) and (0, w0, w1, w2)): half the interleaving and loads. At
// stride 2 the quads of input columns 4q-1..4q+2 serve output columns 2q and 2q + 1 (TileRun::
// paired): half the interleaving for half again the vpdpbusd (112x112x96 -> 56x56 ran 1.2x faster,
// bench_int8_kernels, 1 thread).
// The older kernel (dwconv_s8_pairs_avx512.h, still the avx512 level's) widened every tap of
// every pixel to int16 pairs: twice the shuffles per product.
//
// x is read as unsigned, x + 128 (sign bit flipped; PackDwConvS8TapBytes folds 128 * sum w into
// the bias; input flipped already, DwConvS8Args::unsigned_in from a fused block's amx expand,
// saves the builder 4 of its 12 ops per quad; in pixel pairs, DwConvS8Args::pixel_pairs, the
// expand's epilogue did the first unpack round, 4 more); the missing taps of a row's last group
// read the zero vector with weight 0. Bias and scale are stored in accumulator order (QuadsLane), and the
// packs of the epilogue put the bytes back in channel order. The epilogue is the GEMM's: clamps
// by saturating packs (the same result as quantized.h's RoundClamp, which clamps to integer
// bounds before a monotone rounding).
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/dwconv_taps.h"
#include "kernels/x86/avx512vnni/kernels_s8.h"
#include "kernels/x86/requant_s8_avx512.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kTile = 32;               // channels per ymm of bytes
constexpr int64_t kQuadBytes = 4 * 32;      // one group of 4 taps x 32 channels, interleaved
constexpr int64_t kRingBytes = 32 * 1024;   // quad rows kept on the stack
constexpr int64_t kBandBytes = 256 * 1024;  // input rows of one band of output rows (in L2)

// Interleaves the bytes of four taps (32 channels each) into 32-bit lanes (t0, t1, t2, t3):
// q[j] lane i holds channel (i / 4) * 16 + 4 * j + i % 4 (QuadsLane's order).
inline void Interleave(__m256i a, __m256i b, __m256i c, __m256i d, __m256i* q) {
  const __m256i ab_lo = _mm256_unpacklo_epi8(a, b), ab_hi = _mm256_unpackhi_epi8(a, b);
  const __m256i cd_lo = _mm256_unpacklo_epi8(c, d), cd_hi = _mm256_unpackhi_epi8(c, d);
  q[0] = _mm256_unpacklo_epi16(ab_lo, cd_lo);
  q[1] = _mm256_unpackhi_epi16(ab_lo, cd_lo);
  q[2] = _mm256_unpacklo_epi16(ab_hi, cd_hi);
  q[3] = _mm256_unpackhi_epi16(ab_hi, cd_hi);
}

struct TileRun {
  const DwConvS8Args* args;
  int32_t c0;
  __mmask32 mask;
  int32_t groups;  // groups of 4 taps per kernel row
  int32_t cols;    // output columns per chunk
  // 5-row kernels 5-8 wide whose taps 4.. of column o are taps 0.. of column o + shift (4 * dilation
  // a multiple of the stride): the ring holds group 0 only, for cols + shift columns, and the
  // second group reads it `shift` columns on. 0: every group is built.
  int32_t shift;
  int32_t built;   // groups built per column: 1 when shifted, else groups
  // 3-wide kernels at stride 1: one quad of taps 0..3 per two output columns o, o + 1 (o with
  // weights (w0, w1, w2, 0), o + 1 with (0, w0, w1, w2)): half the quads to build and load. At
  // stride 2 a quad of input columns 2o-1..2o+2 (relative to the padding) serves o with (w0, w1,
  // w2, 0) and, with the next quad, o + 1: (0, 0, w0, w1) and (w2, 0, 0, 0): half the quads to
  // build (building was 60% of the kernel's time on 112x112x96 at stride 2) for 1.5x the products.
  bool paired;
  int32_t spill;   // columns built past a chunk: shift when shifted, 2 when paired at stride 2
  // The input in pixel pairs (DwConvS8Args::pixel_pairs; paired at stride 1): quads start on even
  // input columns, so with an odd left padding chunks start at column -1 (first = 1), whose
  // output is not stored.
  bool pairs;
  int32_t first;
};

// Quad row of input row `row` (nullptr: a padding row) for output columns [o0, o0 + n): for
// each column and group, the interleaved, sign-flipped bytes of its taps. kFull: the tile has 32
// channels (plain loads, not masked ones); kFlipped: the input holds them flipped already.
template <bool kFull, bool kFlipped>
void BuildQuadRow(const TileRun& t, const int8_t* row, int32_t o0, int32_t n, int8_t* dst) {
  const ref::ConvGeometry& g = t.args->geo;
  // Paired: quad q serves columns o0 + 2q and o0 + 2q + 1 with four real taps (at stride 2, the
  // second with the next quad too).
  const int32_t per_quad = t.paired ? 2 : 1, taps_w = t.paired ? 4 : g.kernel_w;
  n = (n + per_quad - 1) / per_quad;
  const int8_t* zero = t.args->zero + t.c0;
  // Copies of the tile's constants: the byte stores below may alias anything reached through t.
  const __mmask32 mask = t.mask;
  const int32_t built = t.built;
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  auto load = [&](const int8_t* p) {
    return kFull ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_maskz_loadu_epi8(mask, p);
  };
  auto quad = [&](const int8_t* const* src, int8_t* to) {
    __m256i x[4], out[4];
    for (int i = 0; i < 4; ++i) x[i] = kFlipped ? load(src[i]) : _mm256_xor_si256(load(src[i]), flip);
    Interleave(x[0], x[1], x[2], x[3], out);
    for (int j = 0; j < 4; ++j) _mm256_store_si256(reinterpret_cast<__m256i*>(to) + j, out[j]);
  };
  // Columns whose every tap is inside the image (all of them but a border of one or two) take
  // each tap at a fixed offset from the column's first input pixel; others check every tap.
  const int32_t span = (taps_w - 1) * g.dilation_w, quad_stride = per_quad * g.stride_w;
  const int64_t column_step = static_cast<int64_t>(quad_stride) * g.in_c;
  for (int32_t col = 0; col < n; ++col) {
    const int32_t ix0 = o0 * g.stride_w + col * quad_stride - g.pad_left;
    const int8_t* src[4];
    if (row && ix0 >= 0 && ix0 + span < g.in_w) {
      const int8_t* base = row + static_cast<int64_t>(ix0) * g.in_c + t.c0;
      // The run of inside columns from here, one quad per group and column.
      int32_t run = 1;
      while (col + run < n && ix0 + run * quad_stride + span < g.in_w) ++run;
      for (int32_t q = 0; q < built; ++q) {
        const int64_t to_step = static_cast<int64_t>(built) * kQuadBytes;
        if (4 * q + 3 < taps_w) {  // four real taps at fixed offsets: one pointer to step
          const int8_t* s0 = base + static_cast<int64_t>(4 * q) * g.dilation_w * g.in_c;
          const int64_t tap = static_cast<int64_t>(g.dilation_w) * g.in_c;
          int8_t* to = dst + static_cast<int64_t>(q) * kQuadBytes;
          for (int32_t k = 0; k < run; ++k, to += to_step, s0 += column_step) {
            const int8_t* four[4] = {s0, s0 + tap, s0 + 2 * tap, s0 + 3 * tap};
            quad(four, to);
          }
          continue;
        }
        for (int32_t i = 0; i < 4; ++i) {
          const int32_t kx = 4 * q + i;
          src[i] = kx < taps_w ? base + static_cast<int64_t>(kx) * g.dilation_w * g.in_c : zero;
        }
        int8_t* to = dst + static_cast<int64_t>(q) * kQuadBytes;
        for (int32_t k = 0; k < run; ++k, to += to_step) {
          quad(src, to);
          for (int32_t i = 0; i < 4; ++i)
            if (src[i] != zero) src[i] += column_step;
        }
      }
      dst += static_cast<int64_t>(run) * built * kQuadBytes;
      col += run - 1;
      continue;
    }
    for (int32_t q = 0; q < built; ++q, dst += kQuadBytes) {
      for (int32_t i = 0; i < 4; ++i) {
        const int32_t kx = 4 * q + i, ix = ix0 + kx * g.dilation_w;
        src[i] = row && kx < taps_w && ix >= 0 && ix < g.in_w ? row + static_cast<int64_t>(ix) * g.in_c + t.c0 : zero;
      }
      quad(src, dst);
    }
  }
}

// BuildQuadRow for pixel-pair input (TileRun::pairs): quad q of input columns 2p..2p + 3 is the
// 16-bit interleave of pairs p and p + 1, each loaded as its two halves (the vpunpck[lh]bw of its
// pixels). kFull: a tile of 32 channels, else a last 16 (their pairs alternate: each half is one
// 128-bit lane, broadcast; the other lane's sums are not stored).
template <bool kFull, bool kFlipped>
void BuildPairQuadRow(const TileRun& t, const int8_t* row, int32_t o0, int32_t n, int8_t* dst) {
  const ref::ConvGeometry& g = t.args->geo;
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  // Padding pairs: every byte the zero point (DwConvS8Args::zero is uniform).
  const __m256i zero = _mm256_set1_epi8(static_cast<char>(t.args->zero[0]));
  const __m256i zero_x = kFlipped ? zero : _mm256_xor_si256(zero, flip);
  const int64_t pair_bytes = 2 * static_cast<int64_t>(g.in_c);
  const int32_t pairs = g.in_w / 2;
  const int8_t* base = row ? row + 2 * static_cast<int64_t>(t.c0) : nullptr;
  auto half = [&](int32_t p, int h) {
    if (!base || p < 0 || p >= pairs) return zero_x;
    const int8_t* at = base + p * pair_bytes;
    const __m256i v = kFull ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 32 * h))
                            : _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * h)));
    return kFlipped ? v : _mm256_xor_si256(v, flip);
  };
  int32_t p = (o0 - g.pad_left) / 2;  // exact: o0 - pad_left is even
  __m256i lo = half(p, 0), hi = half(p, 1);
  for (int32_t q = 0; q < (n + 1) / 2; ++q, ++p, dst += kQuadBytes) {
    const __m256i lo1 = half(p + 1, 0), hi1 = half(p + 1, 1);
    __m256i* to = reinterpret_cast<__m256i*>(dst);
    _mm256_store_si256(to + 0, _mm256_unpacklo_epi16(lo, lo1));
    _mm256_store_si256(to + 1, _mm256_unpackhi_epi16(lo, lo1));
    _mm256_store_si256(to + 2, _mm256_unpacklo_epi16(hi, hi1));
    _mm256_store_si256(to + 3, _mm256_unpackhi_epi16(hi, hi1));
    lo = lo1;
    hi = hi1;
  }
}

// acc += the kGroups quads at x times those at w.
template <int kGroups>
inline void Dot(const int8_t* x, const __m256i* w, __m256i* acc) {
  const __m256i* v = reinterpret_cast<const __m256i*>(x);
  for (int q = 0; q < kGroups; ++q)
    for (int j = 0; j < 4; ++j) acc[j] = _mm256_dpbusd_epi32(acc[j], _mm256_load_si256(v + 4 * q + j), w[4 * q + j]);
}

// acc += one pixel's window: kKh rows of kGroups quads (or, kShifted, of quad 0 at the pixel and
// at `shift` columns on, both in a ring built with one group).
template <int kKh, int kGroups, bool kShifted>
inline void DotWindow(const int8_t* const* rows, int64_t at, int32_t shift, const __m256i* wq, __m256i* acc) {
  for (int32_t ky = 0; ky < kKh; ++ky) {
    if constexpr (kShifted) {
      static_assert(kGroups == 2, "a shifted window has two groups");
      Dot<1>(rows[ky] + at, wq + ky * 8, acc);
      Dot<1>(rows[ky] + at + shift * kQuadBytes, wq + ky * 8 + 4, acc);
    } else {
      Dot<kGroups>(rows[ky] + at, wq + ky * kGroups * 4, acc);
    }
  }
}

// kKh / kGroups: the kernel height and groups per row when fixed at compile time (3x3, 5x5), or 0.
// kPaired: the stride of a paired 3x3 window (1 or 2), 0 when not paired. kBounded: every factor
// of the tile is at most 1/4 (TileBounded); kClamp: a fused relu / relu6 narrows the bytes. Both
// fixed at compile time keep the epilogue free of branches (they were tested per pixel).
template <int kKh, int kGroups, bool kShifted, int kPaired, bool kBounded, bool kClamp>
void RunTile(const TileRun& t, int32_t row_begin, int32_t row_end, int8_t* ring) {
  static_assert(!kPaired || (kKh == 3 && kGroups == 1), "pairs are 3x3 windows");
  const DwConvS8Args& a = *t.args;
  const ref::ConvGeometry& g = a.geo;
  const PackedDwConvS8& p = *a.packed;
  const int32_t kh = g.kernel_h, kw = g.kernel_w, groups = t.groups;
  // Copies of the tile's constants: the output's byte stores may alias anything reached through t
  // (the mask was reloaded after every store).
  const __mmask32 mask = t.mask;
  const int32_t built = t.built, shift = t.shift;
  // The weights of this tile, interleaved like the inputs: (ky, group) -> 4 vectors.
  alignas(32) __m256i wq[kMaxDwTaps * 4];
  const int8_t* wb = reinterpret_cast<const int8_t*>(p.w.data());
  const __m256i none = _mm256_setzero_si256();
  for (int32_t ky = 0; ky < kh; ++ky)
    for (int32_t q = 0; q < groups; ++q) {
      __m256i w[4];
      for (int32_t i = 0; i < 4; ++i) {
        const int32_t kx = 4 * q + i;
        w[i] = kx < kw ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                             wb + static_cast<int64_t>(ky * kw + kx) * p.padded + t.c0))
                       : none;
      }
      Interleave(w[0], w[1], w[2], w[3], wq + (ky * groups + q) * 4);
    }
  // Paired: the weights of the second column of a quad, one tap on, (0, w0, w1, w2) at stride 1;
  // at stride 2, (0, 0, w0, w1) on its quad and (w2, 0, 0, 0) on the next (wq_far).
  alignas(32) __m256i wq_next[kPaired ? 3 * 4 : 1];
  alignas(32) __m256i wq_far[kPaired == 2 ? 3 * 4 : 1];
  if constexpr (kPaired)
    for (int32_t ky = 0; ky < 3; ++ky) {
      __m256i w[3];
      for (int32_t i = 0; i < 3; ++i)
        w[i] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + static_cast<int64_t>(ky * 3 + i) * p.padded + t.c0));
      if constexpr (kPaired == 1) {
        Interleave(none, w[0], w[1], w[2], wq_next + ky * 4);
      } else {
        Interleave(none, none, w[0], w[1], wq_next + ky * 4);
        Interleave(w[2], none, none, none, wq_far + ky * 4);
      }
    }
  __m256i bias[4];
  __m256 scale[4];
  for (int j = 0; j < 4; ++j) {
    bias[j] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.bias.data() + t.c0 + 8 * j));
    scale[j] = _mm256_loadu_ps(p.scale.data() + t.c0 + 8 * j);
  }
  const __m256 big = _mm256_set1_ps(1073741824.f);
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(a.out.zero_point));
  const ByteBounds bounds = ByteBoundsOf(a.out);
  const __m256i lo8 = _mm256_set1_epi8(static_cast<char>(bounds.lo)), hi8 = _mm256_set1_epi8(static_cast<char>(bounds.hi));
  const int64_t slot_bytes = static_cast<int64_t>(t.cols + t.spill) * t.built * kQuadBytes;
  auto store = [&](const __m256i* acc, int8_t* out) {
    __m256i r32[4];
    for (int j = 0; j < 4; ++j) {
      const __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[j]), scale[j]);
      r32[j] = _mm256_cvtps_epi32(kBounded ? v : _mm256_min_ps(big, v));
    }
    const __m256i w01 = _mm256_adds_epi16(_mm256_packs_epi32(r32[0], r32[1]), zp);
    const __m256i w23 = _mm256_adds_epi16(_mm256_packs_epi32(r32[2], r32[3]), zp);
    __m256i b = _mm256_packs_epi16(w01, w23);
    if constexpr (kClamp) b = _mm256_min_epi8(_mm256_max_epi8(b, lo8), hi8);
    _mm256_mask_storeu_epi8(out, mask, b);
  };

  int8_t* const output = a.output;
  for (int32_t o0 = -t.first; o0 < g.out_w; o0 += t.cols) {
    const int32_t n_cols = std::min(t.cols, g.out_w - o0);
    // Slot s holds the quad row of input row tag[s] (batch * in_h + iy; -1 for padding rows,
    // which are all alike; -2 for none) for this chunk of columns.
    int64_t tag[kMaxDwTaps];
    for (int32_t s = 0; s < kh; ++s) tag[s] = -2;
    for (int32_t r = row_begin; r < row_end; ++r) {
      const int32_t n = r / g.out_h, oy = r % g.out_h;
      int64_t want[kMaxDwTaps];
      int32_t slot[kMaxDwTaps];
      bool used[kMaxDwTaps] = {};
      for (int32_t ky = 0; ky < kh; ++ky) {
        const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
        want[ky] = iy < 0 || iy >= g.in_h ? -1 : static_cast<int64_t>(n) * g.in_h + iy;
        slot[ky] = -1;
        for (int32_t s = 0; s < kh; ++s)
          if (tag[s] == want[ky]) {
            slot[ky] = s;
            used[s] = true;
            break;
          }
      }
      for (int32_t ky = 0; ky < kh; ++ky) {
        if (slot[ky] >= 0) continue;
        for (int32_t k2 = 0; k2 < ky; ++k2)  // padding rows: an earlier row of the window filled it
          if (want[k2] == want[ky]) slot[ky] = slot[k2];
        if (slot[ky] >= 0) continue;
        int32_t s = 0;
        while (used[s]) ++s;
        used[s] = true;
        tag[s] = want[ky];
        slot[ky] = s;
        const bool full = mask == ~__mmask32{0};
        const int8_t* in_row = want[ky] < 0 ? nullptr : a.input + want[ky] * g.in_w * g.in_c;
        if (t.pairs)
          (a.unsigned_in ? (full ? BuildPairQuadRow<true, true> : BuildPairQuadRow<false, true>)
                         : (full ? BuildPairQuadRow<true, false> : BuildPairQuadRow<false, false>))(
              t, in_row, o0, n_cols + t.spill, ring + s * slot_bytes);
        else
          (a.unsigned_in ? (full ? BuildQuadRow<true, true> : BuildQuadRow<false, true>)
                         : (full ? BuildQuadRow<true, false> : BuildQuadRow<false, false>))(
              t, in_row, o0, n_cols + t.spill, ring + s * slot_bytes);
      }
      const int8_t* rows[kMaxDwTaps];
      for (int32_t ky = 0; ky < kh; ++ky) rows[ky] = ring + slot[ky] * slot_bytes;
      const int64_t out_c = g.out_c;
      int32_t col = 0;
      if constexpr (kPaired > 0) {  // quad q: columns 2q and 2q + 1 (at stride 2, the second with quad q + 1)
        const int64_t out_row = static_cast<int64_t>(r) * g.out_w * out_c + t.c0;
        // The sums of quad `at`: column 2q in acc, 2q + 1 in acc2.
        auto sums = [&](int64_t at, __m256i* acc, __m256i* acc2) {
          for (int j = 0; j < 4; ++j) acc[j] = acc2[j] = bias[j];
          for (int32_t ky = 0; ky < 3; ++ky) {
            const __m256i* v = reinterpret_cast<const __m256i*>(rows[ky] + at);
            for (int j = 0; j < 4; ++j) {
              const __m256i x = _mm256_load_si256(v + j);
              acc[j] = _mm256_dpbusd_epi32(acc[j], x, wq[ky * 4 + j]);
              acc2[j] = _mm256_dpbusd_epi32(acc2[j], x, wq_next[ky * 4 + j]);
              if constexpr (kPaired == 2)
                acc2[j] = _mm256_dpbusd_epi32(acc2[j], _mm256_load_si256(v + 4 + j), wq_far[ky * 4 + j]);
            }
          }
        };
        // The first and a last odd column are peeled: the loop between stores both columns
        // unconditionally, so its sums are one straight block (GCC had sunk the second column's
        // under its store's test).
        int64_t at = 0;
        __m256i acc[4], acc2[4];
        if (o0 < 0) {  // -1: the virtual column of pixel pairs, not stored
          sums(at, acc, acc2);
          if (1 < n_cols) store(acc2, output + out_row + (o0 + 1) * out_c);
          col += 2;
          at += kQuadBytes;
        }
        for (; col + 2 <= n_cols; col += 2, at += kQuadBytes) {
          sums(at, acc, acc2);
          int8_t* out = output + out_row + (o0 + col) * out_c;
          store(acc, out);
          store(acc2, out + out_c);
        }
        if (col < n_cols) {
          sums(at, acc, acc2);
          store(acc, output + out_row + (o0 + col) * out_c);
        }
        continue;
      }
      int8_t* out = output + (static_cast<int64_t>(r) * g.out_w + o0) * out_c + t.c0;
      if constexpr (kKh > 0) {  // two pixels at a time: independent sums in flight
        for (; col + 2 <= n_cols; col += 2, out += 2 * out_c) {
          __m256i acc[4] = {bias[0], bias[1], bias[2], bias[3]};
          __m256i acc2[4] = {bias[0], bias[1], bias[2], bias[3]};
          const int64_t at = static_cast<int64_t>(col) * built * kQuadBytes;
          DotWindow<kKh, kGroups, kShifted>(rows, at, shift, wq, acc);
          DotWindow<kKh, kGroups, kShifted>(rows, at + built * kQuadBytes, shift, wq, acc2);
          store(acc, out);
          store(acc2, out + out_c);
        }
      }
      for (; col < n_cols; ++col, out += out_c) {
        __m256i acc[4] = {bias[0], bias[1], bias[2], bias[3]};
        const int64_t at = static_cast<int64_t>(col) * built * kQuadBytes;
        if constexpr (kKh > 0) {
          DotWindow<kKh, kGroups, kShifted>(rows, at, shift, wq, acc);
        } else {
          for (int32_t ky = 0; ky < kh; ++ky) {
            const __m256i* x = reinterpret_cast<const __m256i*>(rows[ky] + at);
            const __m256i* w = wq + ky * groups * 4;
            for (int32_t q = 0; q < groups; ++q, x += 4, w += 4)
              for (int j = 0; j < 4; ++j) acc[j] = _mm256_dpbusd_epi32(acc[j], _mm256_load_si256(x + j), w[j]);
          }
        }
        store(acc, out);
      }
    }
  }
}

// Factors of at most 1/4 keep float(acc) * m below 2^30: no min before the conversion.
bool TileBounded(const PackedDwConvS8& p, int32_t c0) {
  bool bounded = true;
  for (int32_t c = c0; c < std::min(p.channels, c0 + kTile); ++c) bounded = bounded && std::fabs(p.scale[c]) <= 0.25f;
  return bounded;
}

// RunTile<kKh, kGroups, kShifted, kPaired> with the tile's kBounded and kClamp.
template <int kKh, int kGroups, bool kShifted = false, int kPaired = 0>
void Run(const TileRun& t, int32_t row_begin, int32_t row_end, int8_t* ring) {
  const bool bounded = TileBounded(*t.args->packed, t.c0), clamp = ByteBoundsOf(t.args->out).narrower;
  if (bounded && clamp) RunTile<kKh, kGroups, kShifted, kPaired, true, true>(t, row_begin, row_end, ring);
  else if (bounded) RunTile<kKh, kGroups, kShifted, kPaired, true, false>(t, row_begin, row_end, ring);
  else if (clamp) RunTile<kKh, kGroups, kShifted, kPaired, false, true>(t, row_begin, row_end, ring);
  else RunTile<kKh, kGroups, kShifted, kPaired, false, false>(t, row_begin, row_end, ring);
}

}  // namespace

void dwconv_s8_avx512vnni(const DwConvS8Args& args, int32_t row_begin, int32_t row_end) {
  const PackedDwConvS8& p = *args.packed;
  const ref::ConvGeometry& g = args.geo;
  const int32_t groups = (g.kernel_w + 3) / 4;
  const bool shifted = g.kernel_h == 5 && groups == 2 && 4 * g.dilation_w % g.stride_w == 0;
  const int32_t shift = shifted ? 4 * g.dilation_w / g.stride_w : 0, built = shifted ? 1 : groups;
  // kernel_h * groups <= kMaxDwTaps quads per column: 8 KiB, so at least 4 columns fit (shifted:
  // 5 quads per column, at least 51 columns, of which shift <= 8 are the second group's).
  const bool paired = g.kernel_h == 3 && g.kernel_w == 3 && (g.stride_w == 1 || g.stride_w == 2) && g.dilation_w == 1;
  const int32_t spill = shifted ? shift : paired && g.stride_w == 2 ? 2 : 0;
  // Pixel pairs: the caller checked DwConvS8ReadsPixelPairs (paired, stride 1, even width).
  const bool pairs = args.pixel_pairs;
  const int32_t first = pairs ? g.pad_left & 1 : 0, width = g.out_w + first;
  int32_t cols = static_cast<int32_t>(std::min<int64_t>(
      width, kRingBytes / (static_cast<int64_t>(g.kernel_h) * built * kQuadBytes) - spill));
  if (paired && cols < width) cols &= ~1;  // chunks start at even columns (whole quads)
  alignas(64) int8_t ring[kRingBytes];
  // Bands of output rows whose input rows stay in L2 while every tile passes over them (tile by
  // tile over the whole image re-read a 112x112x96 input from memory per tile); a band costs
  // each tile kernel_h - stride_h extra quad rows to start its ring.
  const int64_t input_per_row = static_cast<int64_t>(args.geo.stride_h) * args.geo.in_w * args.geo.in_c;
  const int32_t band = static_cast<int32_t>(std::max<int64_t>(8, kBandBytes / std::max<int64_t>(1, input_per_row)));
  for (int32_t b0 = row_begin; b0 < row_end; b0 += band) {
    const int32_t b1 = std::min(row_end, b0 + band);
    for (int32_t c0 = 0; c0 < p.channels; c0 += kTile) {
      const int32_t left = p.channels - c0;
      const __mmask32 mask = left >= kTile ? ~__mmask32{0} : (~__mmask32{0}) >> (kTile - left);
      const TileRun t{&args, c0, mask, groups, cols, shift, built, paired, spill, pairs, first};
      if (paired && g.stride_w == 2) Run<3, 1, false, 2>(t, b0, b1, ring);
      else if (paired) Run<3, 1, false, 1>(t, b0, b1, ring);
      else if (args.geo.kernel_h == 3 && groups == 1) Run<3, 1>(t, b0, b1, ring);
      else if (shifted) Run<5, 2, true>(t, b0, b1, ring);
      else if (args.geo.kernel_h == 5 && groups == 2) Run<5, 2>(t, b0, b1, ring);
      else Run<0, 0>(t, b0, b1, ring);
    }
  }
}

}  // namespace scalert::kernels
