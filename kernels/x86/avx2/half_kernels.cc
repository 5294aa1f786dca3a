// FP16 and BF16 storage kernels at avx2: FP32 arithmetic (gemm_half_tiles.h, dwconv_half_rows.h)
// and the array conversions the backend's boundary and staged steps use.
#include "kernels/x86/half_kernels.h"

#include <algorithm>

#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/gemm_half_tiles.h"
#include "kernels/x86/dwconv_half_rows.h"

namespace scalert::kernels {
namespace {

using x86::Avx2;
using x86::Bf16Format;
using x86::F16Format;

template <class F>
void ToF32(int64_t n, const uint16_t* x, float* y) {
  constexpr int L = Avx2::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) Avx2::StoreU(y + i, x86::HalfIo<Avx2, F>::Load(x + i));
  if (i < n) {  // the tail through one partial vector, copied out so nothing past n is written
    alignas(64) float t[L];
    Avx2::StoreU(t, x86::HalfIo<Avx2, F>::LoadPartial(x + i, static_cast<int>(n - i)));
    for (int64_t j = i; j < n; ++j) y[j] = t[j - i];
  }
}

template <class F>
void FromF32(int64_t n, const float* x, uint16_t* y) {
  constexpr int L = Avx2::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) x86::HalfIo<Avx2, F>::Store(y + i, Avx2::LoadU(x + i));
  if (i < n) {
    alignas(64) float t[L] = {};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j];
    x86::HalfIo<Avx2, F>::StorePartial(y + i, static_cast<int>(n - i), Avx2::LoadU(t));
  }
}

// y[p, c] = act(x[p, c] * s[c]) over 16-bit x and y.
template <class F>
void MulChannel(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y, Activation act) {
  using Io = x86::HalfIo<Avx2, F>;
  constexpr int L = Avx2::kLanes;
  for (int64_t p = 0; p < pixels; ++p) {
    const uint16_t* xp = x + p * channels;
    uint16_t* yp = y + p * channels;
    int32_t c = 0;
    for (; c + L <= channels; c += L) Io::Store(yp + c, x86::Activate<Avx2>(Avx2::Mul(Io::Load(xp + c), Avx2::LoadU(s + c)), act));
    if (c < channels) {
      const int n = channels - c;
      alignas(64) float t[L] = {};
      for (int i = 0; i < n; ++i) t[i] = s[c + i];
      Io::StorePartial(yp + c, n, x86::Activate<Avx2>(Avx2::Mul(Io::LoadPartial(xp + c, n), Avx2::LoadU(t)), act));
    }
  }
}

// y[c] = mean over pixels of x[p, c] for c in [c_begin, c_end), FP32 sums, rounded once.
template <class F>
void GlobalAvgPool(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin, int32_t c_end) {
  using Io = x86::HalfIo<Avx2, F>;
  constexpr int L = Avx2::kLanes;
  const auto inv = Avx2::Set(1.f / static_cast<float>(pixels));
  for (int32_t c = c_begin; c < c_end; c += L) {
    const int n = std::min<int32_t>(L, c_end - c);
    auto acc = Avx2::Zero();
    for (int64_t p = 0; p < pixels; ++p) {
      const uint16_t* xp = x + p * channels + c;
      acc = Avx2::Add(acc, n == L ? Io::Load(xp) : Io::LoadPartial(xp, n));
    }
    Io::StorePartial(y + c, n, Avx2::Mul(acc, inv));
  }
}

// y[i] = act(a[i] + b[i]) over 16-bit arrays (the residual add).
template <class F>
void Add(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  using Io = x86::HalfIo<Avx2, F>;
  constexpr int L = Avx2::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) Io::Store(y + i, x86::Activate<Avx2>(Avx2::Add(Io::Load(a + i), Io::Load(b + i)), act));
  if (i < n) {
    const int r = static_cast<int>(n - i);
    Io::StorePartial(y + i, r, x86::Activate<Avx2>(Avx2::Add(Io::LoadPartial(a + i, r), Io::LoadPartial(b + i, r)), act));
  }
}

}  // namespace

void gemm_f16s_avx2(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx2, F16Format, 6, 8>(g, m_begin, m_end, n_begin, n_end);
}
void gemm_bf16s_avx2(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end) {
  x86::GemmHalf<x86::FmaHalfTile, Avx2, Bf16Format, 6, 8>(g, m_begin, m_end, n_begin, n_end);
}
void dwconv_f16s_avx2(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvHalf<Avx2, F16Format>(a, row_begin, row_end);
}
void dwconv_bf16s_avx2(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvHalf<Avx2, Bf16Format>(a, row_begin, row_end);
}
void mul_channel_f16s_avx2(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                          Activation act) {
  MulChannel<F16Format>(pixels, channels, x, s, y, act);
}
void mul_channel_bf16s_avx2(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                           Activation act) {
  MulChannel<Bf16Format>(pixels, channels, x, s, y, act);
}
void global_avg_pool_f16s_avx2(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                              int32_t c_end) {
  GlobalAvgPool<F16Format>(pixels, channels, x, y, c_begin, c_end);
}
void global_avg_pool_bf16s_avx2(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin,
                               int32_t c_end) {
  GlobalAvgPool<Bf16Format>(pixels, channels, x, y, c_begin, c_end);
}
void add_f16s_avx2(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  Add<F16Format>(n, a, b, y, act);
}
void add_bf16s_avx2(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  Add<Bf16Format>(n, a, b, y, act);
}
void f16_to_f32_avx2(int64_t n, const uint16_t* x, float* y) { ToF32<F16Format>(n, x, y); }
void f32_to_f16_avx2(int64_t n, const float* x, uint16_t* y) { FromF32<F16Format>(n, x, y); }
void bf16_to_f32_avx2(int64_t n, const uint16_t* x, float* y) { ToF32<Bf16Format>(n, x, y); }
void f32_to_bf16_avx2(int64_t n, const float* x, uint16_t* y) { FromF32<Bf16Format>(n, x, y); }

}  // namespace scalert::kernels
