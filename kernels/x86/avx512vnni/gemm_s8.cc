#include "kernels/x86/avx512vnni/gemm_s8.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace scalert::kernels {

bool CpuHasAvx512Vnni() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}

PackedGemmS8 PackGemmS8(const int8_t* weights, const int32_t* bias, const float* m, int32_t n, int32_t k,
                        int32_t a_zero_point) {
  PackedGemmS8 p;
  p.n = n;
  p.k = k;
  p.k4 = (k + 3) / 4 * 4;
  const int32_t n16 = (n + 15) / 16 * 16;
  p.b.assign(static_cast<size_t>(n16) * p.k4, 0);
  p.bias.assign(n16, 0);
  p.m.assign(n16, 0.f);
  for (int32_t j = 0; j < n; ++j) {
    int32_t sum = 0;
    for (int32_t kk = 0; kk < k; ++kk) {
      const int8_t w = weights[static_cast<int64_t>(j) * k + kk];
      sum += w;
      p.b[((static_cast<size_t>(j / 16) * (p.k4 / 4) + kk / 4) * 16 + j % 16) * 4 + kk % 4] = w;
    }
    // Wrapping int32 arithmetic, as the reference adds its bias.
    const uint32_t correction = static_cast<uint32_t>(128 + a_zero_point) * static_cast<uint32_t>(sum);
    p.bias[j] = static_cast<int32_t>(static_cast<uint32_t>(bias ? bias[j] : 0) - correction);
    p.m[j] = m[j];
  }
  return p;
}

namespace {

// Four bytes of row `a` at k (zero past the row's end), sign bits flipped: A + 128 as u8.
inline __m512i Broadcast4(const int8_t* a, int32_t k, int32_t kk) {
  int32_t v = 0;
  if (kk + 4 <= k) std::memcpy(&v, a + kk, 4);
  else std::memcpy(&v, a + kk, static_cast<size_t>(k - kk));
  const uint32_t tail_mask = kk + 4 <= k ? 0xffffffffu : (1u << (8 * (k - kk))) - 1;
  // Padding bytes must read as u8 0 after the flip: flip only the real bytes.
  return _mm512_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(v) ^ (0x80808080u & tail_mask)));
}

// Requantizes 16 accumulators and stores `count` (<= 16) int8 results.
inline void Store16(__m512i acc, const PackedGemmS8& p, int32_t j, __m512 lo, __m512 hi, __m512i zp, int8_t* c,
                    int32_t count) {
  acc = _mm512_add_epi32(acc, _mm512_loadu_si512(p.bias.data() + j));
  __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_loadu_ps(p.m.data() + j));
  v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);  // v is finite: no NaN ordering question here
  const __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(v), zp);  // round to nearest even (MXCSR default)
  const __mmask16 mask = count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1);
  _mm512_mask_cvtepi32_storeu_epi8(c, mask, q);
}

}  // namespace

void GemmS8Avx512Vnni(const PackedGemmS8& p, const int8_t* a, int64_t m0, int64_t m1, ref::QParams out,
                      ref::Int8Bounds bounds, int8_t* c) {
  const __m512 lo = _mm512_set1_ps(static_cast<float>(bounds.lo - out.zero_point));
  const __m512 hi = _mm512_set1_ps(static_cast<float>(bounds.hi - out.zero_point));
  const __m512i zp = _mm512_set1_epi32(out.zero_point);
  const int32_t panels = (p.n + 15) / 16, groups = p.k4 / 4;
  constexpr int kRows = 4;  // 4 rows x 2 panels = 8 accumulators
  for (int64_t r = m0; r < m1; r += kRows) {
    const int rows = static_cast<int>(std::min<int64_t>(kRows, m1 - r));
    for (int32_t panel = 0; panel < panels; panel += 2) {
      const bool two = panel + 1 < panels;
      __m512i acc[kRows][2];
      for (int i = 0; i < kRows; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
      const int8_t* b0 = p.b.data() + static_cast<size_t>(panel) * groups * 64;
      const int8_t* b1 = b0 + static_cast<size_t>(groups) * 64;
      for (int32_t g = 0; g < groups; ++g) {
        const __m512i w0 = _mm512_loadu_si512(b0 + g * 64);
        const __m512i w1 = two ? _mm512_loadu_si512(b1 + g * 64) : _mm512_setzero_si512();
        for (int i = 0; i < rows; ++i) {
          const __m512i x = Broadcast4(a + (r + i) * p.k, p.k, g * 4);
          acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], x, w0);
          if (two) acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], x, w1);
        }
      }
      for (int i = 0; i < rows; ++i) {
        int8_t* row = c + (r + i) * p.n;
        const int32_t j0 = panel * 16;
        Store16(acc[i][0], p, j0, lo, hi, zp, row + j0, std::min(16, p.n - j0));
        if (two) Store16(acc[i][1], p, j0 + 16, lo, hi, zp, row + j0 + 16, std::min(16, p.n - j0 - 16));
      }
    }
  }
}

}  // namespace scalert::kernels
