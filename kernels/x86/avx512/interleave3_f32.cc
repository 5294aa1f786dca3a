// Three FP32 planes to interleaved pixels (an NCHW RGB input to NHWC) 16 pixels at a time
// (kernels/x86/interleave3_avx512.h).
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/interleave3_avx512.h"

namespace scalert::kernels {

void interleave3_f32_avx512(int64_t pixels, const float* x, int64_t plane_stride, float* y) {
  x86::Interleave3(pixels, x, plane_stride, y);
}

}  // namespace scalert::kernels
