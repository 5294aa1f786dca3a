// gemm_f16_f16x16acc_8x32_avx512fp16: FP16 activations and weights, products and sums by
// vfmadd*ph (32 FP16 lanes per instruction, twice the FP32 kernel's 16) over PackGemmWeightsF16's
// panels (32 columns, a 16-wide last panel). AVX512-FP16 has no instruction that adds FP16
// products into FP32, and an FP16 sum over the whole of k (up to 1152 terms in EfficientNet)
// rounds every step to 11 bits. So k runs in blocks of kKBlock = 16: each block's products are
// summed in an FP16 register (exact products, one rounding per step, relative error at most
// 16 * 2^-11 of the block's sum of |products|), then widened (vcvtph2ps) and added to FP32
// accumulators that start at the bias. The block length trades accuracy for speed; measured with
// the depthwise at 16 (docs/precision.md, "FP16 arithmetic"), blocks of 8 / 16 / 32: SNR against FP32
// EfficientNet-B0 52.7 / 51.0 / 49.3 dB, MobileNetV2 61.0 / 59.7 / 58.4 dB (FP32 sums: 56.7,
// 64.1); 1 thread 6.19 / 5.47 / 5.26 ms and 4.07 / 3.54 / 3.35 ms. 16 keeps most of the speed.
// Tiles of up to 8 rows x 32 columns: 8 FP16 + 16 FP32 accumulators, the weight vector and the
// broadcast activation in the 32 zmm registers. Epilogue (activation, residual, rounding) in
// FP32 as the storage kernels (gemm_half_tiles.h).
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/half_kernels.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/gemm_half_tiles.h"

namespace scalert::kernels {
namespace x86 {
namespace {

constexpr int32_t kKBlock = 16;

// A[r][k] in all 32 lanes. Through _Float16 (not _mm512_set1_epi16) so GCC 12 and clang 14 fold
// it into the multiply as an embedded {1to32} broadcast where B is in a register: a separate
// vpbroadcastw from memory costs a port-5 uop, the port of half the FMAs (no change measurable on
// the whole models, whose FP16 time is mostly elsewhere, but fewer uops per step).
inline __m512h BroadcastF16(const uint16_t* p) {
  _Float16 x;
  std::memcpy(&x, p, 2);
  return _mm512_set1_ph(x);
}

// MR rows x 16 * NV columns (NV = 2: a 32-column panel; 1: the 16-wide last one, computed in
// the low half of the FP16 vectors).
template <class S, class F, int MR, int NV>
struct Fp16BlockTile {
  static void Run(const GemmHalfArgs& g, int64_t m0, int32_t n0, int cols) {
    constexpr int kWidth = 16 * NV;
    const int32_t k = g.k;
    const uint16_t* b = reinterpret_cast<const uint16_t*>(g.packed_b) + static_cast<int64_t>(n0) * k;
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
    for (int32_t k0 = 0; k0 < k; k0 += kKBlock) {
      const int32_t kc = std::min<int32_t>(kKBlock, k - k0);
      __m512h sum[MR];
      {  // the block's first step multiplies (no zeroing)
        const __m512h bv = _mm512_castsi512_ph(NV == 2 ? _mm512_loadu_si512(b) : _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b))));
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) sum[r] = _mm512_mul_ph(BroadcastF16(a[r] + k0), bv);
        b += kWidth;
      }
      for (int32_t kk = 1; kk < kc; ++kk, b += kWidth) {
        const __m512h bv = _mm512_castsi512_ph(NV == 2 ? _mm512_loadu_si512(b) : _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b))));
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r)
          sum[r] = _mm512_fmadd_ph(BroadcastF16(a[r] + k0 + kk), bv, sum[r]);
      }
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const __m512i bits = _mm512_castph_si512(sum[r]);
        acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_cvtph_ps(_mm512_castsi512_si256(bits)));
        if constexpr (NV == 2) acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_cvtph_ps(_mm512_extracti64x4_epi64(bits, 1)));
      }
    }
    ActivateAll<Avx512, MR * NV>(&acc[0][0], g.act);
    StoreHalfTile<Avx512, F16Format, MR, NV>(g, m0, n0, cols, acc);
  }
};

}  // namespace
}  // namespace x86

void gemm_f16_avx512fp16(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::Fp16BlockTile, x86::Avx512, x86::F16Format, 8, 12>(g, m_begin, m_end, n_begin, n_end);
}

}  // namespace scalert::kernels
