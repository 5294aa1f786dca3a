// The MBConv fusion pass: finds inverted-residual blocks
//   [expand 1x1 ->] depthwise kxk [-> GlobalAveragePool -> 1x1 fc1 -> 1x1 fc2 -> Mul] -> project 1x1
//   [-> Add residual]
// (MobileNetV2/V3 and EfficientNet blocks; without the expand, MobileNetV1's depthwise-separable
// pairs and EfficientNet's first block) and replaces each accepted one with a single
// OpType::kFusedMbconv node (runtime/fused_mbconv.h), so a backend runs it as one step and the
// memory planner never gives the expanded tensor a slot. Only the native backend runs the
// rewritten graph; files, the reference and xnnpack backends only ever see primitive ops.
#ifndef SCALERT_RUNTIME_PASSES_MBCONV_FUSION_H_
#define SCALERT_RUNTIME_PASSES_MBCONV_FUSION_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/fused_mbconv.h"
#include "runtime/graph.h"

namespace scalert {

// One block found in a graph: node indices (-1 when the part is absent).
struct MbconvBlock {
  int32_t expand = -1, depthwise = -1;
  int32_t se_pool = -1, se_reduce = -1, se_expand = -1, se_mul = -1;
  int32_t project = -1, add = -1;
  int32_t residual = -1;  // the Add's other operand (tensor)
  // INT8 blocks: the activation table ops after the expand, the depthwise, fc1 and fc2.
  int32_t expand_table = -1, depthwise_table = -1, se_reduce_table = -1, se_gate_table = -1;
  int32_t first() const { return expand >= 0 ? expand : depthwise; }
  int32_t last() const { return add >= 0 ? add : project; }
  // Every node of the block in dataflow order, absent parts (-1) included.
  std::vector<int32_t> nodes() const {
    return {expand, expand_table, depthwise, depthwise_table, se_pool, se_reduce, se_reduce_table, se_expand,
            se_gate_table, se_mul, project, add};
  }
};

// Blocks in node order; a node belongs to at most one. The block's activations are all FP32, all
// FP16, all BF16 or all INT8 (an INT8 conv's activation may be a separate table op after it);
// every intermediate tensor is read only inside the block and not a graph output; weights are
// constants (of any dtype).
std::vector<MbconvBlock> FindMbconvBlocks(const Graph& g);

struct FusedGraph {
  Graph graph;
  // Per node of the input graph: the index of the node that runs it in `graph`.
  std::vector<int32_t> node_of;
  int32_t fused_blocks = 0;
};

// Replaces every block `accept` returns true for with one kFusedMbconv node (at the position of
// the block's first node); everything else is copied unchanged.
FusedGraph FuseMbconvBlocks(const Graph& g, const std::function<bool(const Graph&, const MbconvBlock&)>& accept);

// The kFusedMbconv node FuseMbconvBlocks would put in place of block `b` of `g` (its tensor ids
// are g's), for a cost model that wants the fused step's plan before deciding.
Node FusedMbconvNode(const Graph& g, const MbconvBlock& b);

// True for a Conv2D that is a plain 1x1 (stride 1, no padding) over an FP32, FP16, BF16 or INT8
// activation with constant weights: a GEMM over pixels.
bool IsPointwiseConv(const Graph& g, const Node& n);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_PASSES_MBCONV_FUSION_H_
