// Transpose of a rank <= 4 FP32 tensor (the NCHW <-> NHWC boundary of imported models): the
// reference walks every element with a full index computation; this walks the output in order
// with precomputed input strides, so the inner loop is a strided gather (or a copy).
#ifndef SCALERT_KERNELS_TRANSPOSE_H_
#define SCALERT_KERNELS_TRANSPOSE_H_

#include <cstdint>
#include <vector>

namespace scalert::kernels {

struct TransposePlan {
  int64_t out_shape[4] = {1, 1, 1, 1};  // output dims, rank padded to 4 with leading ones
  int64_t in_stride[4] = {0, 0, 0, 0};  // input stride (elements) of each output dim
  // Rows = out_shape[0] * out_shape[1]: the unit callers split over threads.
  int64_t rows() const { return out_shape[0] * out_shape[1]; }
};

// Output dim i is input dim perm[i] (as ONNX Transpose); in_shape.size() == perm.size() <= 4.
TransposePlan MakeTransposePlan(const std::vector<int32_t>& in_shape, const std::vector<int32_t>& perm);

// Writes output rows [row_begin, row_end).
void TransposeF32(const TransposePlan& plan, const float* in, float* out, int64_t row_begin, int64_t row_end);
// The same for int8 tensors (quantized files transpose after their input's Quantize).
void TransposeS8(const TransposePlan& plan, const int8_t* in, int8_t* out, int64_t row_begin, int64_t row_end);
// And for 16-bit float tensors (FP16 / BF16 bits move unchanged).
void Transpose16(const TransposePlan& plan, const uint16_t* in, uint16_t* out, int64_t row_begin, int64_t row_end);

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_TRANSPOSE_H_
