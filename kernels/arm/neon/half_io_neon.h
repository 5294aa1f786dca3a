// Loads and stores of 4 FP16 values as FP32 (FCVTL / FCVTN: baseline Advanced SIMD, rounding to
// nearest even), with partial variants for channel and column tails that never touch memory
// past the n values. `F` is a format struct with Load(const uint16_t*) and Store(uint16_t*,
// float32x4_t); F16 is here, half_kernels.cc adds BF16.
#ifndef SCALERT_KERNELS_ARM_NEON_HALF_IO_NEON_H_
#define SCALERT_KERNELS_ARM_NEON_HALF_IO_NEON_H_

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

namespace scalert::kernels {
// Anonymous: translation units compiled with FP16 arithmetic flags keep their own copies.
namespace {

struct F16 {
  static float32x4_t Load(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
  static void Store(uint16_t* p, float32x4_t v) { vst1_u16(p, vreinterpret_u16_f16(vcvt_f16_f32(v))); }
};

// The first n (< 4) elements through a stack copy, so nothing past them is read or written.
template <class F>
float32x4_t LoadPartial(const uint16_t* p, int n) {
  uint16_t t[4] = {0, 0, 0, 0};
  std::memcpy(t, p, static_cast<size_t>(n) * 2);
  return F::Load(t);
}
template <class F>
void StorePartial(uint16_t* p, int n, float32x4_t v) {
  uint16_t t[4];
  F::Store(t, v);
  std::memcpy(p, t, static_cast<size_t>(n) * 2);
}
template <class F>
float32x4_t LoadN(const uint16_t* p, int n) { return n == 4 ? F::Load(p) : LoadPartial<F>(p, n); }
template <class F>
void StoreN(uint16_t* p, int n, float32x4_t v) {
  if (n == 4) F::Store(p, v);
  else if (n > 0) StorePartial<F>(p, n, v);
}

// One row of a GEMM tile: NV vectors for `cols` columns, plus the residual row when there is one
// (after the activation: a fused block's skip connection), stored in format F.
template <class F, int NV>
inline void StoreTileRow(uint16_t* c, const uint16_t* res, const float32x4_t* acc, int cols) {
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int lanes = cols - 4 * j < 4 ? cols - 4 * j : 4;
    if (lanes <= 0) continue;
    float32x4_t v = acc[j];
    if (res) v = vaddq_f32(v, LoadN<F>(res + 4 * j, lanes));
    StoreN<F>(c + 4 * j, lanes, v);
  }
}

}  // namespace
}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEON_HALF_IO_NEON_H_
