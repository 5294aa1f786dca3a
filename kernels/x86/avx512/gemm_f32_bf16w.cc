// gemm_f32_bf16w_1x32_avx512: FP32 activations times BF16 weights (the k-pair panels of
// PackGemmWeightsBf16Pairs), FP32 products and sums, FP32 output. For layers with few rows (a
// classifier over a pooled vector): their time is the weight bytes, which stay 16-bit, while
// activations and logits keep FP32 precision. One 64-byte load holds a k-pair of 16 columns;
// BF16 widens to FP32 exactly, by a shift (even k) or a mask (odd k). Row by row: m is the batch.
#include <immintrin.h>

#include <algorithm>

#include "kernels/packing.h"
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"

namespace scalert::kernels {
namespace {

// Columns [n0, n0 + 16 * NV) of row `row`, a panel of width 16 * NV (valid: `cols`).
template <int NV>
void Panel(const GemmArgs& g, int64_t row, int32_t n0, int32_t cols) {
  const int32_t k = g.k, full_pairs = k / 2, width = 16 * NV;
  const int32_t* b = reinterpret_cast<const int32_t*>(g.packed_b) + static_cast<int64_t>(n0) * ((k + 1) / 2);
  const float* a = g.a + row * g.lda;
  const __m512i odd_mask = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  // Even and odd k in separate sums: four independent chains at NV = 2.
  __m512 even[NV], odd[NV];
  for (int j = 0; j < NV; ++j) {
    even[j] = _mm512_loadu_ps(g.bias + n0 + 16 * j);
    odd[j] = _mm512_setzero_ps();
  }
  for (int32_t q = 0; q < full_pairs; ++q, b += width) {
    const __m512 a0 = _mm512_set1_ps(a[2 * q]), a1 = _mm512_set1_ps(a[2 * q + 1]);
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      const __m512i w = _mm512_load_si512(b + 16 * j);
      even[j] = _mm512_fmadd_ps(a0, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)), even[j]);
      odd[j] = _mm512_fmadd_ps(a1, _mm512_castsi512_ps(_mm512_and_si512(w, odd_mask)), odd[j]);
    }
  }
  if (k & 1) {  // the last k alone (its pair's odd weight is zero; a[k] does not exist)
    const __m512 a0 = _mm512_set1_ps(a[k - 1]);
    for (int j = 0; j < NV; ++j)
      even[j] = _mm512_fmadd_ps(a0, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_load_si512(b + 16 * j), 16)), even[j]);
  }
  for (int j = 0; j < NV; ++j) even[j] = _mm512_add_ps(even[j], odd[j]);
  x86::ActivateAll<x86::Avx512, NV>(even, g.act);
  float* c = g.c + row * g.ldc + n0;
  const float* r = g.residual ? g.residual + row * g.ldr + n0 : nullptr;
  for (int j = 0; j < NV; ++j) {
    const int32_t valid = cols - 16 * j;
    if (valid <= 0) break;
    const __mmask16 m = valid >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << valid) - 1u);
    __m512 v = even[j];
    if (r) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, r + 16 * j));
    _mm512_mask_storeu_ps(c + 16 * j, m, v);
  }
}

}  // namespace

void gemm_f32_bf16w_avx512(const GemmArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  constexpr int32_t kNr = 32, kNrMin = 16;
  for (int64_t row = m_begin; row < m_end; ++row)
    for (int32_t n0 = n_begin, width; n0 < n_end; n0 += width) {
      width = GemmPanelWidth(g.n, n0, kNr, kNrMin);
      const int32_t cols = std::min(width, n_end - n0);
      if (width == kNr) Panel<2>(g, row, n0, cols);
      else Panel<1>(g, row, n0, cols);
    }
}

}  // namespace scalert::kernels
