// Patch extraction for general convolutions run as a GEMM (the stem: 3x3 stride 2 over RGB).
#ifndef SCALERT_KERNELS_IM2COL_H_
#define SCALERT_KERNELS_IM2COL_H_

#include <cstdint>

#include "kernels/isa.h"
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

// Column patches (for dilation_w == 1): instead of one patch per output pixel, one row of input
// columns where column j holds, for each kernel row ky, the in_c channels of input pixel
// (iy(ky), j - pad_left). Output pixel ox's patch is then the kernel_w * kernel_h * in_c floats
// starting at column ox * stride_w, in (kx, ky, c) order: a GEMM reads it with
// lda = ColumnPatchStride(g) from overlapping rows, so nothing is copied per pixel (im2col
// copies each input value kernel_h * kernel_w / stride^2 times, in small pieces).
inline int64_t ColumnPatchWidth(const ref::ConvGeometry& g) {
  return static_cast<int64_t>(g.out_w - 1) * g.stride_w + g.kernel_w;
}
inline int64_t ColumnPatchFloats(const ref::ConvGeometry& g) {
  return ColumnPatchWidth(g) * g.kernel_h * g.in_c;
}
inline int64_t ColumnPatchStride(const ref::ConvGeometry& g) {
  return static_cast<int64_t>(g.stride_w) * g.kernel_h * g.in_c;
}
void ColumnPatchRow(const ref::ConvGeometry& g, const float* input, int32_t row, float* buf);
// The same columns from an NCHW input (in_c planes of in_h x in_w): an imported model's stem reads
// its input without a transpose step before it.
void ColumnPatchRowNchw(const ref::ConvGeometry& g, const float* input, int32_t row, float* buf);
// Only the first `width` columns of that row: the patches of its first pixels (output pixel ox
// needs columns up to ox * stride_w + kernel_w).
void ColumnPatchColumnsNchw(const ref::ConvGeometry& g, const float* input, int32_t row, int64_t width, float* buf);
// The same for 16-bit float activations (FP16 / BF16 bits; sizes in elements, as above).
void ColumnPatchRow(const ref::ConvGeometry& g, const uint16_t* input, int32_t row, uint16_t* buf);
using ColumnPatchRowHalfFn = void (*)(const ref::ConvGeometry& g, const uint16_t* input, int32_t row, uint16_t* buf);
// The 16-bit ColumnPatchRow at level `isa` or the nearest lower one with its own (the same bytes):
// on AVX-512 an RGB input's 3-row window is gathered 32 columns at a time with word permutes.
ColumnPatchRowHalfFn FindColumnPatchRowHalf(Isa isa);
// OHWI weights [out_c, kh, kw, in_c] reordered to [out_c, kw, kh, in_c] to match column patches.
void ColumnPatchWeights(const ref::ConvGeometry& g, const float* ohwi, float* owhi);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_IM2COL_H_
