// FP16 and BF16 storage kernels at avx512: FP32 arithmetic (gemm_half_tiles.h, dwconv_half_rows.h)
// and the array conversions the backend's boundary and staged steps use.
#include "kernels/x86/half_kernels.h"

#include <algorithm>

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

// y[p, c] = act(x[p, c] * s[c]) over 16-bit x and y.
template <class F>
void MulChannel(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y, Activation act) {
  using Io = x86::HalfIo<Avx512, F>;
  constexpr int L = Avx512::kLanes;
  for (int64_t p = 0; p < pixels; ++p) {
    const uint16_t* xp = x + p * channels;
    uint16_t* yp = y + p * channels;
    int32_t c = 0;
    for (; c + L <= channels; c += L) Io::Store(yp + c, x86::Activate<Avx512>(Avx512::Mul(Io::Load(xp + c), Avx512::LoadU(s + c)), act));
    if (c < channels) {
      const int n = channels - c;
      alignas(64) float t[L] = {};
      for (int i = 0; i < n; ++i) t[i] = s[c + i];
      Io::StorePartial(yp + c, n, x86::Activate<Avx512>(Avx512::Mul(Io::LoadPartial(xp + c, n), Avx512::LoadU(t)), act));
    }
  }
}

// y[c] = mean over pixels of x[p, c] for c in [c_begin, c_end), FP32 sums, rounded once.
template <class F>
void GlobalAvgPool(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin, int32_t c_end) {
  using Io = x86::HalfIo<Avx512, F>;
  constexpr int L = Avx512::kLanes;
  const auto inv = Avx512::Set(1.f / static_cast<float>(pixels));
  for (int32_t c = c_begin; c < c_end; c += L) {
    const int n = std::min<int32_t>(L, c_end - c);
    auto acc = Avx512::Zero();
    for (int64_t p = 0; p < pixels; ++p) {
      const uint16_t* xp = x + p * channels + c;
      acc = Avx512::Add(acc, n == L ? Io::Load(xp) : Io::LoadPartial(xp, n));
    }
    Io::StorePartial(y + c, n, Avx512::Mul(acc, inv));
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
void mul_channel_f16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                          Activation act) {
  MulChannel<F16Format>(pixels, channels, x, s, y, act);
}
void mul_channel_bf16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                           Activation act) {
  MulChannel<Bf16Format>(pixels, channels, x, s, y, act);
}
void global_avg_pool_f16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                              int32_t c_end) {
  GlobalAvgPool<F16Format>(pixels, channels, x, y, c_begin, c_end);
}
void global_avg_pool_bf16s_avx512(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                               int32_t c_end) {
  GlobalAvgPool<Bf16Format>(pixels, channels, x, y, c_begin, c_end);
}
void f16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { ToF32<F16Format>(n, x, y); }
void f32_to_f16_avx512(int64_t n, const float* x, uint16_t* y) { FromF32<F16Format>(n, x, y); }
void bf16_to_f32_avx512(int64_t n, const uint16_t* x, float* y) { ToF32<Bf16Format>(n, x, y); }
void f32_to_bf16_avx512(int64_t n, const float* x, uint16_t* y) { FromF32<Bf16Format>(n, x, y); }

}  // namespace scalert::kernels
