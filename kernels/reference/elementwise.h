// Reference pooling, elementwise, softmax, transpose and (de)quantization kernels (FP32; the
// INT8 ones are in quantized.h).
#ifndef SCALERT_KERNELS_REFERENCE_ELEMENTWISE_H_
#define SCALERT_KERNELS_REFERENCE_ELEMENTWISE_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/activation.h"

namespace scalert::ref {

// [n, h, w, c] -> [n, c] mean over h and w.
inline void GlobalAveragePool(int32_t n, int32_t h, int32_t w, int32_t c, const float* in, float* out) {
  for (int32_t b = 0; b < n; ++b)
    for (int32_t ch = 0; ch < c; ++ch) {
      double acc = 0;
      for (int64_t p = 0; p < static_cast<int64_t>(h) * w; ++p)
        acc += in[(static_cast<int64_t>(b) * h * w + p) * c + ch];
      out[static_cast<int64_t>(b) * c + ch] = static_cast<float>(acc / (static_cast<double>(h) * w));
    }
}

enum class BinaryOp { kAdd, kMul };

inline constexpr size_t kMaxRank = 8;

// NumPy broadcasting: each input dim equals the output's or is 1 (shapes right-aligned). Calls
// fn(o, ia, ib) for every output index o with the input indices it reads. Fixed-size index
// arrays: no allocation while a model runs.
template <typename Fn>
inline void ForEachBroadcast(const std::vector<int32_t>& a_shape, const std::vector<int32_t>& b_shape,
                             const std::vector<int32_t>& out_shape, Fn fn) {
  const size_t rank = out_shape.size();
  std::array<int64_t, kMaxRank> a_stride{}, b_stride{};
  std::array<int32_t, kMaxRank> idx{};
  int64_t sa = 1, sb = 1, total = 1;
  for (size_t i = rank; i-- > 0;) {
    const size_t ka = i + a_shape.size(), kb = i + b_shape.size();  // index + own rank
    int32_t da = ka >= rank ? a_shape[ka - rank] : 1;
    int32_t db = kb >= rank ? b_shape[kb - rank] : 1;
    a_stride[i] = da == 1 ? 0 : sa;
    b_stride[i] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
    total *= out_shape[i];
  }
  for (int64_t o = 0; o < total; ++o) {
    int64_t ia = 0, ib = 0;
    for (size_t i = 0; i < rank; ++i) {
      ia += idx[i] * a_stride[i];
      ib += idx[i] * b_stride[i];
    }
    fn(o, ia, ib);
    for (size_t i = rank; i-- > 0;) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
}

inline void Binary(BinaryOp op, const std::vector<int32_t>& a_shape, const float* a,
                   const std::vector<int32_t>& b_shape, const float* b,
                   const std::vector<int32_t>& out_shape, float* out, Activation act) {
  ForEachBroadcast(a_shape, b_shape, out_shape, [&](int64_t o, int64_t ia, int64_t ib) {
    float v = op == BinaryOp::kAdd ? a[ia] + b[ib] : a[ia] * b[ib];
    out[o] = ApplyActivation(v, act);
  });
}

inline void Unary(int64_t n, const float* in, float* out, Activation act) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyActivation(in[i], act);
}

inline void HardSigmoid(int64_t n, const float* in, float* out, float alpha, float beta) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::min(std::max(alpha * in[i] + beta, 0.f), 1.f);
}

inline void Clamp(int64_t n, const float* in, float* out, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i) out[i] = std::min(std::max(in[i], lo), hi);
}

// Softmax over the innermost dimension of size `c`.
inline void Softmax(int64_t rows, int32_t c, const float* in, float* out, float beta) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * c;
    float* y = out + r * c;
    float mx = x[0];
    for (int32_t i = 1; i < c; ++i) mx = std::max(mx, x[i]);
    double sum = 0;
    for (int32_t i = 0; i < c; ++i) sum += std::exp(static_cast<double>(beta) * (x[i] - mx));
    for (int32_t i = 0; i < c; ++i) y[i] = static_cast<float>(std::exp(static_cast<double>(beta) * (x[i] - mx)) / sum);
  }
}

// Output dim i is input dim perm[i].
template <typename T>
inline void Transpose(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& perm,
                      const T* in, T* out) {
  const size_t rank = in_shape.size();
  std::array<int64_t, kMaxRank> in_stride{};
  std::array<int32_t, kMaxRank> out_shape{}, idx{};
  int64_t s = 1, total = 1;
  for (size_t i = rank; i-- > 0;) { in_stride[i] = s; s *= in_shape[i]; }
  for (size_t i = 0; i < rank; ++i) { out_shape[i] = in_shape[perm[i]]; total *= out_shape[i]; }
  for (int64_t o = 0; o < total; ++o) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += idx[i] * in_stride[perm[i]];
    out[o] = in[src];
    for (size_t i = rank; i-- > 0;) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
}

// y[3 * p + c] = x[c * plane_stride + p]: three planes to interleaved pixels (the NCHW -> NHWC
// transpose of an RGB image, a run of pixels at a time).
template <typename T>
inline void Interleave3(int64_t pixels, const T* x, int64_t plane_stride, T* y) {
  for (int64_t p = 0; p < pixels; ++p)
    for (int64_t c = 0; c < 3; ++c) y[3 * p + c] = x[c * plane_stride + p];
}

inline void Quantize(int64_t n, const float* in, int8_t* out, float scale, int32_t zero_point) {
  for (int64_t i = 0; i < n; ++i) {
    float q = std::nearbyint(in[i] / scale) + static_cast<float>(zero_point);
    out[i] = static_cast<int8_t>(std::min(std::max(-128.f, q), 127.f));  // NaN -> -128
  }
}

inline void Dequantize(int64_t n, const int8_t* in, float* out, float scale, int32_t zero_point) {
  for (int64_t i = 0; i < n; ++i) out[i] = scale * static_cast<float>(in[i] - zero_point);
}

}  // namespace scalert::ref

#endif  // SCALERT_KERNELS_REFERENCE_ELEMENTWISE_H_
