// Finds inverted-residual chains a backend may run fused, band by band of rows, so the expanded
// tensor never goes to memory whole: expand 1x1 -> depthwise kxk [-> project 1x1]. The graph is
// not changed (files stay primitive); the backend runs the chain from its first node.
#ifndef SCALERT_RUNTIME_PASSES_MBCONV_FUSION_H_
#define SCALERT_RUNTIME_PASSES_MBCONV_FUSION_H_

#include <cstdint>
#include <vector>

#include "runtime/graph.h"

namespace scalert {

struct MbconvChain {
  int32_t expand = -1;   // Conv2D 1x1, stride 1, no padding, constant weights
  int32_t depthwise = -1;  // DepthwiseConv2D (multiplier 1), sole reader of the expand output
  // Conv2D 1x1 that is the sole reader of the depthwise output, or -1 when the depthwise output
  // is read elsewhere too (squeeze-and-excitation needs it whole: then only expand + depthwise
  // fuse).
  int32_t project = -1;
};

// Chains in node order; a node belongs to at most one chain. Only FP32 activations.
std::vector<MbconvChain> FindMbconvChains(const Graph& g);

// A squeeze-and-excitation scale feeding a project 1x1: y = x * s (s broadcast over pixels:
// [N or 1, 1, 1, C] against x [N, H, W, C]) whose only reader is a pointwise Conv2D. A backend
// may run the conv on x with s applied to each block of rows as it is loaded, so y is never
// written whole.
struct ScaledPointwise {
  int32_t mul = -1;
  int32_t conv = -1;
  int32_t x = -1, scale = -1;  // the Mul's full-size and per-channel operands
};
// In node order; only FP32, Mul without a fused activation, y not a graph output.
std::vector<ScaledPointwise> FindScaledPointwise(const Graph& g);

// True for a Conv2D that is a plain 1x1 (stride 1, no padding) over an FP32 activation with
// constant weights: a GEMM over pixels.
bool IsPointwiseConv(const Graph& g, const Node& n);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_PASSES_MBCONV_FUSION_H_
