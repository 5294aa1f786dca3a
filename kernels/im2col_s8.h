// Patch extraction for INT8 general convolutions run as a GEMM (the stem: 3x3 stride 2 over RGB).
#ifndef SCALERT_KERNELS_IM2COL_S8_H_
#define SCALERT_KERNELS_IM2COL_S8_H_

#include <cstdint>

#include "kernels/reference/conv.h"

namespace scalert::kernels {

// Writes the out_w patches of output row `row` (counted over batch * out_h) to `buf`, one after
// the other, kernel_h * kernel_w * in_c bytes each in (ky, kx, c) order like OHWI weights; taps
// in the padding hold the input zero point (a real zero, as the reference skips them).
void Im2ColRowS8(const ref::ConvGeometry& g, const int8_t* input, int8_t zero_point, int32_t row, int8_t* buf);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_IM2COL_S8_H_
