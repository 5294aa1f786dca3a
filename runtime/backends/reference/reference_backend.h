// The reference backend: plain kernels from kernels/reference, single-threaded. The oracle
// every other backend is tested against.
#ifndef SCALERT_RUNTIME_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_
#define SCALERT_RUNTIME_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "kernels/reference/conv.h"
#include "runtime/backend.h"
#include "runtime/planned_executable.h"

namespace scalert {

absl::StatusOr<std::unique_ptr<Executable>> PrepareReference(const Graph& g, const BackendOptions& options);

// The reference step for node `index`: other backends use it for operators they do not
// optimise (Softmax, Transpose, ...).
absl::StatusOr<PreparedStep> ReferenceStep(const Graph& g, size_t index, const TensorPointers& tensors);

// The geometry of a Conv2D / DepthwiseConv2D node, as every convolution kernel takes it.
ref::ConvGeometry ConvGeometryOf(const Graph& g, const Node& n);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_
