// Reading ONNX files: the ModelProto itself and the tensors it holds (initializers, Constant
// values, external-data files next to the model, and the TensorProto files of the ONNX tests).
#ifndef SCALERT_TOOLS_ONNX_ONNX_LOADER_H_
#define SCALERT_TOOLS_ONNX_ONNX_LOADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace scalert::onnx_import {

// A constant tensor in host memory. Floating data (float32) lands in `f`; integer and bool data
// (int64, int32, int8, uint8, bool, ...) widens into `i`. Other dtypes are rejected when read.
struct HostTensor {
  std::vector<int64_t> dims;
  bool is_float = true;
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t num_elements() const;
  // The values as int64 (floats truncated), e.g. for shapes and axes.
  std::vector<int64_t> AsInts() const;
  // The values as float (integers converted).
  std::vector<float> AsFloats() const;
};

// "float32", "double", ... for messages; "dtype <n>" when unknown.
std::string OnnxDTypeName(int32_t data_type);

// Reads and parses `path`. Missing file and non-ONNX content are clear errors.
absl::StatusOr<onnx::ModelProto> LoadOnnxModel(const std::string& path);

// Converts a TensorProto; external data is read from `base_dir` (the model's directory) and may
// not leave it. `what` names the tensor in messages.
absl::StatusOr<HostTensor> ReadTensorProto(const onnx::TensorProto& t, const std::string& base_dir,
                                           const std::string& what);

// Reads a serialized TensorProto file (the ONNX test data's input_N.pb / output_N.pb).
absl::StatusOr<HostTensor> ReadTensorProtoFile(const std::string& path);

}  // namespace scalert::onnx_import

#endif  // SCALERT_TOOLS_ONNX_ONNX_LOADER_H_
