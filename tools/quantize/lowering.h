// Graph rewriting for lowered precisions: activations split off layers that INT8 cannot fuse,
// weights quantized (INT8 per output channel, symmetric) or narrowed (FP16/BF16), and
// Quantize/Dequantize inserted only where two layers of different precisions meet.
#ifndef SCALERT_TOOLS_QUANTIZE_LOWERING_H_
#define SCALERT_TOOLS_QUANTIZE_LOWERING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/quantize/calibration.h"

namespace scalert::quantize {

// Moves sigmoid / hard sigmoid / swish / hard swish fused into a convolution, fully connected
// or elementwise layer into its own operator `<name>.act` (same function; INT8 runs it as a
// table). Relu and relu6 stay fused (they are clamps).
Graph SplitActivations(const Graph& g);

// Undoes SplitActivations where the layer was not lowered to INT8: a `<name>.act` operator whose
// input only its layer `<name>` writes and only it reads, in the same non-INT8 type, folds back
// into the layer (one rounding instead of two, and the layer keeps its fused epilogue and its
// place in a fused block). Tensors left unused are dropped.
Graph RejoinActivations(const Graph& lowered);

// Per tensor: the node writing it (-1: none) and how many node inputs and graph outputs read it.
struct TensorUses {
  std::vector<int32_t> producer, readers;
};
TensorUses UsesOf(const Graph& g);

// Per-tensor INT8 parameters covering `r` (asymmetric, 0 exactly representable).
Quantization ActivationQuantization(Range r);

// Lowers each node i to precision[i] (fp32 nodes stay as they are). INT8 nodes need `ranges`
// for every activation they read or write; FP16 nodes use them (and `pre_activation`, the ranges
// before fused activations) to scale what FP16 cannot hold (half_scaling.h). Graph inputs and
// outputs stay f32, under their names. Layers i with bf16_weights[i] (fp32 nodes: FP32
// activations) store their weights as BF16 (a BF16 file's classifier, quantizer.cc).
absl::StatusOr<Graph> LowerGraph(const Graph& g, const std::vector<Precision>& precision, const Ranges& ranges,
                                 const Ranges& pre_activation = {}, const std::vector<bool>& bf16_weights = {});

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_LOWERING_H_
