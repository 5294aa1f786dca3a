// AArch64 INT8 kernels with the matrix-multiply instructions (FEAT_I8MM: SMMLA). Call only when
// CpuSupports(Isa::kNeonI8mm).
#ifndef SCALERT_KERNELS_ARM_NEONI8MM_KERNELS_S8_H_
#define SCALERT_KERNELS_ARM_NEONI8MM_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

// Tile of the SMMLA GEMM: rows x columns (one panel of PackGemmS8ColumnPairs).
inline constexpr int32_t kNeonI8mmGemmS8Rows = 4;
inline constexpr int32_t kNeonI8mmGemmS8Panel = 16;

void gemm_s8_neoni8mm(const GemmS8Args& args, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEONI8MM_KERNELS_S8_H_
