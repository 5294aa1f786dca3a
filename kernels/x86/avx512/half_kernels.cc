// FP16 and BF16 storage kernels at avx512: FP32 arithmetic (gemm_half_tiles.h, dwconv_half_rows.h)
// and the array conversions the backend's boundary and staged steps use.
#include "kernels/x86/half_kernels.h"

#include <algorithm>

#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/gemm_half_tiles.h"
#include "kernels/x86/dwconv_half_rows.h"
#include "kernels/x86/dwconv_bf16_pairs.h"
#include "kernels/x86/elementwise_half_loops.h"

namespace scalert::kernels {

using x86::Avx512;
using x86::Bf16Format;
using x86::F16Format;

namespace x86 {
namespace {

// BF16 depthwise in channel pairs (dwconv_bf16_pairs.h) with FP32-exact activations and the
// integer rounding of half_io.h.
struct ExactBf16Pairs {
  template <int n>
  static void Activate(__m512* v, Activation act) { ActivateAll<Avx512, n>(v, act); }
  static __m512i Merge(__m512 even, __m512 odd) {
    using Io = HalfIo<Avx512, Bf16Format>;
    return _mm512_or_si512(Io::Round(even), _mm512_slli_epi32(Io::Round(odd), 16));
  }
};

}  // namespace
}  // namespace x86

void dwconv_bf16_pairs_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvBf16Pairs<x86::ExactBf16Pairs>(a, row_begin, row_end);
}

void gemm_f16s_avx512(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx512, F16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}
void gemm_bf16s_avx512(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx512, Bf16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}
void dwconv_f16s_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvHalf<Avx512, F16Format>(a, row_begin, row_end);
}
void mul_channel_f16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                          Activation act) {
  x86::MulChannel<Avx512, F16Format>(pixels, channels, x, s, y, act);
}
void mul_channel_bf16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                           Activation act) {
  x86::MulChannel<Avx512, Bf16Format>(pixels, channels, x, s, y, act);
}
void global_avg_pool_f16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                              int32_t c_end) {
  x86::GlobalAvgPool<Avx512, F16Format>(pixels, channels, x, y, c_begin, c_end);
}
void global_avg_pool_bf16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                               int32_t c_end) {
  x86::GlobalAvgPool<Avx512, Bf16Format>(pixels, channels, x, y, c_begin, c_end);
}
void add_f16s_avx512(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  x86::Add<Avx512, F16Format>(n, a, b, y, act);
}
void add_bf16s_avx512(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  x86::Add<Avx512, Bf16Format>(n, a, b, y, act);
}
void f16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { x86::ToF32<Avx512, F16Format>(n, x, y); }
void f32_to_f16_avx512(int64_t n, const float* x, uint16_t* y) { x86::FromF32<Avx512, F16Format>(n, x, y); }
void bf16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { x86::ToF32<Avx512, Bf16Format>(n, x, y); }
void f32_to_bf16_avx512(int64_t n, const float* x, uint16_t* y) { x86::FromF32<Avx512, Bf16Format>(n, x, y); }

}  // namespace scalert::kernels
