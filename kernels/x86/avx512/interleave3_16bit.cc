// Three 16-bit planes (FP16 or BF16 bits) to interleaved pixels (a quantized NCHW RGB input to
// NHWC) 32 pixels at a time: word permutes are AVX512-BW (kernels/x86/interleave3_avx512.h).
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/interleave3_avx512.h"

namespace scalert::kernels {

void interleave3_16bit_avx512(int64_t pixels, const uint16_t* x, int64_t plane_stride, uint16_t* y) {
  x86::Interleave3(pixels, x, plane_stride, y);
}

}  // namespace scalert::kernels
