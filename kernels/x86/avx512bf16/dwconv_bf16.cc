// dwconv_bf16s_f32acc_c32pairs_avx512bf16: the channel-pair BF16 depthwise (dwconv_bf16_pairs.h)
// with the avx512bf16 level's epilogue: swish and sigmoid to BF16 precision (bf16_math.h) and
// both halves rounded by one vcvtne2ps2bf16, put back in channel order by one vpermw, instead of
// vector_math.h's FP32-exact activations and the integer rounding of half_io.h. Like the
// dot-product GEMM, the conversion flushes subnormal results (below 1.2e-38) to zero.
#include <immintrin.h>

#include "kernels/x86/half_kernels.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/bf16_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/dwconv_bf16_pairs.h"

namespace scalert::kernels {
namespace x86 {
namespace {

struct FastBf16Pairs {
  template <int n>
  static void Activate(__m512* v, Activation act) { ActivateAllBf16<n>(v, act); }
  static __m512i Merge(__m512 even, __m512 odd) {
    // cvtne2ps: elements 0-15 from `even`, 16-31 from `odd`; the permutation interleaves them.
    const __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(odd, even));
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                           21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, halves);
  }
};

}  // namespace
}  // namespace x86

void dwconv_bf16_pairs_avx512bf16(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvBf16Pairs<x86::FastBf16Pairs>(a, row_begin, row_end);
}

}  // namespace scalert::kernels
