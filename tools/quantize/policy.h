// Per-layer precision policies: which precision each operator of a model is lowered to.
// A policy file is text, one rule a line: `default int8`, then `<operator name> fp32|fp16|bf16|int8`;
// `#` starts a comment. A rule for a fused layer also covers the activation split off it
// (`<name>.act`) unless that has its own rule.
#ifndef SCALERT_TOOLS_QUANTIZE_POLICY_H_
#define SCALERT_TOOLS_QUANTIZE_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"

namespace scalert::quantize {

struct Policy {
  Precision default_precision = Precision::kF32;
  std::map<std::string, Precision> by_name;
};

absl::StatusOr<Policy> ParsePolicy(const std::string& text, const std::string& origin);
absl::StatusOr<Policy> ReadPolicyFile(const std::string& path);
std::string PolicyText(const Policy& p, const std::string& header_comment);

// Whether node `index` can compute at `p` (INT8 has no softmax, needs constant weights, bounded
// reductions, no fused non-clamp activation; float precisions run everything).
bool CanLower(const Graph& g, size_t index, Precision p);

// The precision of every node: the policy's rule (or default) where the node can take it, fp32
// where it cannot. Unknown names in the policy are an error.
absl::StatusOr<std::vector<Precision>> ResolvePolicy(const Graph& g, const Policy& p);

// A node's base name (without the `.act` suffix of a split activation).
std::string BaseLayerName(const std::string& node_name);

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_POLICY_H_
