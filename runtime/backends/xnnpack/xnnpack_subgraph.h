// Translates a validated Graph into ONE XNNPACK subgraph (the xnn_define_* API of Debian's 2022
// XNNPACK). There is no partitioning: an operator XNNPACK cannot run makes the translation fail,
// naming it. The one exception is Transpose, which this XNNPACK has no node for: a Transpose at
// the model's boundary (reading a model input, or writing a model output) is placed on the host,
// before or after the subgraph; an interior Transpose is an error.
#ifndef SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_SUBGRAPH_H_
#define SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_SUBGRAPH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <xnnpack.h>

#include "absl/status/statusor.h"
#include "runtime/graph.h"

namespace scalert {

struct XnnpackSubgraphDeleter {
  void operator()(xnn_subgraph_t s) const { xnn_delete_subgraph(s); }
};
using XnnpackSubgraphPtr = std::unique_ptr<xnn_subgraph, XnnpackSubgraphDeleter>;

enum class NodePlacement : uint8_t {
  kXnnpack,     // a node (or a few) of the subgraph
  kHostBefore,  // runs on the host before the subgraph (boundary Transpose of a model input)
  kHostAfter,   // runs on the host after the subgraph (boundary Transpose to a model output)
};

// A graph tensor that crosses the subgraph boundary and the external value id it has there.
struct XnnpackExternal {
  int32_t tensor;
  uint32_t id;
};

struct XnnpackTranslation {
  XnnpackSubgraphPtr subgraph;  // null when no operator runs on XNNPACK
  std::vector<XnnpackExternal> externals;
  std::vector<NodePlacement> placement;  // per graph node
  // Per graph node, the XNNPACK nodes it became, e.g. "convolution_2d + sigmoid + multiply2".
  std::vector<std::string> lowering;
  // Per graph node, what in its lowering XNNPACK's FP16 inference cannot take in this build
  // (measured on Debian's 0.0~git20220216: FP16 rewrite refuses sigmoid, softmax, fully
  // connected and constant elementwise operands, and aborts the process on hardswish).
  std::vector<std::vector<std::string>> fp16_blockers;
  bool fp16_possible() const {
    for (const auto& b : fp16_blockers)
      if (!b.empty()) return false;
    return true;
  }
  // Constant data the subgraph points at that the model does not hold (dequantized weights,
  // padded copies of elementwise operands, scalars). Must outlive the subgraph and every
  // runtime created from it. Model constants used in place must outlive them too.
  std::vector<std::unique_ptr<float[]>> owned_constants;
};

struct XnnpackTranslateOptions {
  // Prefer lowerings XNNPACK's FP16 rewrite accepts: FullyConnected as a 1x1 convolution.
  bool for_fp16 = false;
};

// Requires EnsureXnnpackInitialized() to have succeeded. FP32 values throughout (XNNPACK's
// FP16 inference converts them itself); constants stored as f16 or i8 are dequantized here.
absl::StatusOr<XnnpackTranslation> TranslateToXnnpack(const Graph& g, const XnnpackTranslateOptions& options = {});

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_XNNPACK_XNNPACK_SUBGRAPH_H_
