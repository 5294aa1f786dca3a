// AVX512-VNNI INT8 kernels. Call only when CpuSupports(Isa::kAvx512Vnni).
#ifndef SCALERT_KERNELS_X86_AVX512VNNI_KERNELS_S8_H_
#define SCALERT_KERNELS_X86_AVX512VNNI_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Panel width (one zmm of int32 accumulators) and row tile of gemm_s8_avx512vnni.
inline constexpr int32_t kVnniGemmS8Panel = 16;
inline constexpr int32_t kVnniGemmS8Rows = 8;

// B packed by PackGemmS8InterleavedQuads with nr = kVnniGemmS8Panel.
void gemm_s8_avx512vnni(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
// Tiles of 32 channels (channel_tile 32, PackDwConvS8TapBytes); four taps per vpdpbusd.
void dwconv_s8_avx512vnni(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AVX512VNNI_KERNELS_S8_H_
