// AMX INT8 kernels. Call only when CpuSupports(Isa::kAmx).
#ifndef SCALERT_KERNELS_X86_AMX_KERNELS_S8_H_
#define SCALERT_KERNELS_X86_AMX_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Columns per panel (one B tile) and rows per step (two A tiles) of gemm_s8_amx.
inline constexpr int32_t kAmxGemmS8Panel = 16;
inline constexpr int32_t kAmxGemmS8Rows = 32;

// B packed by PackGemmS8AmxQuads with nr = kAmxGemmS8Panel.
void gemm_s8_amx(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_X86_AMX_KERNELS_S8_H_
