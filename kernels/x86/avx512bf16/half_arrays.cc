// The squeeze-and-excitation multiply on BF16 tensors at the avx512bf16 level: the avx512 loop
// (elementwise_half_loops.h) with its stores rounded by vcvtneps2bf16 (half_io_bf16hw.h), which
// halves its instructions per vector; in EfficientNet's fused blocks it runs over every
// depthwise output.
#include "kernels/x86/half_kernels.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/half_io.h"
#include "kernels/x86/half_io_bf16hw.h"
#include "kernels/x86/elementwise_half_loops.h"

namespace scalert::kernels {

void mul_channel_bf16_avx512bf16(int64_t pixels, int32_t channels, const uint16_t* x, const float* s, uint16_t* y,
                                 Activation act) {
  x86::MulChannel<x86::Avx512, x86::Bf16HwFormat>(pixels, channels, x, s, y, act);
}

}  // namespace scalert::kernels
