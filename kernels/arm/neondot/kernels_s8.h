// AArch64 INT8 kernels with the dot-product instructions (FEAT_DotProd: SDOT). Call only when
// CpuSupports(Isa::kNeonDot).
#ifndef SCALERT_KERNELS_ARM_NEONDOT_KERNELS_S8_H_
#define SCALERT_KERNELS_ARM_NEONDOT_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Tile of the SDOT GEMM: rows x columns (one panel of PackGemmS8SignedQuads).
inline constexpr int32_t kNeonDotGemmS8Rows = 4;
inline constexpr int32_t kNeonDotGemmS8Panel = 16;

void gemm_s8_neondot(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEONDOT_KERNELS_S8_H_
