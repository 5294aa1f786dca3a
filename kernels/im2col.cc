#include "kernels/im2col.h"

#include <algorithm>
#include <cstring>

#if defined(SCALERT_KERNELS_X86)
#include "kernels/x86/avx512/kernels_f32.h"
#endif

namespace scalert::kernels {

void Im2ColRow(const ref::ConvGeometry& g, const float* input, int32_t row, float* buf) {
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  const size_t pixel_bytes = sizeof(float) * static_cast<size_t>(g.in_c);
  for (int32_t ox = 0; ox < g.out_w; ++ox)
    for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
      const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
      for (int32_t kx = 0; kx < g.kernel_w; ++kx, buf += g.in_c) {
        const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
        if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) std::memset(buf, 0, pixel_bytes);
        else std::memcpy(buf, input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * g.in_c, pixel_bytes);
      }
    }
}

namespace {

// Copies `columns` input pixels of C channels (C > 0 a compile-time count, else c at run time)
// to every `dst_stride`-th element of dst.
template <int C, typename T>
void ScatterPixels(const T* src, int64_t columns, int32_t c, T* dst, int64_t dst_stride) {
  if (C > 0) c = C;
  for (int64_t j = 0; j < columns; ++j, src += c, dst += dst_stride) std::memcpy(dst, src, sizeof(T) * c);
}

template <typename T>
void ZeroPixels(int64_t columns, int32_t c, T* dst, int64_t dst_stride) {
  for (int64_t j = 0; j < columns; ++j, dst += dst_stride) std::memset(dst, 0, sizeof(T) * c);
}

// The columns of output row `row` around `copy(n, iy, ix, columns, dst, stride)`, which fills the
// in-image columns of input row iy of image n from input column ix: the padding is the same for
// every layout. Any element type: FP32, and 16-bit floats (whose zero is all-zero bits too).
// Only the first `width` columns (at most ColumnPatchWidth(g)) are written.
template <typename T, typename CopyRow>
void ColumnPatchRowWith(const ref::ConvGeometry& g, int32_t row, int64_t width, T* buf, CopyRow copy) {
  const int32_t n = row / g.out_h, oy = row % g.out_h;
  const int32_t c = g.in_c;
  const int64_t stride = static_cast<int64_t>(g.kernel_h) * c;  // elements between columns
  // Columns [0, left) and [right, width) fall in the padding.
  const int64_t left = std::min<int64_t>(width, g.pad_left);
  const int64_t right = std::max<int64_t>(left, std::min<int64_t>(width, g.pad_left + static_cast<int64_t>(g.in_w)));
  for (int32_t ky = 0; ky < g.kernel_h; ++ky) {
    T* dst = buf + static_cast<int64_t>(ky) * c;
    const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      ZeroPixels(width, c, dst, stride);
      continue;
    }
    ZeroPixels(left, c, dst, stride);
    ZeroPixels(width - right, c, dst + right * stride, stride);
    copy(n, iy, left - g.pad_left, right - left, dst + left * stride, stride);
  }
}

template <typename T>
void ColumnPatchRowOf(const ref::ConvGeometry& g, const T* input, int32_t row, T* buf) {
  const int32_t c = g.in_c;
  ColumnPatchRowWith(g, row, ColumnPatchWidth(g), buf,
                     [&](int32_t n, int32_t iy, int64_t ix, int64_t columns, T* d, int64_t stride) {
    const T* src = input + ((static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + ix) * c;
    switch (c) {
      case 1: ScatterPixels<1>(src, columns, c, d, stride); break;
      case 3: ScatterPixels<3>(src, columns, c, d, stride); break;
      case 4: ScatterPixels<4>(src, columns, c, d, stride); break;
      default: ScatterPixels<0>(src, columns, c, d, stride); break;
    }
  });
}

// `columns` pixels of one row of c planes `plane` elements apart to every `dst_stride`-th element
// of dst (C > 0: the channel count at compile time, so the three planes of an RGB row are read in
// step).
template <int C>
void GatherPlanes(const float* src, int64_t plane, int64_t columns, int32_t c, float* dst, int64_t dst_stride) {
  if (C > 0) c = C;
  for (int64_t j = 0; j < columns; ++j, dst += dst_stride)
    for (int32_t ch = 0; ch < c; ++ch) dst[ch] = src[ch * plane + j];
}

}  // namespace

void ColumnPatchRowNchw(const ref::ConvGeometry& g, const float* input, int32_t row, float* buf) {
  ColumnPatchColumnsNchw(g, input, row, ColumnPatchWidth(g), buf);
}

void ColumnPatchColumnsNchw(const ref::ConvGeometry& g, const float* input, int32_t row, int64_t width, float* buf) {
  const int32_t c = g.in_c;
  const int64_t plane = static_cast<int64_t>(g.in_h) * g.in_w;
  ColumnPatchRowWith(g, row, std::min(width, ColumnPatchWidth(g)), buf, [&](int32_t n, int32_t iy, int64_t ix, int64_t columns, float* d, int64_t stride) {
    const float* src = input + static_cast<int64_t>(n) * c * plane + static_cast<int64_t>(iy) * g.in_w + ix;
    if (c == 3) GatherPlanes<3>(src, plane, columns, c, d, stride);
    else GatherPlanes<0>(src, plane, columns, c, d, stride);
  });
}

void ColumnPatchRow(const ref::ConvGeometry& g, const float* input, int32_t row, float* buf) {
  ColumnPatchRowOf(g, input, row, buf);
}

void ColumnPatchRow(const ref::ConvGeometry& g, const uint16_t* input, int32_t row, uint16_t* buf) {
  ColumnPatchRowOf(g, input, row, buf);
}

ColumnPatchRowHalfFn FindColumnPatchRowHalf(Isa isa) {
#if defined(SCALERT_KERNELS_X86)
  if (IsaIncludes(isa, Isa::kAvx512)) return column_patch_row_16bit_avx512;
#endif
  (void)isa;
  return ColumnPatchRow;
}

void ColumnPatchWeights(const ref::ConvGeometry& g, const float* ohwi, float* owhi) {
  const int64_t c = g.in_c, kh = g.kernel_h, kw = g.kernel_w;
  for (int64_t o = 0; o < g.out_c; ++o)
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t kx = 0; kx < kw; ++kx)
        for (int64_t i = 0; i < c; ++i)
          owhi[((o * kw + kx) * kh + ky) * c + i] = ohwi[((o * kh + ky) * kw + kx) * c + i];
}

}  // namespace scalert::kernels
