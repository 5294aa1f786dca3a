// dwconv_f32_avx2: 8-channel tiles (kernels/x86/dwconv_f32_rows.h).
#include "kernels/x86/avx2/kernels_f32.h"
#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/vector_math.h"
#include "kernels/x86/dwconv_f32_rows.h"

namespace scalert::kernels {

void dwconv_f32_avx2(const DwConvArgs& a, int32_t row_begin, int32_t row_end) {
  x86::DwConvF32<x86::Avx2>(a, row_begin, row_end);
}

}  // namespace scalert::kernels
