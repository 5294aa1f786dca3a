#include "kernels/transpose.h"

#include <cstring>

namespace scalert::kernels {

TransposePlan MakeTransposePlan(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& perm) {
  TransposePlan p;
  const size_t rank = in_shape.size();
  int64_t stride[4] = {0, 0, 0, 0};
  int64_t s = 1;
  for (size_t i = rank; i-- > 0;) {
    stride[i] = s;
    s *= in_shape[i];
  }
  const size_t pad = 4 - rank;
  for (size_t i = 0; i < rank; ++i) {
    p.out_shape[pad + i] = in_shape[perm[i]];
    p.in_stride[pad + i] = stride[perm[i]];
  }
  return p;
}

namespace {

// Any element type: FP32 activations, and INT8 and 16-bit float ones (whose bits move unchanged).
template <typename T>
void TransposeRows(const TransposePlan& p, const T* in, T* out, int64_t row_begin, int64_t row_end) {
  const int64_t d2 = p.out_shape[2], d3 = p.out_shape[3];
  const int64_t s2 = p.in_stride[2], s3 = p.in_stride[3];
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t i0 = row / p.out_shape[1], i1 = row % p.out_shape[1];
    const T* src_row = in + i0 * p.in_stride[0] + i1 * p.in_stride[1];
    T* dst = out + row * d2 * d3;
    if (s3 == 1) {
      for (int64_t i2 = 0; i2 < d2; ++i2, dst += d3) std::memcpy(dst, src_row + i2 * s2, sizeof(T) * d3);
    } else if (d3 == 3) {
      // NCHW -> NHWC of an RGB image: three input planes read in step.
      const T* a = src_row;
      const T* b = src_row + s3;
      const T* c = src_row + 2 * s3;
      for (int64_t i2 = 0; i2 < d2; ++i2, dst += 3) {
        dst[0] = a[i2 * s2];
        dst[1] = b[i2 * s2];
        dst[2] = c[i2 * s2];
      }
    } else {
      for (int64_t i2 = 0; i2 < d2; ++i2) {
        const T* src = src_row + i2 * s2;
        for (int64_t i3 = 0; i3 < d3; ++i3) *dst++ = src[i3 * s3];
      }
    }
  }
}

}  // namespace

void TransposeF32(const TransposePlan& p, const float* in, float* out, int64_t row_begin, int64_t row_end) {
  TransposeRows(p, in, out, row_begin, row_end);
}

void TransposeS8(const TransposePlan& p, const int8_t* in, int8_t* out, int64_t row_begin, int64_t row_end) {
  TransposeRows(p, in, out, row_begin, row_end);
}

void Transpose16(const TransposePlan& p, const uint16_t* in, uint16_t* out, int64_t row_begin, int64_t row_end) {
  TransposeRows(p, in, out, row_begin, row_end);
}

}  // namespace scalert::kernels
