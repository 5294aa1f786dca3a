#include "runtime/graph.h"

#include "runtime/fused_mbconv.h"

#include <cstring>

namespace scalert {

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

int32_t Graph::AddTensor(std::string name, Shape shape, DType dtype) {
  Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = dtype;
  tensors.push_back(std::move(t));
  return static_cast<int32_t>(tensors.size() - 1);
}

int32_t Graph::AddConstant(std::string name, Shape shape, DType dtype,
                           std::vector<uint8_t> bytes) {
  int32_t i = AddTensor(std::move(name), std::move(shape), dtype);
  auto owned = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  Tensor& t = tensors[i];
  t.data = owned->empty() ? reinterpret_cast<const uint8_t*>("") : owned->data();
  t.data_bytes = owned->size();
  t.owned = std::move(owned);
  return i;
}

int32_t Graph::AddConstantF32(std::string name, Shape shape, const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return AddConstant(std::move(name), std::move(shape), DType::kF32, std::move(bytes));
}

std::string Graph::NodeLabel(size_t index) const {
  if (index >= nodes.size()) return "operator #" + std::to_string(index);
  const Node& n = nodes[index];
  std::string s = "operator #" + std::to_string(index) + " " + OpTypeName(n.type);
  if (!n.name.empty()) s += " '" + n.name + "'";
  return s;
}

std::string Graph::TensorLabel(int32_t index) const {
  std::string s = "tensor #" + std::to_string(index);
  if (index >= 0 && static_cast<size_t>(index) < tensors.size() && !tensors[index].name.empty())
    s += " '" + tensors[index].name + "'";
  return s;
}

int64_t NodeMacs(const Graph& g, const Node& n) {
  auto out_elems = [&]() { return g.tensors[n.outputs[0]].num_elements(); };
  switch (n.type) {
    case OpType::kConv2D: {
      const Shape& w = g.tensors[n.inputs[1]].shape;  // [Cout, KH, KW, Cin]
      return out_elems() * w[1] * w[2] * w[3];
    }
    case OpType::kDepthwiseConv2D: {
      const Shape& w = g.tensors[n.inputs[1]].shape;  // [1, KH, KW, C]
      return out_elems() * w[1] * w[2];
    }
    case OpType::kFullyConnected: {
      const Shape& w = g.tensors[n.inputs[1]].shape;  // [Cout, Cin]
      return out_elems() * w[1];
    }
    case OpType::kFusedMbconv:
      return n.fused ? n.fused->macs : 0;
    default:
      return 0;
  }
}

int64_t GraphParams(const Graph& g) {
  int64_t total = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_constant()) total += t.num_elements();
  return total;
}

}  // namespace scalert
