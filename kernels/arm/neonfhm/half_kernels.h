// AArch64 FP16 kernels with FP16 arithmetic that keeps FP32 sums (FEAT_FHM: FMLAL multiplies
// FP16 values, whose products are exact in FP32, and adds them to FP32 accumulators). Call only
// when CpuSupports(Isa::kNeonFhm).
#ifndef SCALERT_KERNELS_ARM_NEONFHM_HALF_KERNELS_H_
#define SCALERT_KERNELS_ARM_NEONFHM_HALF_KERNELS_H_

#include "kernels/kernel_types_half.h"

namespace scalert::kernels {

// Over PackGemmWeightsF16 with tile {4, 16, 0, 8}.
void gemm_f16_f32acc_neonfhm(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
// Over PackDwConvWeightsF16 with channel_tile 8.
void dwconv_f16_f32acc_neonfhm(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEONFHM_HALF_KERNELS_H_
