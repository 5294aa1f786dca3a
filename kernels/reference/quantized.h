// Reference INT8 kernels (NHWC): the arithmetic every native INT8 kernel reproduces, bit for bit
// or within one unit of the output (a kernel that contracts a*b+c into an FMA may differ by one).
//
// Values.  real = scale * (q - zero_point), q in [-128, 127]. Activations: one scale and zero
// point per tensor. Weights: symmetric (zero point 0), one scale per output channel (or one).
// Bias: i32 with the implied scale input_scale * weight_scale[c].
//
// Convolution, depthwise, fully connected.
//   acc[c] = bias[c] + sum over the window of (x - x_zp) * w          (int32; the validator bounds
//            the window so the sum cannot overflow; bias is added with wrap-around)
//   y      = zp_y + RoundClamp(float(acc[c]) * m[c], lo - zp_y, hi - zp_y)
//   m[c]   = float(double(x_scale) * w_scale[c] / y_scale)            (RequantScale, at Prepare)
// Padding reads x_zp (a real zero), so padded taps add nothing.
// RoundClamp(v, a, b) = nearbyint(min(max(v, a), b)) with round-to-nearest, ties to even (the
// default mode; what cvtps2dq does), products in single precision, no fused multiply-add;
// NaN clamps to the lower bound.
// A fused relu or relu6 is the clamp: lo = max(-128, zp_y), hi = 127 or min(127, zp_y +
// nearbyint(6 / y_scale)) (FusedBounds). Other activations are separate table operators.
//
// Add:  v = float(a - a_zp) * (a_scale / y_scale) + float(b - b_zp) * (b_scale / y_scale)
// Mul:  v = float((a - a_zp) * (b - b_zp)) * (a_scale * b_scale / y_scale)
//       y = zp_y + RoundClamp(v, lo - zp_y, hi - zp_y); the factors are floats rounded once
//       from double at Prepare. NumPy broadcasting as the float kernels.
// Mean (global average pool):  acc = sum over H*W of (x - x_zp) (int32);
//       y = zp_y + RoundClamp(float(acc) * float(x_scale / (y_scale * H * W)), ...).
// Unary operators (relu, relu6, sigmoid, hard sigmoid, swish, hard swish, clamp): a 256-entry
//       table built at Prepare by LookupTable: t[q + 128] = zp_y + RoundClamp(f(x_scale *
//       float(q - x_zp)) / y_scale, ...), f the float reference activation. SE gates and swish
//       thus stay in INT8 at one byte load per element.
// Reshape, transpose: the bytes move unchanged (the validator requires equal parameters).
#ifndef SCALERT_KERNELS_REFERENCE_QUANTIZED_H_
#define SCALERT_KERNELS_REFERENCE_QUANTIZED_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/activation.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"

namespace scalert::ref {

// Parameters of one per-tensor quantized activation.
struct QParams {
  float scale = 1.f;
  int32_t zero_point = 0;
};

// The largest number of (x - zp) * w terms one int32 accumulator holds without overflow.
inline constexpr int64_t kMaxInt8ReductionTerms = (int64_t{1} << 31) / (255 * 128) - 1;

inline float RequantScale(double in_scale, double weight_scale, double out_scale) {
  return static_cast<float>(in_scale * weight_scale / out_scale);
}

// The argument order makes NaN (a non-finite scale product) clamp to lo, as maxps(lo, v) does.
inline int32_t RoundClamp(float v, float lo, float hi) {
  return static_cast<int32_t>(std::nearbyint(std::min(std::max(lo, v), hi)));
}

// Output bounds of an i8 tensor with a fused relu / relu6 (see the header comment).
struct Int8Bounds {
  int32_t lo = -128, hi = 127;
};
inline Int8Bounds FusedBounds(Activation act, QParams y) {
  Int8Bounds b;
  if (act == Activation::kRelu || act == Activation::kRelu6) b.lo = std::max(-128, y.zero_point);
  if (act == Activation::kRelu6)  // (6 / scale capped first: a tiny scale must not overflow the cast)
    b.hi = std::min<int32_t>(127, y.zero_point + static_cast<int32_t>(std::nearbyint(std::min(6.f / y.scale, 255.f))));
  b.hi = std::max(b.hi, b.lo);
  return b;
}

inline int8_t Requantize(int32_t acc, float m, int32_t zp, Int8Bounds b) {
  return static_cast<int8_t>(zp + RoundClamp(static_cast<float>(acc) * m, static_cast<float>(b.lo - zp),
                                             static_cast<float>(b.hi - zp)));
}

// Adds in two's complement without undefined behaviour.
inline int32_t WrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// Conv2D: weights [out_c, kh, kw, in_c]; m[out_c] from RequantScale; bias [out_c] or null.
inline void Conv2DS8(const ConvGeometry& g, const int8_t* in, int32_t in_zp, const int8_t* weights,
                     const int32_t* bias, const float* m, QParams out_q, Int8Bounds bounds, int8_t* out) {
  for (int32_t n = 0; n < g.batch; ++n)
    for (int32_t oy = 0; oy < g.out_h; ++oy)
      for (int32_t ox = 0; ox < g.out_w; ++ox)
        for (int32_t oc = 0; oc < g.out_c; ++oc) {
          int32_t acc = 0;
          for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
            int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
              int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const int8_t* x = in + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c;
              const int8_t* w = weights + ((static_cast<int64_t>(oc) * g.kernel_h + ky) * g.kernel_w + kx) * g.in_c;
              for (int32_t ic = 0; ic < g.in_c; ++ic) acc += (x[ic] - in_zp) * w[ic];
            }
          }
          if (bias) acc = WrapAdd(acc, bias[oc]);
          out[((static_cast<int64_t>(n) * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
              Requantize(acc, m[oc], out_q.zero_point, bounds);
        }
}

// Depthwise: weights [1, kh, kw, out_c]; output channel c reads input channel c / multiplier.
inline void DepthwiseConv2DS8(const ConvGeometry& g, const int8_t* in, int32_t in_zp, const int8_t* weights,
                              const int32_t* bias, const float* m, QParams out_q, Int8Bounds bounds, int8_t* out) {
  for (int32_t n = 0; n < g.batch; ++n)
    for (int32_t oy = 0; oy < g.out_h; ++oy)
      for (int32_t ox = 0; ox < g.out_w; ++ox)
        for (int32_t oc = 0; oc < g.out_c; ++oc) {
          const int32_t ic = oc / g.depth_multiplier;
          int32_t acc = 0;
          for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
            int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
              int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              acc += (in[((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c + ic] - in_zp) *
                     weights[(static_cast<int64_t>(ky) * g.kernel_w + kx) * g.out_c + oc];
            }
          }
          if (bias) acc = WrapAdd(acc, bias[oc]);
          out[((static_cast<int64_t>(n) * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
              Requantize(acc, m[oc], out_q.zero_point, bounds);
        }
}

// in [batch, in_c], weights [out_c, in_c].
inline void FullyConnectedS8(int32_t batch, int32_t in_c, int32_t out_c, const int8_t* in, int32_t in_zp,
                             const int8_t* weights, const int32_t* bias, const float* m, QParams out_q,
                             Int8Bounds bounds, int8_t* out) {
  for (int32_t b = 0; b < batch; ++b)
    for (int32_t oc = 0; oc < out_c; ++oc) {
      int32_t acc = 0;
      for (int32_t ic = 0; ic < in_c; ++ic)
        acc += (in[static_cast<int64_t>(b) * in_c + ic] - in_zp) * weights[static_cast<int64_t>(oc) * in_c + ic];
      if (bias) acc = WrapAdd(acc, bias[oc]);
      out[static_cast<int64_t>(b) * out_c + oc] = Requantize(acc, m[oc], out_q.zero_point, bounds);
    }
}

// [n, h, w, c] -> [n, 1, 1, c].
inline void GlobalAveragePoolS8(int32_t n, int32_t h, int32_t w, int32_t c, const int8_t* in, QParams in_q,
                                QParams out_q, int8_t* out) {
  const float m = static_cast<float>(static_cast<double>(in_q.scale) /
                                     (static_cast<double>(out_q.scale) * h * static_cast<double>(w)));
  const Int8Bounds bounds;
  for (int32_t b = 0; b < n; ++b)
    for (int32_t ch = 0; ch < c; ++ch) {
      int32_t acc = 0;
      for (int64_t p = 0; p < static_cast<int64_t>(h) * w; ++p)
        acc += in[(static_cast<int64_t>(b) * h * w + p) * c + ch] - in_q.zero_point;
      out[static_cast<int64_t>(b) * c + ch] = Requantize(acc, m, out_q.zero_point, bounds);
    }
}

// The float factors of Add (a, b) and Mul (a only) as the header comment defines them.
struct BinaryS8Factors {
  float a = 0, b = 0;
};
inline BinaryS8Factors BinaryFactors(BinaryOp op, QParams a, QParams b, QParams y) {
  if (op == BinaryOp::kAdd)
    return {static_cast<float>(static_cast<double>(a.scale) / y.scale),
            static_cast<float>(static_cast<double>(b.scale) / y.scale)};
  return {static_cast<float>(static_cast<double>(a.scale) * b.scale / y.scale), 0.f};
}

inline int8_t BinaryS8Element(BinaryOp op, int8_t a, int8_t b, QParams aq, QParams bq, QParams yq,
                              BinaryS8Factors f, Int8Bounds bounds) {
  const int32_t da = a - aq.zero_point, db = b - bq.zero_point;
  float v;
  if (op == BinaryOp::kAdd) {
    const float pa = static_cast<float>(da) * f.a;
    const float pb = static_cast<float>(db) * f.b;
    v = pa + pb;
  } else {
    v = static_cast<float>(da * db) * f.a;
  }
  return static_cast<int8_t>(yq.zero_point + RoundClamp(v, static_cast<float>(bounds.lo - yq.zero_point),
                                                        static_cast<float>(bounds.hi - yq.zero_point)));
}

inline void BinaryS8(BinaryOp op, const std::vector<int32_t>& a_shape, const int8_t* a, QParams aq,
                     const std::vector<int32_t>& b_shape, const int8_t* b, QParams bq,
                     const std::vector<int32_t>& out_shape, int8_t* out, QParams yq, Int8Bounds bounds) {
  const BinaryS8Factors f = BinaryFactors(op, aq, bq, yq);
  ForEachBroadcast(a_shape, b_shape, out_shape, [&](int64_t o, int64_t ia, int64_t ib) {
    out[o] = BinaryS8Element(op, a[ia], b[ib], aq, bq, yq, f, bounds);
  });
}

using Int8Table = std::array<int8_t, 256>;

// t[q + 128] for every q: f applied to the real value, requantized to the output's parameters.
inline Int8Table LookupTable(const std::function<float(float)>& f, QParams x, QParams y) {
  Int8Table t;
  for (int32_t q = -128; q <= 127; ++q) {
    const float real = x.scale * static_cast<float>(q - x.zero_point);
    const float v = f(real) / y.scale;
    t[q + 128] = static_cast<int8_t>(
        y.zero_point + RoundClamp(v, static_cast<float>(-128 - y.zero_point), static_cast<float>(127 - y.zero_point)));
  }
  return t;
}

inline void TableLookupS8(int64_t n, const int8_t* in, const Int8Table& t, int8_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = t[in[i] + 128];
}

}  // namespace scalert::ref

#endif  // SCALERT_KERNELS_REFERENCE_QUANTIZED_H_
