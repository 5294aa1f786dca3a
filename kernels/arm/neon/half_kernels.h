// NEON kernels for 16-bit float activations (FP16, BF16 storage) with FP32 arithmetic, on every
// AArch64 CPU (the FP16 <-> FP32 conversions FCVTL/FCVTN are baseline Advanced SIMD; BF16 widens
// by a shift). Exact with respect to the reference up to the order of FP32 sums, like the x86
// storage kernels. (FP16 arithmetic, ARMv8.2 FEAT_FP16, would accumulate in FP16: not the
// reference's rule, see the closing note of issue 17/18.)
#ifndef SCALERT_KERNELS_ARM_NEON_HALF_KERNELS_H_
#define SCALERT_KERNELS_ARM_NEON_HALF_KERNELS_H_

#include <cstdint>

#include "kernels/kernel_types_half.h"

namespace scalert::kernels {

void gemm_f16s_neon(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void gemm_bf16s_neon(const GemmHalfArgs& g, int64_t m_begin, int64_t m_end, int32_t n_begin, int32_t n_end);
void dwconv_f16s_neon(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);
void dwconv_bf16s_neon(const DwConvHalfArgs& a, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEON_HALF_KERNELS_H_
