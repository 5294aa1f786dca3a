// Patch extraction for general convolutions run as a GEMM (the stem: 3x3 stride 2 over RGB).
#ifndef SCALERT_KERNELS_IM2COL_H_
#define SCALERT_KERNELS_IM2COL_H_

#include <cstdint>

#include "kernels/reference/conv.h"

namespace scalert::kernels {

// Patch length of one output pixel: kernel_h * kernel_w * in_c, ordered (ky, kx, c) like OHWI
// weights.
inline int64_t Im2ColPatch(const ref::ConvGeometry& g) {
  return static_cast<int64_t>(g.kernel_h) * g.kernel_w * g.in_c;
}

// Writes the out_w patches of output row `row` (counted over batch * out_h) to `buf`, one after
// the other; taps in the padding are zero.
void Im2ColRow(const ref::ConvGeometry& g, const float* input, int32_t row, float* buf);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_IM2COL_H_
