// What an internal FusedMbconv node stands for (runtime/passes/mbconv_fusion.h makes them): an
// inverted-residual block [expand 1x1 ->] depthwise kxk [-> squeeze-and-excitation] -> project
// 1x1 [+ residual], run as one step. Its weights stay constant tensor inputs of the node, at the
// slots below (-1 when the part is absent), so the memory planner and the profile see the node
// like any other; this struct holds only what is not a tensor.
#ifndef SCALERT_RUNTIME_FUSED_MBCONV_H_
#define SCALERT_RUNTIME_FUSED_MBCONV_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace scalert {

struct FusedMbconv {
  // Input slots of the node.
  enum Slot : int {
    kInput = 0,      // [N, H, W, Cin]
    kExpandWeights,  // [C, 1, 1, Cin]; -1 for a depthwise-separable pair (C = Cin)
    kExpandBias,
    kDepthwiseWeights,  // [1, KH, KW, C]
    kDepthwiseBias,
    kSeReduceWeights,  // [S, 1, 1, C]: squeeze-and-excitation fc1; -1 without SE
    kSeReduceBias,
    kSeExpandWeights,  // [C, 1, 1, S]: fc2, its activation the gate
    kSeExpandBias,
    kProjectWeights,  // [Cout, 1, 1, C]
    kProjectBias,
    kResidual,  // [N, Ho, Wo, Cout] added after the project's activation; -1 without
    kNumSlots
  };
  Activation expand_act = Activation::kNone, depthwise_act = Activation::kNone;
  Activation se_reduce_act = Activation::kNone, se_gate_act = Activation::kNone;
  Activation project_act = Activation::kNone;
  ConvParams depthwise;          // stride, padding, dilation of the depthwise
  std::vector<std::string> parts;  // names of the nodes it replaced, in order
  int64_t macs = 0;              // of those nodes together
  // INT8 blocks: every tensor between the parts has its own quantization, and activations other
  // than relu / relu6 are separate 256-entry table ops after their conv (Swish, Sigmoid, ...), so
  // the block keeps copies of the nodes it replaced, by part (their tensors stay in the graph;
  // the planner gives them no memory). Unset for FP32, FP16 and BF16 blocks.
  struct Int8Parts {
    std::optional<Node> expand, expand_table, depthwise, depthwise_table;
    std::optional<Node> se_pool, se_reduce, se_reduce_table, se_expand, se_gate_table, se_mul;
    std::optional<Node> project, add;
  };
  std::optional<Int8Parts> int8;
};

}  // namespace scalert

#endif  // SCALERT_RUNTIME_FUSED_MBCONV_H_
