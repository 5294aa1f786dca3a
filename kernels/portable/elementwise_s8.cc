// Portable INT8 elementwise kernels: Add, Mul by a per-channel gate, global mean, tables; the
// float factors and rounding of kernels/reference/quantized.h (compiled without FMA contraction).
#include "kernels/portable/kernels_s8.h"

namespace scalert::kernels {

void add_s8_portable(int64_t n, const int8_t* a, const int8_t* b, int8_t* y, const BinaryS8Params& p) {
  for (int64_t i = 0; i < n; ++i) {
    const float pa = static_cast<float>(int32_t{a[i]} - p.a_zero_point) * p.f.a;
    const float pb = static_cast<float>(int32_t{b[i]} - p.b_zero_point) * p.f.b;
    y[i] = RoundClampS8(pa + pb, p.out);
  }
}

void mul_channel_s8_portable(int64_t pixels, int32_t channels, const int8_t* x, const int8_t* s, int8_t* y,
                             const BinaryS8Params& p) {
  for (int64_t px = 0; px < pixels; ++px) {
    const int8_t* xr = x + px * channels;
    int8_t* yr = y + px * channels;
    for (int32_t c = 0; c < channels; ++c)
      yr[c] = RoundClampS8(
          static_cast<float>((int32_t{xr[c]} - p.a_zero_point) * (int32_t{s[c]} - p.b_zero_point)) * p.f.a, p.out);
  }
}

void global_avg_pool_s8_portable(int64_t pixels, int32_t channels, const int8_t* x, int32_t x_zero_point, float m,
                                 RequantS8 out, int8_t* y, int32_t c_begin, int32_t c_end) {
  int32_t acc[64];
  for (int32_t c0 = c_begin; c0 < c_end; c0 += 64) {
    const int32_t cn = c_end - c0 < 64 ? c_end - c0 : 64;
    for (int32_t c = 0; c < cn; ++c) acc[c] = 0;
    for (int64_t px = 0; px < pixels; ++px) {
      const int8_t* xr = x + px * channels + c0;
      for (int32_t c = 0; c < cn; ++c) acc[c] += int32_t{xr[c]} - x_zero_point;
    }
    for (int32_t c = 0; c < cn; ++c) y[c0 + c] = RoundClampS8(static_cast<float>(acc[c]) * m, out);
  }
}

void lookup_s8_portable(int64_t n, const int8_t* x, const int8_t* table, int8_t* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = table[int32_t{x[i]} + 128];
}

void quantize_s8_portable(int64_t n, const float* x, float scale, int32_t zero_point, int8_t* y) {
  // Clamping x / scale to one step past the representable range first changes no result and
  // keeps the value small enough for RoundClampS8's rounding (which also sends NaN low).
  const RequantS8 r{zero_point, static_cast<float>(-129 - zero_point), static_cast<float>(128 - zero_point)};
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] / scale;
    const float lo_clamped = v > r.lo ? v : r.lo;
    const float c = lo_clamped < r.hi ? lo_clamped : r.hi;
    const int32_t q = static_cast<int32_t>((c + 12582912.f) - 12582912.f) + zero_point;
    y[i] = static_cast<int8_t>(q < -128 ? -128 : q > 127 ? 127 : q);
  }
}

void dequantize_s8_portable(int64_t n, const int8_t* x, float scale, int32_t zero_point, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = scale * static_cast<float>(int32_t{x[i]} - zero_point);
}

}  // namespace scalert::kernels
