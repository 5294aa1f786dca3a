// AArch64 Advanced SIMD (NEON) INT8 kernels, every AArch64 CPU. Call only when
// CpuSupports(Isa::kNeon).
#ifndef SCALERT_KERNELS_ARM_NEON_KERNELS_S8_H_
#define SCALERT_KERNELS_ARM_NEON_KERNELS_S8_H_

#include "kernels/kernel_types_s8.h"

namespace scalert::kernels {

inline constexpr int32_t kNeonDwS8ChannelTile = 16;

// Depthwise over PackDwConvS8Halves with channel_tile 16.
void dwconv_s8_neon(const DwConvS8Args& args, int32_t row_begin, int32_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ARM_NEON_KERNELS_S8_H_
