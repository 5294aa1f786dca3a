// INT8 GEMM on AVX2: up to 4 rows x 16 columns of int32 accumulators. A row is read 16 bytes at
// a time and sign-extended to 8 int16 pairs; each pair is broadcast (vpermd) and multiplied with
// the packed int16 weight pairs of 16 columns by vpmaddwd: |a0*w0 + a1*w1| <= 2 * 128 * 128, exact.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/x86/avx2/kernels_s8.h"
#include "kernels/x86/requant_s8_avx2.h"

namespace scalert::kernels {
namespace {

// 16 bytes of row `a` from kk (zeros past k: the packed weights there are zero, but the bytes
// must not be read past the row's end), as 16 int16.
inline __m256i LoadRow16(const int8_t* a, int32_t k, int32_t kk) {
  if (kk + 16 <= k) return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + kk)));
  alignas(16) int8_t tail[16] = {};
  std::memcpy(tail, a + kk, static_cast<size_t>(k - kk));
  return _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(tail)));
}

template <int kRows>
void Tile(const GemmS8Args& args, int64_t row, int32_t j, int32_t count) {
  const PackedGemmS8& p = *args.packed;
  const int32_t k = p.k;
  const int16_t* b = reinterpret_cast<const int16_t*>(p.b.data()) +
                     static_cast<int64_t>(j / kAvx2GemmS8Panel) * RoundUp(k, 2) * kAvx2GemmS8Panel;
  __m256i acc[kRows][2];
  for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int32_t kk = 0; kk < k; kk += 16) {
    __m256i x[kRows];
    for (int r = 0; r < kRows; ++r) x[r] = LoadRow16(args.a + (row + r) * args.lda, k, kk);
    const int32_t pairs = std::min(8, (k - kk + 1) / 2);
    for (int32_t i = 0; i < pairs; ++i) {
      const __m256i idx = _mm256_set1_epi32(i);
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16));
      b += 32;
      for (int r = 0; r < kRows; ++r) {
        const __m256i pair = _mm256_permutevar8x32_epi32(x[r], idx);
        acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(pair, w0));
        acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(pair, w1));
      }
    }
  }
  for (int r = 0; r < kRows; ++r)
    StoreRequant16Avx2(acc[r][0], acc[r][1], p.bias.data() + j, p.scale.data() + j, args.out,
                       args.c + (row + r) * args.ldc + j, count);
}

}  // namespace

void gemm_s8_avx2(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  for (int32_t j = n_begin; j < n_end; j += kAvx2GemmS8Panel) {
    const int32_t count = std::min(kAvx2GemmS8Panel, n_end - j);
    int64_t r = m_begin;
    for (; r + kAvx2GemmS8Rows <= m_end; r += kAvx2GemmS8Rows) Tile<kAvx2GemmS8Rows>(args, r, j, count);
    switch (m_end - r) {
      case 3: Tile<3>(args, r, j, count); break;
      case 2: Tile<2>(args, r, j, count); break;
      case 1: Tile<1>(args, r, j, count); break;
      default: break;
    }
  }
}

}  // namespace scalert::kernels
