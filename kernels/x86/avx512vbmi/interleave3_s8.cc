// Three int8 planes to interleaved pixels (a quantized NCHW RGB input to NHWC) 64 pixels at a
// time: byte permutes need VBMI (kernels/x86/interleave3_avx512.h).
#include "kernels/x86/avx512vbmi/kernels_s8.h"
#include "kernels/x86/interleave3_avx512.h"

namespace scalert::kernels {

void interleave3_s8_avx512vbmi(int64_t pixels, const int8_t* x, int64_t plane_stride, int8_t* y) {
  x86::Interleave3(pixels, x, plane_stride, y);
}

}  // namespace scalert::kernels
