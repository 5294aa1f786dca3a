// The xnnpack backend: the whole graph as one XNNPACK subgraph and runtime, the in-project
// baseline our own kernels are measured against. FP32; FP16 through XNNPACK's FP16 inference
// when this XNNPACK accepts the graph (effective_precision() says whether it did); INT8 is not
// implemented yet. One pthreadpool per Executable (options.threads; 1 thread = no pool).
#ifndef SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_BACKEND_H_
#define SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "runtime/backend.h"

namespace scalert {

// `g` must be validated, and its constants must outlive the Executable.
absl::StatusOr<std::unique_ptr<Executable>> PrepareXnnpack(const Graph& g, const BackendOptions& options);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_BACKEND_H_
