// INT8 depthwise convolution (NHWC, depth multiplier 1) on AVX-512: 16 channels per vector,
// int32 accumulation of (x - x_zp) * w over the taps inside the image (padding adds nothing),
// then the requantization of kernels/reference/quantized.h: bit for bit with DepthwiseConv2DS8.
// Not yet registered with the native backend (the kernel registry is being reworked).
#ifndef SCALERT_KERNELS_X86_AVX512VNNI_DWCONV_S8_H_
#define SCALERT_KERNELS_X86_AVX512VNNI_DWCONV_S8_H_

#include <cstdint>
#include <vector>

#include "kernels/reference/conv.h"
#include "kernels/reference/quantized.h"

namespace scalert::kernels {

struct PackedDwConvS8 {
  int32_t channels = 0, c16 = 0, taps = 0;
  std::vector<int32_t> w;     // [taps][c16], widened once here
  std::vector<int32_t> bias;  // [c16]
  std::vector<float> m;       // [c16]
};

// weights [1, kh, kw, channels] as the graph stores them.
PackedDwConvS8 PackDwConvS8(const int8_t* weights, const int32_t* bias, const float* m, int32_t kh, int32_t kw,
                            int32_t channels);

// Output rows [oy0, oy1) of every image; g.depth_multiplier must be 1.
void DwConvS8Avx512(const ref::ConvGeometry& g, const PackedDwConvS8& p, const int8_t* in, int32_t in_zp,
                    ref::QParams out, ref::Int8Bounds bounds, int32_t oy0, int32_t oy1, int8_t* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512VNNI_DWCONV_S8_H_
