// Which dtypes and quantization parameters each operator accepts, and what it must produce.
// The compute dtype of an operator is that of its first (activation) input: f32, f16 or bf16
// (float kernels) or i8 (integer kernels, see kernels/reference/quantized.h for the arithmetic).
#ifndef SCALERT_RUNTIME_DTYPE_RULES_H_
#define SCALERT_RUNTIME_DTYPE_RULES_H_

#include "absl/status/status.h"
#include "runtime/graph.h"

namespace scalert {

// Checks g.nodes[index]'s input and output dtypes and their quantization. Shapes and indices
// must already be valid (InferNodeOutputShapes). Errors name the operator and the tensor.
absl::Status CheckNodeDTypes(const Graph& g, size_t index);

// The per-channel axis INT8 weights of a Conv2D/FullyConnected (0) or depthwise (3) use.
int32_t WeightChannelAxis(OpType type);

// The precision a graph computes in: f32 if every compute operator (convolutions, fully
// connected) reads f32, i8/f16/bf16 if all read that dtype, kMixed otherwise. A fully connected
// layer with f32 activations and bf16 weights counts as bf16 (a BF16 file's classifier).
Precision GraphPrecision(const Graph& g);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_DTYPE_RULES_H_
