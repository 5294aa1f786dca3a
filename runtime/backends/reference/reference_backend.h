// The reference backend: plain kernels from kernels/reference, single-threaded. The oracle
// every other backend is tested against.
#ifndef SCALERT_RUNTIME_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_
#define SCALERT_RUNTIME_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/quantized.h"
#include "runtime/backend.h"
#include "runtime/planned_executable.h"

namespace scalert {

absl::StatusOr<std::unique_ptr<Executable>> PrepareReference(const Graph& g, const BackendOptions& options);

// The reference step for node `index`: other backends use it for operators they do not
// optimise (Softmax, Transpose, ...).
absl::StatusOr<PreparedStep> ReferenceStep(const Graph& g, size_t index, const TensorPointers& tensors);

// The geometry of a Conv2D / DepthwiseConv2D node, as every convolution kernel takes it.
ref::ConvGeometry ConvGeometryOf(const Graph& g, const Node& n);

// The per-tensor scale and zero point of an i8 activation (1 and 0 when it has none).
ref::QParams QParamsOf(const Tensor& t);

// The 256-entry table an i8 unary operator (relu, relu6, sigmoid, hard sigmoid, swish, hard swish,
// clamp) runs as; false for other operators.
bool Int8UnaryTable(const Graph& g, const Node& n, ref::Int8Table* table);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_
