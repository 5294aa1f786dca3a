// gemm_bf16_12x32_avx512bf16: BF16 activations and weights, products and sums by vdpbf16ps
// (two products per FP32 lane per instruction, FP32 accumulation), over the k-pair panels of
// PackGemmWeightsBf16Pairs; register tiles of up to 12 rows x 32 columns, 16 x 16 for the last
// panel. Bias, activation, residual and the rounding of the output are FP32 epilogues as in the
// other 16-bit kernels, with swish and sigmoid to BF16 precision (bf16_math.h), the output
// rounded by vcvtneps2bf16. Both instructions treat subnormal
// inputs as zero and flush subnormal results: values below 1.2e-38 are lost, a difference from
// the reference only there.
#include <cstring>

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

template <class S, class F, int MR, int NV>
struct DpBf16Tile {
  static void Run(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols) {
    const int32_t k = g.k, pairs = (k + 1) / 2, full_pairs = k / 2;
    const int32_t* b = reinterpret_cast<const int32_t*>(g.packed_b) + static_cast<int64_t>(n0) * pairs;
    __m512 acc[MR][NV];
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      const __m512 bias = _mm512_loadu_ps(g.bias + n0 + 16 * j);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) acc[r][j] = bias;
    }
    const uint16_t* a[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) a[r] = g.a + (m0 + r) * g.lda;
    for (int32_t q = 0; q < full_pairs; ++q, b += 16 * NV) {
      __m512bh bv[NV];
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) bv[j] = reinterpret_cast<__m512bh>(_mm512_load_si512(b + 16 * j));
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        int32_t pair;
        std::memcpy(&pair, a[r] + 2 * q, 4);
        const __m512bh av = reinterpret_cast<__m512bh>(_mm512_set1_epi32(pair));
#pragma GCC unroll 2
        for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], av, bv[j]);
      }
    }
    if (k & 1) {  // the last k alone: its pair's high half is zero (and so is the packed weight)
      __m512bh bv[NV];
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) bv[j] = reinterpret_cast<__m512bh>(_mm512_load_si512(b + 16 * j));
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const __m512bh av = reinterpret_cast<__m512bh>(_mm512_set1_epi32(a[r][k - 1]));
#pragma GCC unroll 2
        for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], av, bv[j]);
      }
    }
    ActivateAllBf16<MR * NV>(&acc[0][0], g.act);
    StoreHalfTile<Avx512, Bf16HwFormat, MR, NV>(g, m0, n0, cols, acc);
  }
};

}  // namespace
}  // namespace x86

void gemm_bf16_avx512bf16(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::DpBf16Tile, x86::Avx512, x86::Bf16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}

}  // namespace scalert::kernels
