// Reference convolutions (NHWC, FP32): plain loops, the oracle for every optimized kernel.
#ifndef SCALERT_KERNELS_REFERENCE_CONV_H_
#define SCALERT_KERNELS_REFERENCE_CONV_H_

#include <cstdint>

#include "kernels/activation.h"

namespace scalert::ref {

struct ConvGeometry {
  int32_t batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int32_t out_h = 1, out_w = 1, out_c = 1;
  int32_t kernel_h = 1, kernel_w = 1;
  int32_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int32_t pad_top = 0, pad_left = 0;
  int32_t depth_multiplier = 1;  // depthwise only
};

// weights [out_c, kernel_h, kernel_w, in_c]; bias [out_c] or null.
inline void Conv2D(const ConvGeometry& g, const float* in, const float* weights, const float* bias,
                   float* out, Activation act) {
  for (int32_t n = 0; n < g.batch; ++n)
    for (int32_t oy = 0; oy < g.out_h; ++oy)
      for (int32_t ox = 0; ox < g.out_w; ++ox)
        for (int32_t oc = 0; oc < g.out_c; ++oc) {
          double acc = bias ? bias[oc] : 0.0;
          for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
            int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
              int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const float* x = in + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c;
              const float* w = weights + ((static_cast<int64_t>(oc) * g.kernel_h + ky) * g.kernel_w + kx) * g.in_c;
              for (int32_t ic = 0; ic < g.in_c; ++ic) acc += static_cast<double>(x[ic]) * w[ic];
            }
          }
          out[((static_cast<int64_t>(n) * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
              ApplyActivation(static_cast<float>(acc), act);
        }
}

// weights [1, kernel_h, kernel_w, in_c * depth_multiplier]; output channel c reads input
// channel c / depth_multiplier.
inline void DepthwiseConv2D(const ConvGeometry& g, const float* in, const float* weights,
                            const float* bias, float* out, Activation act) {
  for (int32_t n = 0; n < g.batch; ++n)
    for (int32_t oy = 0; oy < g.out_h; ++oy)
      for (int32_t ox = 0; ox < g.out_w; ++ox)
        for (int32_t oc = 0; oc < g.out_c; ++oc) {
          int32_t ic = oc / g.depth_multiplier;
          double acc = bias ? bias[oc] : 0.0;
          for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
            int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int32_t kx = 0; kx < g.kernel_w; ++kx) {
              int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              acc += static_cast<double>(in[((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c + ic]) *
                     weights[(static_cast<int64_t>(ky) * g.kernel_w + kx) * g.out_c + oc];
            }
          }
          out[((static_cast<int64_t>(n) * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] =
              ApplyActivation(static_cast<float>(acc), act);
        }
}

// in [batch, in_c], weights [out_c, in_c], out [batch, out_c].
inline void FullyConnected(int32_t batch, int32_t in_c, int32_t out_c, const float* in,
                           const float* weights, const float* bias, float* out, Activation act) {
  for (int32_t n = 0; n < batch; ++n)
    for (int32_t oc = 0; oc < out_c; ++oc) {
      double acc = bias ? bias[oc] : 0.0;
      for (int32_t ic = 0; ic < in_c; ++ic)
        acc += static_cast<double>(in[static_cast<int64_t>(n) * in_c + ic]) * weights[static_cast<int64_t>(oc) * in_c + ic];
      out[static_cast<int64_t>(n) * out_c + oc] = ApplyActivation(static_cast<float>(acc), act);
    }
}

}  // namespace scalert::ref

#endif  // SCALERT_KERNELS_REFERENCE_CONV_H_
