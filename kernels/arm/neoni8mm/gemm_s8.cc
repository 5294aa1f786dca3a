// INT8 GEMM with SMMLA: one instruction multiplies a 2x8 block of A (two rows, 8 k) by an 8x2
// block of B (two columns, packed as PackGemmS8ColumnPairs) into a 2x2 int32 block: 32 products,
// twice SDOT's 16 at the same issue rate on the cores that have it. A tile is 2 row pairs x 16
// columns: 16 int32x4 accumulators (each row pair x column pair), each holding row r's two
// columns in its low half and row r + 1's in its high half; the epilogue zips the halves back
// into rows and ends in requant_s8_neon.h's requantization (bit for bit with the reference). An
// odd last row is paired with itself and its copy not stored.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>

#include "kernels/arm/neon/requant_s8_neon.h"
#include "kernels/arm/neoni8mm/kernels_s8.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kPanel = kNeonI8mmGemmS8Panel;

// 8 bytes of row r and 8 of row s at k, as SMMLA's left operand; `left` < 8 values through
// zeroed copies (the weights past k are zero).
inline int8x16_t RowPair(const int8_t* r, const int8_t* s, int32_t kk, int32_t left) {
  if (left >= 8) return vcombine_s8(vld1_s8(r + kk), vld1_s8(s + kk));
  int8_t t[16] = {};
  std::memcpy(t, r + kk, static_cast<size_t>(left));
  std::memcpy(t + 8, s + kk, static_cast<size_t>(left));
  return vld1q_s8(t);
}

// `rows` (1-4) rows from m0, columns [j, min(j + 16, n_end)).
template <int RP>
void Tile(const GemmS8Args& args, int64_t m0, int rows, int32_t j, int32_t n_end, const RequantS8Neon& rq) {
  const PackedGemmS8& p = *args.packed;
  const int32_t k = p.k, blocks = (k + 7) / 8;
  const int8_t* b = p.b.data() + static_cast<int64_t>(j / kPanel) * blocks * 8 * kPanel;
  const int8_t* a[2 * RP];
  for (int r = 0; r < 2 * RP; ++r) a[r] = args.a + (m0 + std::min(r, rows - 1)) * args.lda;
  int32x4_t acc[RP][8];
#pragma GCC unroll 8
  for (int cp = 0; cp < 8; ++cp) {
    const int32x2_t bias = vld1_s32(p.bias.data() + j + 2 * cp);
#pragma GCC unroll 2
    for (int rp = 0; rp < RP; ++rp) acc[rp][cp] = vcombine_s32(bias, bias);
  }
  for (int32_t kk = 0; kk < k; kk += 8, b += 8 * kPanel) {
    int8x16_t av[RP];
#pragma GCC unroll 2
    for (int rp = 0; rp < RP; ++rp) av[rp] = RowPair(a[2 * rp], a[2 * rp + 1], kk, k - kk);
#pragma GCC unroll 8
    for (int cp = 0; cp < 8; ++cp) {
      const int8x16_t w = vld1q_s8(b + 16 * cp);
#pragma GCC unroll 2
      for (int rp = 0; rp < RP; ++rp) acc[rp][cp] = vmmlaq_s32(acc[rp][cp], av[rp], w);
    }
  }
  float32x4_t scale[4];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) scale[q] = vld1q_f32(p.scale.data() + j + 4 * q);
  const int32_t cols = std::min(kPanel, n_end - j);
#pragma GCC unroll 4
  for (int r = 0; r < 2 * RP; ++r) {
    if (r >= rows) break;
    int32x4_t v[4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      const int64x2_t lo = vreinterpretq_s64_s32(acc[r / 2][2 * q]), hi = vreinterpretq_s64_s32(acc[r / 2][2 * q + 1]);
      v[q] = rq(vreinterpretq_s32_s64(r % 2 == 0 ? vzip1q_s64(lo, hi) : vzip2q_s64(lo, hi)), scale[q]);
    }
    const int8x16_t y = NarrowS8(v[0], v[1], v[2], v[3]);
    StoreS8(args.c + (m0 + r) * args.ldc + j, y, cols);
  }
}

}  // namespace

void gemm_s8_neoni8mm(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const RequantS8Neon rq(args.out);
  for (int32_t j = n_begin; j < n_end; j += kPanel) {
    int64_t m0 = m_begin;
    for (; m0 + kNeonI8mmGemmS8Rows <= m_end; m0 += kNeonI8mmGemmS8Rows) Tile<2>(args, m0, 4, j, n_end, rq);
    const int left = static_cast<int>(m_end - m0);
    if (left > 2) Tile<2>(args, m0, left, j, n_end, rq);
    else if (left > 0) Tile<1>(args, m0, left, j, n_end, rq);
  }
}

}  // namespace scalert::kernels
