// AVX2 elementwise kernels (kernels/x86/elementwise_f32_loops.h).
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/elementwise_f32_loops.h"

namespace scalert::kernels {

using x86::Avx2;

void activation_f32_avx2(int64_t n, const float* x, float* y, Activation act) { x86::ActivationF32<Avx2>(n, x, y, act); }
void add_f32_avx2(int64_t n, const float* a, const float* b, float* y, Activation act) {
  x86::AddF32<Avx2>(n, a, b, y, act);
}
void mul_f32_avx2(int64_t n, const float* a, const float* b, float* y, Activation act) {
  x86::MulF32<Avx2>(n, a, b, y, act);
}
void mul_channel_f32_avx2(int64_t pixels, int32_t channels, const float* x, const float* s, float* y,
                          Activation act) {
  x86::MulChannelF32<Avx2>(pixels, channels, x, s, y, act);
}
void global_avg_pool_f32_avx2(int64_t pixels, int32_t channels, const float* x, float* y, int32_t c_begin,
                              int32_t c_end) {
  x86::GlobalAvgPoolF32<Avx2>(pixels, channels, x, y, c_begin, c_end);
}

}  // namespace scalert::kernels
