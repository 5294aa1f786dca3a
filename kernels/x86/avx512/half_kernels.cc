// FP16 and BF16 storage kernels at avx512: FP32 arithmetic (gemm_half_tiles.h, dwconv_half_rows.h)
// and the array conversions the backend's boundary and staged steps use.
#include "kernels/x86/half_kernels.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/gemm_half_tiles.h"
#include "kernels/x86/dwconv_half_rows.h"

namespace scalert::kernels {
namespace {

using x86::Avx512;
using x86::Bf16Format;
using x86::F16Format;

template <class F>
void ToF32(int64_t n, const uint16_t* x, float* y) {
  constexpr int L = Avx512::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) Avx512::StoreU(y + i, x86::HalfIo<Avx512, F>::Load(x + i));
  if (i < n) {  // the tail through one partial vector, copied out so nothing past n is written
    alignas(64) float t[L];
    Avx512::StoreU(t, x86::HalfIo<Avx512, F>::LoadPartial(x + i, static_cast<int>(n - i)));
    for (int64_t j = i; j < n; ++j) y[j] = t[j - i];
  }
}

template <class F>
void FromF32(int64_t n, const float* x, uint16_t* y) {
  constexpr int L = Avx512::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) x86::HalfIo<Avx512, F>::Store(y + i, Avx512::LoadU(x + i));
  if (i < n) {
    alignas(64) float t[L] = {};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j];
    x86::HalfIo<Avx512, F>::StorePartial(y + i, static_cast<int>(n - i), Avx512::LoadU(t));
  }
}

}  // namespace

void gemm_f16s_avx512(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx512, F16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}
void gemm_bf16s_avx512(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx512, Bf16Format, 12, 16>(g, m_begin, m_end, n_begin, n_end);
}
void dwconv_f16s_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvHalf<Avx512, F16Format>(a, row_begin, row_end);
}
void dwconv_bf16s_avx512(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvHalf<Avx512, Bf16Format>(a, row_begin, row_end);
}
void f16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { ToF32<F16Format>(n, x, y); }
void f32_to_f16_avx512(int64_t n, const float* x, uint16_t* y) { FromF32<F16Format>(n, x, y); }
void bf16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { ToF32<Bf16Format>(n, x, y); }
void f32_to_bf16_avx512(int64_t n, const float* x, uint16_t* y) { FromF32<Bf16Format>(n, x, y); }

}  // namespace scalert::kernels
