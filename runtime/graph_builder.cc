#include "runtime/graph_builder.h"

#include <algorithm>

#include "runtime/shape_inference.h"

namespace scalert {

absl::StatusOr<int32_t> AddNode(Graph* g, Node node, const std::string& output_name) {
  const int32_t out = g->AddTensor(output_name, {1});
  node.outputs = {out};
  g->nodes.push_back(std::move(node));
  std::vector<Shape> shapes;
  absl::Status s = InferNodeOutputShapes(*g, g->nodes.size() - 1, &shapes);
  if (!s.ok()) {
    g->nodes.pop_back();
    g->tensors.pop_back();
    return s;
  }
  g->tensors[out].shape = shapes[0];
  return out;
}

namespace {
Node MakeNode(OpType type, std::vector<int32_t> inputs, const std::string& name) {
  Node n;
  n.type = type;
  n.inputs = std::move(inputs);
  n.name = name;
  return n;
}
std::vector<int32_t> WithBias(int32_t x, int32_t w, int32_t b) {
  return b >= 0 ? std::vector<int32_t>{x, w, b} : std::vector<int32_t>{x, w};
}
}  // namespace

absl::StatusOr<int32_t> AddConv2D(Graph* g, int32_t x, int32_t weights, int32_t bias, const ConvParams& p,
                                  Activation act, const std::string& name) {
  Node n = MakeNode(OpType::kConv2D, WithBias(x, weights, bias), name);
  n.conv = p;
  n.activation = act;
  return AddNode(g, std::move(n), name + ".out");
}

absl::StatusOr<int32_t> AddDepthwiseConv2D(Graph* g, int32_t x, int32_t weights, int32_t bias,
                                           const ConvParams& p, Activation act, const std::string& name) {
  Node n = MakeNode(OpType::kDepthwiseConv2D, WithBias(x, weights, bias), name);
  n.conv = p;
  n.activation = act;
  return AddNode(g, std::move(n), name + ".out");
}

absl::StatusOr<int32_t> AddFullyConnected(Graph* g, int32_t x, int32_t weights, int32_t bias, Activation act,
                                          const std::string& name) {
  Node n = MakeNode(OpType::kFullyConnected, WithBias(x, weights, bias), name);
  n.activation = act;
  return AddNode(g, std::move(n), name + ".out");
}

absl::StatusOr<int32_t> AddUnary(Graph* g, OpType type, int32_t x, const std::string& name) {
  return AddNode(g, MakeNode(type, {x}, name), name + ".out");
}

absl::StatusOr<int32_t> AddBinary(Graph* g, OpType type, int32_t a, int32_t b, Activation act,
                                  const std::string& name) {
  Node n = MakeNode(type, {a, b}, name);
  n.activation = act;
  return AddNode(g, std::move(n), name + ".out");
}

void SamePadding(int32_t in, int32_t kernel, int32_t stride, int32_t dilation, int32_t* before, int32_t* after) {
  const int32_t out = (in + stride - 1) / stride;
  const int32_t extent = (kernel - 1) * dilation + 1;
  const int32_t total = std::max(0, (out - 1) * stride + extent - in);
  *before = total / 2;
  *after = total - *before;
}

}  // namespace scalert
