// The NCHW input pass: an imported model's NCHW input reaches its stem through a Transpose to
// NHWC. Where that transpose's only reader is a Conv2D whose kernel can read NCHW itself (its
// patch builder gathers every tap anyway), the conv takes the transpose's input with
// ConvParams::input_nchw set and the transpose goes: one pass over the input instead of three.
// Only the native backend runs the rewritten graph.
#ifndef SCALERT_RUNTIME_PASSES_NCHW_INPUT_H_
#define SCALERT_RUNTIME_PASSES_NCHW_INPUT_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/graph.h"

namespace scalert {

struct NchwInputGraph {
  Graph graph;
  // Per node of the input graph: the index of the node that runs it in `graph` (a removed
  // transpose: its conv).
  std::vector<int32_t> node_of;
  int32_t absorbed = 0;  // transposes removed
};

// Removes every Transpose {0, 2, 3, 1} of a rank-4 tensor whose output is no graph output and is
// read by exactly one node, a Conv2D (as its input 0) that `can_read_nchw` accepts (asked about the
// conv as it stands in `g`, reading NHWC); everything else is copied unchanged.
NchwInputGraph AbsorbNchwTransposes(const Graph& g, const std::function<bool(const Graph&, const Node&)>& can_read_nchw);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_PASSES_NCHW_INPUT_H_
