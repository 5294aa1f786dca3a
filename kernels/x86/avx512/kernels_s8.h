// AVX-512 INT8 kernels (F, BW, VL; the GEMM also needs VNNI: kernels/x86/avx512vnni/).
#ifndef SCALERT_KERNELS_X86_AVX512_KERNELS_S8_H_
#define SCALERT_KERNELS_X86_AVX512_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// 16 channels per vector (channel_tile 16). Call only when CpuSupports(Isa::kAvx512).
void dwconv_s8_avx512(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512_KERNELS_S8_H_
