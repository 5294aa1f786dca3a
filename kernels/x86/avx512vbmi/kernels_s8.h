// AVX512-VBMI INT8 kernels (tables). Call only when CpuSupports(Isa::kAvx512Vbmi).
#ifndef SCALERT_KERNELS_X86_AVX512VBMI_KERNELS_S8_H_
#define SCALERT_KERNELS_X86_AVX512VBMI_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

void lookup_s8_avx512vbmi(int64_t n, const int8_t* x, const int8_t* table, int8_t* y);
void interleave3_s8_avx512vbmi(int64_t pixels, const int8_t* x, int64_t plane_stride, int8_t* y);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512VBMI_KERNELS_S8_H_
