// Building graphs in code (scaler, importer, tests): add a node, get its output tensor with the
// shape inferred and checked.
#ifndef SCALERT_RUNTIME_GRAPH_BUILDER_H_
#define SCALERT_RUNTIME_GRAPH_BUILDER_H_

#include <string>

#include "absl/status/statusor.h"
#include "runtime/graph.h"

namespace scalert {

// Appends `node` (its `outputs` are ignored) with one new f32 output tensor named
// `output_name`, whose shape comes from shape inference. Returns the output tensor index; on
// error the graph is left unchanged.
absl::StatusOr<int32_t> AddNode(Graph* g, Node node, const std::string& output_name);

// Conveniences for the common ops. `bias` may be -1.
absl::StatusOr<int32_t> AddConv2D(Graph* g, int32_t x, int32_t weights, int32_t bias, const ConvParams& p,
                                  Activation act, const std::string& name);
absl::StatusOr<int32_t> AddDepthwiseConv2D(Graph* g, int32_t x, int32_t weights, int32_t bias,
                                           const ConvParams& p, Activation act, const std::string& name);
absl::StatusOr<int32_t> AddFullyConnected(Graph* g, int32_t x, int32_t weights, int32_t bias, Activation act,
                                          const std::string& name);
absl::StatusOr<int32_t> AddUnary(Graph* g, OpType type, int32_t x, const std::string& name);
absl::StatusOr<int32_t> AddBinary(Graph* g, OpType type, int32_t a, int32_t b, Activation act,
                                  const std::string& name);

// 'Same' padding split as TensorFlow does (extra on the bottom/right) for one dimension.
void SamePadding(int32_t in, int32_t kernel, int32_t stride, int32_t dilation, int32_t* before, int32_t* after);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_GRAPH_BUILDER_H_
