// The FP32 elementwise kernels of the native backend (activations, residual add, SE scale, global
// average pool), written once over a SIMD type S and instantiated per ISA. Tails use masked
// loads and stores so no kernel reads or writes past its tensors.
// Include after the SIMD header and vector_math.h, from a file compiled for that ISA.
#ifndef SCALERT_KERNELS_X86_ELEMENTWISE_F32_LOOPS_H_
#define SCALERT_KERNELS_X86_ELEMENTWISE_F32_LOOPS_H_

#include <cstdint>

#include "kernels/activation.h"

namespace scalert::kernels::x86 {
namespace {

template <class S>
void ActivationF32(int64_t n, const float* x, float* y, Activation act) {
  constexpr int L = S::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) S::StoreU(y + i, Activate<S>(S::LoadU(x + i), act));
  if (i < n) {
    const typename S::Mask m = S::FirstLanes(static_cast<int>(n - i));
    S::StoreMasked(y + i, m, Activate<S>(S::LoadMasked(x + i, m), act));
  }
}

template <class S, typename Op>
void BinaryF32(int64_t n, const float* a, const float* b, float* y, Activation act, Op op) {
  constexpr int L = S::kLanes;
  int64_t i = 0;
  for (; i + L <= n; i += L) S::StoreU(y + i, Activate<S>(op(S::LoadU(a + i), S::LoadU(b + i)), act));
  if (i < n) {
    const typename S::Mask m = S::FirstLanes(static_cast<int>(n - i));
    S::StoreMasked(y + i, m, Activate<S>(op(S::LoadMasked(a + i, m), S::LoadMasked(b + i, m)), act));
  }
}

template <class S>
void AddF32(int64_t n, const float* a, const float* b, float* y, Activation act) {
  BinaryF32<S>(n, a, b, y, act, [](typename S::V u, typename S::V v) { return S::Add(u, v); });
}

template <class S>
void MulF32(int64_t n, const float* a, const float* b, float* y, Activation act) {
  BinaryF32<S>(n, a, b, y, act, [](typename S::V u, typename S::V v) { return S::Mul(u, v); });
}

template <class S>
void MulChannelF32(int64_t pixels, int32_t channels, const float* x, const float* s, float* y, Activation act) {
  constexpr int L = S::kLanes;
  for (int64_t p = 0; p < pixels; ++p, x += channels, y += channels) {
    int32_t c = 0;
    for (; c + L <= channels; c += L) S::StoreU(y + c, Activate<S>(S::Mul(S::LoadU(x + c), S::LoadU(s + c)), act));
    if (c < channels) {
      const typename S::Mask m = S::FirstLanes(channels - c);
      S::StoreMasked(y + c, m, Activate<S>(S::Mul(S::LoadMasked(x + c, m), S::LoadMasked(s + c, m)), act));
    }
  }
}

template <class S>
void GlobalAvgPoolF32(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin, int32_t c_end) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  const V scale = S::Set(1.f / static_cast<float>(pixels));
  int32_t c = c_begin;
  // Four vectors of channels per pass: four independent sums hide the add latency.
  for (; c + 4 * L <= c_end; c += 4 * L) {
    V s0 = S::Zero(), s1 = s0, s2 = s0, s3 = s0;
    const float* p = x + c;
    for (int64_t i = 0; i < pixels; ++i, p += channels) {
      s0 = S::Add(s0, S::LoadU(p));
      s1 = S::Add(s1, S::LoadU(p + L));
      s2 = S::Add(s2, S::LoadU(p + 2 * L));
      s3 = S::Add(s3, S::LoadU(p + 3 * L));
    }
    S::StoreU(y + c, S::Mul(s0, scale));
    S::StoreU(y + c + L, S::Mul(s1, scale));
    S::StoreU(y + c + 2 * L, S::Mul(s2, scale));
    S::StoreU(y + c + 3 * L, S::Mul(s3, scale));
  }
  for (; c < c_end; c += L) {
    const int lanes = c_end - c < L ? c_end - c : L;
    const typename S::Mask m = S::FirstLanes(lanes);
    V s = S::Zero();
    const float* p = x + c;
    for (int64_t i = 0; i < pixels; ++i, p += channels) s = S::Add(s, S::LoadMasked(p, m));
    S::StoreMasked(y + c, m, S::Mul(s, scale));
  }
}

}  // namespace
}  // namespace scalert::kernels::x86

#endif  // SCALERT_KERNELS_X86_ELEMENTWISE_F32_LOOPS_H_
