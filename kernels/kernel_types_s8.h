// Arguments, packed layouts and function types of the native INT8 kernels (KernelDType::kS8).
// Every kernel reproduces kernels/reference/quantized.h bit for bit: int32 accumulation, then
// y = zp + RoundClamp(float(acc) * m[c], lo - zp, hi - zp) with single-precision products (no
// FMA) and round-to-nearest-even. The input zero point is folded into the packed bias at Prepare
// (bias[c] - zp_x * sum_k w[c, k], in wrapping int32 arithmetic as the reference adds its bias),
// so kernels multiply raw int8 values; each packing function folds what its kernel needs.
#ifndef SCALERT_KERNELS_KERNEL_TYPES_S8_H_
#define SCALERT_KERNELS_KERNEL_TYPES_S8_H_

#include <cstdint>
#include <vector>

#include "kernels/aligned_buffer.h"
#include "kernels/packing.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/quantized.h"

namespace scalert::kernels {

// The epilogue of every INT8 kernel: the output zero point and the clamp of RoundClamp, relative
// to the zero point (a fused relu / relu6 narrows it: ref::FusedBounds).
struct RequantS8 {
  int32_t zero_point = 0;
  float lo = -128.f, hi = 127.f;
};
inline RequantS8 MakeRequantS8(ref::QParams y, ref::Int8Bounds b) {
  return {y.zero_point, static_cast<float>(b.lo - y.zero_point), static_cast<float>(b.hi - y.zero_point)};
}

// Scalar requantization of one value, for portable kernels and tails. Adding and subtracting
// 1.5 * 2^23 rounds to nearest even (the clamped value is within +-255), without a libm call,
// so compilers vectorise it. Files using it compile with -ffp-contract=off (no FMA).
inline int8_t RoundClampS8(float v, const RequantS8& o) {
  v = v > o.lo ? v : o.lo;  // NaN -> lo, as the reference's max(lo, v)
  v = v < o.hi ? v : o.hi;
  v = (v + 12582912.f) - 12582912.f;
  return static_cast<int8_t>(static_cast<int32_t>(v) + o.zero_point);
}

// GEMM weights [n, k] in the layout of one kernel family, with the per-column bias (input zero
// point folded in) and requantization factors, both padded with zeros to RoundUp(n, nr).
struct PackedGemmS8 {
  // Bytes, from a cache line; a kernel family may store wider elements (avx2: int16 pairs).
  std::vector<int8_t, AlignedAllocator<int8_t>> b;
  std::vector<int32_t> bias;
  std::vector<float> scale;     // m[c] = RequantScale(x_scale, w_scale[c], y_scale)
  int32_t n = 0, k = 0, nr = 0;
};
// w [n, k] row-major (OHWI conv weights, FC [out, in]); bias may be null.
using PackGemmS8Fn = PackedGemmS8 (*)(const int8_t* w, const int32_t* bias, const float* scale, int32_t n,
                                      int32_t k, int32_t a_zero_point, const TileShape& tile);

// C[m, n] = requant(A[m, k] * B[k, n] + bias'[n]); rows of A are lda bytes apart. lda may be
// less than k where the weights past lda are zero (the INT8 conv step's padded depth: each row's
// last k - lda bytes are the next row's first, times zero); the kernel then reads k - lda bytes
// past the last row, which the caller keeps readable.
struct GemmS8Args {
  const int8_t* a = nullptr;
  int64_t lda = 0;
  const PackedGemmS8* packed = nullptr;
  int8_t* c = nullptr;
  int64_t ldc = 0;
  RequantS8 out;
  // C holds y ^ 0x80 (y + 128 read as unsigned), as a depthwise with DwConvS8Args::unsigned_in
  // reads it; only for the kernels GemmS8WritesUnsigned names (packing_s8.h).
  bool unsigned_out = false;
  // Rows 2i and 2i + 1 of C as a pixel pair (PixelPairOffset, packing_s8.h), as the avx512vnni
  // depthwise reads them (DwConvS8Args::pixel_pairs): ldc == n, a multiple of 16, m_begin and
  // m_end even, n_begin a multiple of 32; only for the kernels GemmS8WritesPixelPairs names.
  bool pixel_pairs = false;
};
// Rows [m_begin, m_end) and columns [n_begin, n_end) of C; n_begin is a multiple of the tile's nr.
using GemmS8Fn = void (*)(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);

// Depthwise weights in 32-bit lanes in the layout of one kernel family (packing_s8.h), bias
// (bias - x_zp * sum over the taps of w: padding taps read the zero point, see
// DwConvS8Args::zero, so every tap may be summed as x * w) and requantization factors, padded
// to whole channel tiles.
struct PackedDwConvS8 {
  std::vector<int32_t> w, bias;
  std::vector<float> scale;
  int32_t channels = 0, taps = 0, channel_tile = 0, padded = 0;
};
using PackDwConvS8Fn = PackedDwConvS8 (*)(const int8_t* w, const int32_t* bias, const float* scale,
                                          int32_t channels, int32_t taps, int32_t a_zero_point,
                                          const TileShape& tile);

// Depthwise convolution, depth multiplier 1, NHWC; acc[c] = bias'[c] + sum over the taps of x * w.
struct DwConvS8Args {
  ref::ConvGeometry geo;
  const int8_t* input = nullptr;
  // RoundUp(channels, channel_tile) bytes equal to the input zero point: padding taps read it
  // (the packed bias cancels them exactly) and the inner loops never branch.
  const int8_t* zero = nullptr;
  const PackedDwConvS8* packed = nullptr;
  int8_t* output = nullptr;
  RequantS8 out;
  // input and zero hold x ^ 0x80 (an expand's GemmS8Args::unsigned_out): the kernel reads them
  // without flipping; only for the kernels DwConvS8ReadsUnsigned names (packing_s8.h).
  bool unsigned_in = false;
  // input holds pixel pairs (columns 2i, 2i + 1 of a row; PixelPairOffset), from an expand's
  // GemmS8Args::pixel_pairs; only where DwConvS8ReadsPixelPairs.
  bool pixel_pairs = false;
};
// Output rows [row_begin, row_end) counted over batch * out_h.
using DwConvS8Fn = void (*)(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);

// Elementwise INT8 kernels (quantized.h's Add, Mul, Mean and tables); factors from
// ref::BinaryFactors and the Mean comment, computed at Prepare.
struct BinaryS8Params {
  int32_t a_zero_point = 0, b_zero_point = 0;
  ref::BinaryS8Factors f;
  RequantS8 out;
};
// y[i] = requant(float(a[i] - a_zp) * f.a + float(b[i] - b_zp) * f.b) over n elements (Add).
using AddS8Fn = void (*)(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p);
// y[p, c] = requant(float((x[p, c] - x_zp) * (s[c] - s_zp)) * f.a): Mul by a per-channel gate.
using MulChannelS8Fn = void (*)(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                                const BinaryS8Params& p);
// y[c] = requant(float(sum_p (x[p, c] - x_zp)) * m) for channels [c_begin, c_end).
using GlobalAvgPoolS8Fn = void (*)(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point,
                                   float m, RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end);
// y[i] = table[x[i] + 128] (activations as 256-entry tables; in place allowed).
using LookupS8Fn = void (*)(int64_t n, const int8_t* x, const int8_t* table, int8_t* y);
// y[i] = clamp(round_half_even(x[i] / scale) + zero_point) to int8, NaN -> -128 (ref::Quantize).
using QuantizeS8Fn = void (*)(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y);
// y[i] = scale * (x[i] - zero_point) in single precision, one rounding (ref::Dequantize).
using DequantizeS8Fn = void (*)(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y);
// y[3 * p + c] = x[c * plane_stride + p] for p < pixels, c < 3 (ref::Interleave3).
using Interleave3S8Fn = void (*)(int64_t pixels, const int8_t* x, int64_t plane_stride, int8_t* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_KERNEL_TYPES_S8_H_
