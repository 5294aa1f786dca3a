// NumPy .npy files (version 1.0/2.0, little-endian float32, C order) for `scalert run`.
#ifndef SCALERT_TOOLS_NPY_H_
#define SCALERT_TOOLS_NPY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/types.h"

namespace scalert::tools {

struct NpyArray {
  Shape shape;
  std::vector<float> data;
};

absl::StatusOr<NpyArray> ReadNpy(const std::string& path);
// Written atomically: no partial file on failure.
absl::Status WriteNpy(const std::string& path, const Shape& shape, const float* data);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_NPY_H_
