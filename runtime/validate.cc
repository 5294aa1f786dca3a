#include "runtime/validate.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include "absl/strings/str_cat.h"
#include "runtime/dtype_rules.h"
#include "runtime/shape_inference.h"
#include "runtime/status_macros.h"

namespace scalert {
namespace {

absl::Status CheckTensor(const Graph& g, int32_t i, const LoadLimits& limits) {
  const Tensor& t = g.tensors[i];
  auto err = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(g.TensorLabel(i), ": ", what));
  };
  if (static_cast<int>(t.dtype) >= kNumDTypes)
    return err(absl::StrCat("unknown dtype ", static_cast<int>(t.dtype)));
  const int32_t max_rank = std::min(limits.max_rank, kMaxSupportedRank);
  if (t.shape.empty() || static_cast<int32_t>(t.shape.size()) > max_rank)
    return err(absl::StrCat("rank must be in [1, ", max_rank, "], found ", t.shape.size()));
  int64_t elems = 1;
  for (int32_t d : t.shape) {
    if (d < 1) return err(absl::StrCat("dimension ", d, " in shape ", ShapeToString(t.shape), " is not positive"));
    if (d > limits.max_dimension)
      return err(absl::StrCat("dimension ", d, " exceeds the limit max_dimension=", limits.max_dimension));
    if (__builtin_mul_overflow(elems, static_cast<int64_t>(d), &elems))
      return err(absl::StrCat("element count of shape ", ShapeToString(t.shape), " overflows"));
  }
  int64_t bytes;
  if (__builtin_mul_overflow(elems, static_cast<int64_t>(DTypeSize(t.dtype)), &bytes) ||
      bytes > limits.max_tensor_bytes)
    return err(absl::StrCat("shape ", ShapeToString(t.shape), " needs more than the limit max_tensor_bytes=",
                            limits.max_tensor_bytes));
  if (t.is_constant()) {
    if (static_cast<int64_t>(t.data_bytes) != bytes)
      return err(absl::StrCat("constant buffer has ", t.data_bytes, " bytes but shape ",
                              ShapeToString(t.shape), " of ", DTypeName(t.dtype), " needs ", bytes));
    if (reinterpret_cast<uintptr_t>(t.data) % DTypeSize(t.dtype) != 0)
      return err("constant buffer is not aligned to its element size");
  }
  const Quantization& q = t.quant;
  if (!q.empty() || !q.zero_point.empty()) {
    if (q.axis < -1 || q.axis >= static_cast<int32_t>(t.shape.size()))
      return err(absl::StrCat("quantization axis ", q.axis, " is out of range for rank ", t.shape.size()));
    size_t want = q.axis < 0 ? 1 : static_cast<size_t>(t.shape[q.axis]);
    if (q.scale.size() != want)
      return err(absl::StrCat("quantization has ", q.scale.size(), " scales, expected ", want));
    if (!q.zero_point.empty() && q.zero_point.size() != want)
      return err(absl::StrCat("quantization has ", q.zero_point.size(), " zero points, expected ", want));
    for (float s : q.scale)
      if (!(s > 0) || !std::isfinite(s)) return err(absl::StrCat("quantization scale ", s, " is not positive"));
    for (int64_t z : q.zero_point)
      if (z < -128 || z > 127) return err(absl::StrCat("zero point ", z, " is outside int8"));
  } else if (t.dtype == DType::kI8) {
    return err("i8 tensor has no quantization parameters");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateGraph(Graph* g, const LoadLimits& limits) {
  const int64_t num_tensors = static_cast<int64_t>(g->tensors.size());
  if (num_tensors > limits.max_tensors)
    return absl::InvalidArgumentError(absl::StrCat("model has ", num_tensors,
                                                   " tensors, more than the limit max_tensors=", limits.max_tensors));
  if (static_cast<int64_t>(g->nodes.size()) > limits.max_operators)
    return absl::InvalidArgumentError(absl::StrCat("model has ", g->nodes.size(),
                                                   " operators, more than the limit max_operators=", limits.max_operators));
  if (g->inputs.empty()) return absl::InvalidArgumentError("model has no inputs");
  if (g->outputs.empty()) return absl::InvalidArgumentError("model has no outputs");

  int64_t activation_bytes = 0;
  for (int32_t i = 0; i < num_tensors; ++i) {
    RETURN_IF_ERROR(CheckTensor(*g, i, limits));
    if (!g->tensors[i].is_constant()) activation_bytes += g->tensors[i].bytes();
    if (activation_bytes > limits.max_total_activation_bytes)
      return absl::InvalidArgumentError(absl::StrCat("activations need more than the limit max_total_activation_bytes=",
                                                     limits.max_total_activation_bytes));
  }

  // Each activation has exactly one producer: a graph input or one operator output.
  std::vector<int32_t> producer(num_tensors, -2);  // -2 none, -1 graph input, else node
  for (int32_t t : g->inputs) {
    if (t < 0 || t >= num_tensors)
      return absl::InvalidArgumentError(absl::StrCat("graph input index ", t, " is out of range"));
    if (g->tensors[t].is_constant())
      return absl::InvalidArgumentError(absl::StrCat("graph input ", g->TensorLabel(t), " is a constant"));
    if (producer[t] != -2)
      return absl::InvalidArgumentError(absl::StrCat("graph input ", g->TensorLabel(t), " is listed twice"));
    producer[t] = -1;
  }
  const int32_t num_nodes = static_cast<int32_t>(g->nodes.size());
  for (int32_t n = 0; n < num_nodes; ++n) {
    const Node& node = g->nodes[n];
    if (static_cast<int>(node.type) >= kNumOpTypes)
      return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": unknown operator type"));
    if (node.outputs.empty())
      return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": has no outputs"));
    for (int32_t t : node.inputs)
      if (t < -1 || t >= num_tensors)
        return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": input tensor index ", t,
                                                       " is out of range [0, ", num_tensors, ")"));
    for (int32_t t : node.outputs) {
      if (t < 0 || t >= num_tensors)
        return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": output tensor index ", t,
                                                       " is out of range [0, ", num_tensors, ")"));
      if (g->tensors[t].is_constant())
        return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": writes constant ", g->TensorLabel(t)));
      if (producer[t] != -2)
        return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": output ", g->TensorLabel(t),
                                                       " is already produced elsewhere"));
      producer[t] = n;
    }
  }
  for (int32_t t : g->outputs) {
    if (t < 0 || t >= num_tensors)
      return absl::InvalidArgumentError(absl::StrCat("graph output index ", t, " is out of range"));
    if (producer[t] == -2)
      return absl::InvalidArgumentError(absl::StrCat("graph output ", g->TensorLabel(t), " is never produced"));
  }

  // Kahn's algorithm: a stable topological order, or a cycle / a read of a value nobody makes.
  std::vector<int32_t> missing(num_nodes, 0);
  std::vector<std::vector<int32_t>> consumers(num_tensors);
  for (int32_t n = 0; n < num_nodes; ++n) {
    for (int32_t t : g->nodes[n].inputs) {
      if (t < 0 || g->tensors[t].is_constant() || producer[t] == -1) continue;
      if (producer[t] == -2)
        return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": reads ", g->TensorLabel(t),
                                                       ", which no operator produces"));
      ++missing[n];
      consumers[t].push_back(n);
    }
  }
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<int32_t>> ready;
  for (int32_t n = 0; n < num_nodes; ++n)
    if (missing[n] == 0) ready.push(n);
  std::vector<int32_t> order;
  while (!ready.empty()) {
    int32_t n = ready.top();
    ready.pop();
    order.push_back(n);
    for (int32_t t : g->nodes[n].outputs)
      for (int32_t c : consumers[t])
        if (--missing[c] == 0) ready.push(c);
  }
  if (static_cast<int32_t>(order.size()) != num_nodes) {
    for (int32_t n = 0; n < num_nodes; ++n)
      if (missing[n] > 0)
        return absl::InvalidArgumentError(absl::StrCat("the graph has a cycle through ", g->NodeLabel(n)));
  }
  std::vector<Node> sorted;
  sorted.reserve(num_nodes);
  for (int32_t n : order) sorted.push_back(std::move(g->nodes[n]));
  g->nodes = std::move(sorted);

  std::vector<Shape> shapes;
  for (size_t n = 0; n < g->nodes.size(); ++n) {
    RETURN_IF_ERROR(InferNodeOutputShapes(*g, n, &shapes));
    const Node& node = g->nodes[n];
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const Tensor& t = g->tensors[node.outputs[o]];
      if (t.shape != shapes[o])
        return absl::InvalidArgumentError(absl::StrCat(g->NodeLabel(n), ": output ", g->TensorLabel(node.outputs[o]),
                                                       " has shape ", ShapeToString(t.shape), " but the operator produces ",
                                                       ShapeToString(shapes[o])));
    }
    RETURN_IF_ERROR(CheckNodeDTypes(*g, n));
  }
  return absl::OkStatus();
}

}  // namespace scalert
