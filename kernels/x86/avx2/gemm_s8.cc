// INT8 GEMM on AVX2: up to 4 rows x 16 columns of int32 accumulators. The rows of a tile are
// sign-extended to int16 once into a stack buffer (zero-padded to an even k) and reused for
// every panel; each int16 pair of a row is broadcast and multiplied with the packed int16 weight
// pairs of 16 columns by vpmaddwd: |a0*w0 + a1*w1| <= 2 * 128 * 128, exact. Rows longer than the
// buffer build their pairs as they are read.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/x86/avx2/kernels_s8.h"
#include "kernels/x86/requant_s8_avx2.h"

namespace scalert::kernels {
namespace {

constexpr int32_t kStagedK = 2048;  // rows with k up to this are staged (4 x 4 KiB on the stack)

// The int16 pair (a[2i], a[2i + 1]) of a row as one 32-bit lane (zero past k).
template <bool kStaged>
inline __m256i Pair(const void* row, int32_t k, int32_t i) {
  int32_t v;
  if (kStaged) {
    std::memcpy(&v, static_cast<const int16_t*>(row) + 2 * i, 4);
  } else {
    const int8_t* a = static_cast<const int8_t*>(row);
    const uint32_t lo = static_cast<uint16_t>(int16_t{a[2 * i]});
    const uint32_t hi = 2 * i + 1 < k ? static_cast<uint16_t>(int16_t{a[2 * i + 1]}) : 0;
    v = static_cast<int32_t>(lo | hi << 16);
  }
  return _mm256_set1_epi32(v);
}

template <int kRows, bool kStaged>
void Tile(const GemmS8Args& args, const void* const* rows, int8_t* const* c, int32_t j, int32_t count) {
  const PackedGemmS8& p = *args.packed;
  const int32_t k = p.k, pairs = (k + 1) / 2;
  const int16_t* b = reinterpret_cast<const int16_t*>(p.b.data()) +
                     static_cast<int64_t>(j / kAvx2GemmS8Panel) * pairs * 2 * kAvx2GemmS8Panel;
  __m256i acc[kRows][2];
  for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int32_t i = 0; i < pairs; ++i, b += 2 * kAvx2GemmS8Panel) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16));
    for (int r = 0; r < kRows; ++r) {
      const __m256i pair = Pair<kStaged>(rows[r], k, i);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(pair, w0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(pair, w1));
    }
  }
  for (int r = 0; r < kRows; ++r)
    StoreRequant16Avx2(acc[r][0], acc[r][1], p.bias.data() + j, p.scale.data() + j, args.out, c[r] + j, count);
}

template <bool kStaged>
void Columns(int n_rows, const GemmS8Args& args, const void* const* rows, int8_t* const* c, int32_t n_begin,
             int32_t n_end) {
  for (int32_t j = n_begin; j < n_end; j += kAvx2GemmS8Panel) {
    const int32_t count = std::min(kAvx2GemmS8Panel, n_end - j);
    switch (n_rows) {
      case 4: Tile<4, kStaged>(args, rows, c, j, count); break;
      case 3: Tile<3, kStaged>(args, rows, c, j, count); break;
      case 2: Tile<2, kStaged>(args, rows, c, j, count); break;
      default: Tile<1, kStaged>(args, rows, c, j, count); break;
    }
  }
}

}  // namespace

void gemm_s8_avx2(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  const int32_t k = args.packed->k;
  const bool staged = k <= kStagedK;
  alignas(32) int16_t stage[kAvx2GemmS8Rows][kStagedK + 16];
  for (int64_t r0 = m_begin; r0 < m_end; r0 += kAvx2GemmS8Rows) {
    const int n_rows = static_cast<int>(std::min<int64_t>(kAvx2GemmS8Rows, m_end - r0));
    const void* rows[kAvx2GemmS8Rows];
    int8_t* c[kAvx2GemmS8Rows];
    for (int r = 0; r < n_rows; ++r) {
      const int8_t* a = args.a + (r0 + r) * args.lda;
      c[r] = args.c + (r0 + r) * args.ldc;
      rows[r] = a;
      if (!staged) continue;
      int16_t* s = stage[r];
      int32_t kk = 0;
      for (; kk + 16 <= k; kk += 16)
        _mm256_store_si256(reinterpret_cast<__m256i*>(s + kk),
                           _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + kk))));
      for (; kk < k; ++kk) s[kk] = a[kk];
      s[k] = 0;  // the partner of an odd k's last value
      rows[r] = s;
    }
    if (staged) Columns<true>(n_rows, args, rows, c, n_begin, n_end);
    else Columns<false>(n_rows, args, rows, c, n_begin, n_end);
  }
}

}  // namespace scalert::kernels
