// INT8 GEMM with SDOT: tiles of up to 4 rows x 16 columns (one panel of the signed quads
// packing: 4 consecutive k per column) in 16 int32x4 accumulators. Each SDOT (by element) adds,
// for 4 columns, the dot product of their 4 packed weights with 4 bytes of a row of A; one
// 16-byte load of a row serves 4 groups of k. A is signed, as the weights, so nothing is
// flipped (the packed bias holds -x_zp * sum w). AArch64's 32 vector registers hold the 16
// accumulators, 4 rows of A and 4 weight vectors; the epilogue is requant_s8_neon.h's.
#include <arm_neon.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/arm/neon/requant_s8_neon.h"
#include "kernels/arm/neondot/kernels_s8.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kPanel = kNeonDotGemmS8Panel;

template <int MR>
void Tile(const GemmS8Args& args, int64_t m0, int32_t j, int32_t n_end, const RequantS8Neon& rq) {
  const PackedGemmS8& p = *args.packed;
  const int32_t k = p.k, groups = (k + 3) / 4;
  const int8_t* b = p.b.data() + static_cast<int64_t>(j / kPanel) * groups * 64;
  const int8_t* a[MR];
  int32x4_t acc[MR][4];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    const int32x4_t bias = vld1q_s32(p.bias.data() + j + 4 * q);
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) acc[r][q] = bias;
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) a[r] = args.a + (m0 + r) * args.lda;
  // One group of 4 k: lane L of each row's 16 bytes times the 4 weight vectors (L constant).
  auto group = [&](const int8x16_t* av, auto lane) {
    int8x16_t w[4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) w[q] = vld1q_s8(b + 16 * q);
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q) acc[r][q] = vdotq_laneq_s32(acc[r][q], w[q], av[r], decltype(lane)::value);
    b += 64;
  };
  int32_t kk = 0;
  for (; kk + 16 <= k; kk += 16) {
    int8x16_t av[MR];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) av[r] = vld1q_s8(a[r] + kk);
    group(av, std::integral_constant<int, 0>());
    group(av, std::integral_constant<int, 1>());
    group(av, std::integral_constant<int, 2>());
    group(av, std::integral_constant<int, 3>());
  }
  if (kk < k) {  // the last 1-15 values of each row, zero-padded (the weights past k are zero)
    int8x16_t av[MR];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      int8_t t[16] = {};
      std::memcpy(t, a[r] + kk, static_cast<size_t>(k - kk));
      av[r] = vld1q_s8(t);
    }
    const int32_t left = (k - kk + 3) / 4;
    group(av, std::integral_constant<int, 0>());
    if (left > 1) group(av, std::integral_constant<int, 1>());
    if (left > 2) group(av, std::integral_constant<int, 2>());
    if (left > 3) group(av, std::integral_constant<int, 3>());
  }
  float32x4_t scale[4];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) scale[q] = vld1q_f32(p.scale.data() + j + 4 * q);
  const int32_t cols = std::min(kPanel, n_end - j);
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r) {
    const int8x16_t y = NarrowS8(rq(acc[r][0], scale[0]), rq(acc[r][1], scale[1]), rq(acc[r][2], scale[2]),
                                 rq(acc[r][3], scale[3]));
    StoreS8(args.c + (m0 + r) * args.ldc + j, y, cols);
  }
}

}  // namespace

void gemm_s8_neondot(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const RequantS8Neon rq(args.out);
  for (int32_t j = n_begin; j < n_end; j += kPanel) {
    int64_t m0 = m_begin;
    for (; m0 + kNeonDotGemmS8Rows <= m_end; m0 += kNeonDotGemmS8Rows) Tile<4>(args, m0, j, n_end, rq);
    switch (m_end - m0) {
      case 3: Tile<3>(args, m0, j, n_end, rq); break;
      case 2: Tile<2>(args, m0, j, n_end, rq); break;
      case 1: Tile<1>(args, m0, j, n_end, rq); break;
      default: break;
    }
  }
}

}  // namespace scalert::kernels
