// Per-operator semantic checks and output shapes. Used by the loader (to check a file) and by
// the graph builder (to compute shapes while a model is being built).
#ifndef SCALERT_RUNTIME_SHAPE_INFERENCE_H_
#define SCALERT_RUNTIME_SHAPE_INFERENCE_H_

#include <vector>

#include "absl/status/status.h"
#include "runtime/graph.h"

namespace scalert {

// Checks input/output counts, dtypes, weight shapes and option values of g.nodes[index] and
// writes the shapes its outputs must have. Inputs' shapes must already be valid.
// Errors name the operator and tensor and say what was expected and what was found.
absl::Status InferNodeOutputShapes(const Graph& g, size_t index, std::vector<Shape>* out);

// Output spatial size of a convolution window; <= 0 means the kernel does not fit.
int64_t ConvOutputSize(int64_t in, int64_t pad_before, int64_t pad_after, int64_t kernel,
                       int64_t stride, int64_t dilation);

// NumPy-style broadcast of two shapes (right-aligned); false if incompatible.
bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_SHAPE_INFERENCE_H_
