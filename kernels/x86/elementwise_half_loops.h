// Elementwise kernels on 16-bit float arrays (FP16, BF16), written once over a SIMD type S and a
// storage format F (half_io.h): conversions from and to FP32, the squeeze-and-excitation pair
// (broadcast multiply, global average pool) and the residual add; FP32 arithmetic, one rounding
// per stored value. Include after the SIMD header, vector_math.h and half_io.h, from a file
// compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_ELEMENTWISE_HALF_LOOPS_H_
#define SCALERT_KERNELS_X86_ELEMENTWISE_HALF_LOOPS_H_

#include <algorithm>
#include <cstdint>

#include "kernels/activation.h"

namespace scalert::kernels::x86 {
namespace {

template <class S, class F>
void ToF32(int64_t n, const uint16_t* x, float* y) {
  constexpr int L = S::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) S::StoreU(y + i, HalfIo<S, F>::Load(x + i));
  if (i < n) {  // the tail through one partial vector, copied out so nothing past n is written
    alignas(64) float t[L];
    S::StoreU(t, HalfIo<S, F>::LoadPartial(x + i, static_cast<int>(n - i)));
    for (int64_t j = i; j < n; ++j) y[j] = t[j - i];
  }
}

template <class S, class F>
void FromF32(int64_t n, const float* x, uint16_t* y) {
  constexpr int L = S::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) HalfIo<S, F>::Store(y + i, S::LoadU(x + i));
  if (i < n) {
    alignas(64) float t[L] = {};
    for (int64_t j = i; j < n; ++j) t[j - i] = x[j];
    HalfIo<S, F>::StorePartial(y + i, static_cast<int>(n - i), S::LoadU(t));
  }
}

// y[p, c] = act(x[p, c] * s[c]) over 16-bit x and y.
template <class S, class F>
void MulChannel(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y, Activation act) {
  using Io = HalfIo<S, F>;
  constexpr int L = S::kLanes;
  for (int64_t p = 0; p < pixels; ++p) {
    const uint16_t* xp = x + p * channels;
    uint16_t* yp = y + p * channels;
    int32_t c = 0;
    for (; c + L <= channels; c += L) Io::Store(yp + c, Activate<S>(S::Mul(Io::Load(xp + c), S::LoadU(s + c)), act));
    if (c < channels) {
      const int n = channels - c;
      alignas(64) float t[L] = {};
      for (int i = 0; i < n; ++i) t[i] = s[c + i];
      Io::StorePartial(yp + c, n, Activate<S>(S::Mul(Io::LoadPartial(xp + c, n), S::LoadU(t)), act));
    }
  }
}

// y[c] = mean over pixels of x[p, c] for c in [c_begin, c_end), FP32 sums in pixel order,
// rounded once. Groups of 4 vectors of channels walk the pixels together, so each pixel's channels
// are read as one contiguous run (one vector at a time re-read the map once per 16 channels).
template <class S, class F>
void GlobalAvgPool(int64_t pixels, int32_t channels, const uint16_t* x, uint16_t* y, int32_t c_begin, int32_t c_end) {
  using Io = HalfIo<S, F>;
  using V = typename S::V;
  constexpr int L = S::kLanes, kGroup = 4;
  const V inv = S::Set(1.f / static_cast<float>(pixels));
  int32_t c = c_begin;
  for (; c + kGroup * L <= c_end; c += kGroup * L) {
    V acc[kGroup];
    for (int j = 0; j < kGroup; ++j) acc[j] = S::Zero();
    for (int64_t p = 0; p < pixels; ++p) {
      const uint16_t* xp = x + p * channels + c;
#pragma GCC unroll 4
      for (int j = 0; j < kGroup; ++j) acc[j] = S::Add(acc[j], Io::Load(xp + j * L));
    }
    for (int j = 0; j < kGroup; ++j) Io::Store(y + c + j * L, S::Mul(acc[j], inv));
  }
  for (; c < c_end; c += L) {
    const int n = std::min<int32_t>(L, c_end - c);
    V acc = S::Zero();
    for (int64_t p = 0; p < pixels; ++p) {
      const uint16_t* xp = x + p * channels + c;
      acc = S::Add(acc, n == L ? Io::Load(xp) : Io::LoadPartial(xp, n));
    }
    Io::StorePartial(y + c, n, S::Mul(acc, inv));
  }
}

// y[i] = act(a[i] + b[i]) over 16-bit arrays (the residual add).
template <class S, class F>
void Add(int64_t n, const uint16_t* a, const uint16_t* b, uint16_t* y, Activation act) {
  using Io = HalfIo<S, F>;
  constexpr int L = S::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) Io::Store(y + i, Activate<S>(S::Add(Io::Load(a + i), Io::Load(b + i)), act));
  if (i < n) {
    const int r = static_cast<int>(n - i);
    Io::StorePartial(y + i, r, Activate<S>(S::Add(Io::LoadPartial(a + i, r), Io::LoadPartial(b + i, r)), act));
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_ELEMENTWISE_HALF_LOOPS_H_
