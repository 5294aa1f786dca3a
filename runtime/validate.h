// Semantic validation of a graph: everything the flatbuffers Verifier cannot know.
#ifndef SCALERT_RUNTIME_VALIDATE_H_
#define SCALERT_RUNTIME_VALIDATE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "runtime/graph.h"

namespace scalert {

// Kernels index with fixed-size arrays of this many dimensions.
inline constexpr int32_t kMaxSupportedRank = 8;

// Caps that keep a tiny hostile file from asking for huge allocations. All configurable.
struct LoadLimits {
  int64_t max_tensor_bytes = int64_t{1} << 31;       // any single tensor
  int64_t max_total_activation_bytes = int64_t{4} << 30;  // sum over activation tensors
  int32_t max_operators = 20000;
  int32_t max_tensors = 100000;
  int32_t max_dimension = 1 << 16;
  int32_t max_rank = 6;
};

// Checks indices, shapes (with overflow), dtypes, constant sizes, quantization, operator
// options and acyclicity, and sorts g->nodes topologically. Errors name operator and tensor.
absl::Status ValidateGraph(Graph* g, const LoadLimits& limits = {});

}  // namespace scalert

#endif  // SCALERT_RUNTIME_VALIDATE_H_
