// dwconv_f32_avx512: 16-channel tiles (kernels/x86/dwconv_f32_rows.h).
#include "kernels/x86/avx512/kernels_f32.h"
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/dwconv_f32_rows.h"

namespace scalert::kernels {

void dwconv_f32_avx512(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvF32<x86::Avx512>(a, row_begin, row_end);
}

}  // namespace scalert::kernels
