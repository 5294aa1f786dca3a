#include "tools/onnx/import_context.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/graph_builder.h"

namespace scalert::onnx_import {

Shape ToShape(const Dims& d) {
  if (d.empty()) return {1};
  return Shape(d.begin(), d.end());
}

int64_t NumElements(const Dims& d) {
  int64_t n = 1;
  for (int64_t x : d) n *= x;
  return n;
}

bool BroadcastDims(const Dims& a, const Dims& b, Dims* out) {
  const size_t rank = std::max(a.size(), b.size());
  Dims s(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    s[i] = da == 1 ? db : da;
  }
  *out = s;
  return true;
}

std::string DimsToString(const Dims& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

ImportContext::ImportContext(const onnx::GraphProto& graph, std::string source, std::string base_dir, int64_t opset)
    : onnx_graph_(graph), source_(std::move(source)), base_dir_(std::move(base_dir)), opset_(opset) {}

void ImportContext::BeginNode(int32_t index) {
  node_index_ = index;
  node_ = index >= 0 ? &onnx_graph_.node(index) : nullptr;
}

std::string ImportContext::NodeLabel() const {
  if (node_ == nullptr) return "graph inputs/outputs";
  return absl::StrCat("node ", node_index_, " '", node_->name(), "' (", node_->op_type(), ")");
}

absl::Status ImportContext::Error(const std::string& what) const {
  return absl::InvalidArgumentError(absl::StrCat(source_, ": ", NodeLabel(), ": ", what));
}

absl::Status ImportContext::Unsupported(const std::string& what) const {
  return absl::UnimplementedError(absl::StrCat(source_, ": ", NodeLabel(), ": ", what));
}

std::string ImportContext::OpName() const {
  return node_->name().empty() ? absl::StrCat(node_->op_type(), "_", node_index_) : node_->name();
}

bool ImportContext::HasInput(size_t i) const {
  return static_cast<int>(i) < node_->input_size() && !node_->input(static_cast<int>(i)).empty();
}

absl::StatusOr<const Value*> ImportContext::In(size_t i) const {
  if (!HasInput(i)) return Error(absl::StrCat("input ", i, " is required"));
  const Value* v = FindValue(InName(i));
  if (v == nullptr)
    return Error(absl::StrCat("input ", i, " '", InName(i), "' is not produced by any earlier node, input or initializer"));
  return v;
}

absl::StatusOr<const Value*> ImportContext::ActivationIn(size_t i, const std::string& role) const {
  auto v = In(i);
  if (!v.ok()) return v.status();
  if ((*v)->is_constant)
    return Unsupported(absl::StrCat(role, " '", InName(i), "' is a constant; only run-time tensors are supported here"));
  return v;
}

absl::StatusOr<HostTensor> ImportContext::ConstIn(size_t i, const std::string& role) const {
  auto v = In(i);
  if (!v.ok()) return v.status();
  if (!(*v)->is_constant)
    return Unsupported(absl::StrCat(role, " (input ", i, " '", InName(i),
                                    "') must be a constant (an initializer or a Constant node)"));
  return (*v)->constant;
}

absl::StatusOr<std::vector<float>> ImportContext::ConstFloatIn(size_t i, const std::string& role) const {
  auto c = ConstIn(i, role);
  if (!c.ok()) return c.status();
  if (!c->is_float) return Unsupported(absl::StrCat(role, " '", InName(i), "' must be float32"));
  return c->f;
}

absl::Status ImportContext::OnlyOutputsUsed(size_t n) const {
  for (int o = static_cast<int>(n); o < node_->output_size(); ++o)
    if (!node_->output(o).empty() && Uses(node_->output(o)) > 0)
      return Unsupported(absl::StrCat("output ", o, " '", node_->output(o), "' is used, but only the first ", n,
                                      n == 1 ? " output is" : " outputs are", " supported"));
  return absl::OkStatus();
}

void ImportContext::SetOutput(size_t i, Value v) {
  const std::string& name = OutName(i);
  if (!v.is_constant && origin_.count(v.tensor) == 0) origin_[v.tensor] = Resolve(name);
  DefineValue(name, std::move(v));
}

void ImportContext::SetFusedOutput(const Value& x) {
  origin_[x.tensor] = Resolve(OutName(0));
  DefineValue(OutName(0), x);
}

void ImportContext::DefineValue(const std::string& name, Value v) { values_[name] = std::move(v); }

const Value* ImportContext::FindValue(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const onnx::AttributeProto* ImportContext::Attr(const std::string& name) const {
  for (const auto& a : node_->attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t ImportContext::AttrInt(const std::string& name, int64_t def) const {
  const onnx::AttributeProto* a = Attr(name);
  return a ? a->i() : def;
}

float ImportContext::AttrFloat(const std::string& name, float def) const {
  const onnx::AttributeProto* a = Attr(name);
  return a ? a->f() : def;
}

std::string ImportContext::AttrString(const std::string& name, const std::string& def) const {
  const onnx::AttributeProto* a = Attr(name);
  return a ? a->s() : def;
}

std::vector<int64_t> ImportContext::AttrInts(const std::string& name) const {
  const onnx::AttributeProto* a = Attr(name);
  if (a == nullptr) return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

absl::StatusOr<int32_t> ImportContext::Emit(Node n, const std::string& out_name) {
  auto out = AddNode(&g_, std::move(n), out_name);
  if (!out.ok()) return Error(std::string(out.status().message()));
  producer_[*out] = static_cast<int32_t>(g_.nodes.size()) - 1;
  dead_.push_back(false);
  return *out;
}

int32_t ImportContext::AddConstant(const std::string& name, const Shape& shape, const std::vector<float>& values) {
  return g_.AddConstantF32(name, shape, values);
}

Value ImportContext::ActivationValue(int32_t tensor, bool nhwc, Dims shape) const {
  Value v;
  v.tensor = tensor;
  v.nhwc = nhwc;
  v.shape = std::move(shape);
  return v;
}

absl::StatusOr<int32_t> ImportContext::Nhwc(const Value& v) {
  if (v.is_constant) return Error("internal: Nhwc() of a constant");
  if (v.nhwc) return v.tensor;
  if (v.shape.size() != 4)
    return Unsupported(absl::StrCat("needs a rank-4 (NCHW) input, found shape ", DimsToString(v.shape)));
  auto plain = PlainExact(v);
  if (!plain.ok()) return plain.status();
  auto it = to_nhwc_.find(*plain);
  if (it != to_nhwc_.end()) return it->second;
  Node n;
  n.type = OpType::kTranspose;
  n.name = g_.tensors[*plain].name + ".to_nhwc";
  n.inputs = {*plain};
  n.ints = {0, 2, 3, 1};
  auto out = Emit(std::move(n), g_.tensors[*plain].name + ".nhwc");
  if (!out.ok()) return out.status();
  to_nhwc_[*plain] = *out;
  to_plain_[*out] = *plain;
  return *out;
}

absl::StatusOr<int32_t> ImportContext::PlainData(const Value& v) {
  if (v.is_constant) return Error("internal: PlainData() of a constant");
  if (!v.nhwc) return v.tensor;
  // NHWC and NCHW orders agree when either the channels or the spatial extent is 1.
  if (v.shape[1] == 1 || v.shape[2] * v.shape[3] == 1) return v.tensor;
  auto it = to_plain_.find(v.tensor);
  if (it != to_plain_.end()) return it->second;
  Node n;
  n.type = OpType::kTranspose;
  n.name = g_.tensors[v.tensor].name + ".to_nchw";
  n.inputs = {v.tensor};
  n.ints = {0, 3, 1, 2};
  auto out = Emit(std::move(n), g_.tensors[v.tensor].name + ".nchw");
  if (!out.ok()) return out.status();
  to_plain_[v.tensor] = *out;
  to_nhwc_[*out] = v.tensor;
  return *out;
}

absl::StatusOr<int32_t> ImportContext::PlainExact(const Value& v) {
  auto t = PlainData(v);
  if (!t.ok()) return t.status();
  return Reshaped(*t, ToShape(v.shape));
}

absl::StatusOr<int32_t> ImportContext::Reshaped(int32_t tensor, const Shape& shape) {
  if (g_.tensors[tensor].shape == shape) return tensor;
  auto key = std::make_pair(tensor, shape);
  auto it = reshaped_.find(key);
  if (it != reshaped_.end()) return it->second;
  Node n;
  n.type = OpType::kReshape;
  n.name = absl::StrCat(g_.tensors[tensor].name, ".reshape");
  n.inputs = {tensor};
  n.ints = shape;
  auto out = Emit(std::move(n), absl::StrCat(g_.tensors[tensor].name, ".", ShapeToString(shape)));
  if (!out.ok()) return out.status();
  reshaped_[key] = *out;
  return *out;
}

Node* ImportContext::FusableProducer(size_t i, int64_t uses) {
  if (!HasInput(i)) return nullptr;
  const std::string name = Resolve(InName(i));
  const Value* v = FindValue(name);
  if (v == nullptr || v->is_constant || OriginOf(v->tensor) != name || Uses(name) != uses) return nullptr;
  if (to_nhwc_.count(v->tensor) || to_plain_.count(v->tensor)) return nullptr;  // already read by a conversion
  const int32_t p = ProducerOf(v->tensor);
  if (p < 0) return nullptr;
  Node& n = g_.nodes[p];
  if (n.type != OpType::kConv2D && n.type != OpType::kDepthwiseConv2D && n.type != OpType::kFullyConnected)
    return nullptr;
  if (n.activation != Activation::kNone) return nullptr;
  return &n;
}

int32_t ImportContext::ProducerOf(int32_t tensor) const {
  auto it = producer_.find(tensor);
  if (it == producer_.end() || dead_[it->second]) return -1;
  return it->second;
}

std::string ImportContext::OriginOf(int32_t tensor) const {
  auto it = origin_.find(tensor);
  return it == origin_.end() ? "" : it->second;
}

int64_t ImportContext::Uses(const std::string& onnx_name) const {
  auto it = uses_.find(Resolve(onnx_name));
  return it == uses_.end() ? 0 : it->second;
}

std::string ImportContext::Resolve(const std::string& onnx_name) const {
  std::string n = onnx_name;
  // Bounded: a hostile file can make Identity nodes alias in a cycle (the importer rejects
  // those, but must not loop while finding them).
  size_t steps = 0;
  for (auto it = alias_.find(n); it != alias_.end() && steps <= alias_.size(); it = alias_.find(n), ++steps)
    n = it->second;
  return n;
}

void ImportContext::Compact() {
  Graph& g = g_;
  std::vector<Node> nodes;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead_[i]) nodes.push_back(std::move(g.nodes[i]));
  std::vector<bool> used(g.tensors.size(), false);
  for (const Node& n : nodes) {
    for (int32_t t : n.inputs)
      if (t >= 0) used[t] = true;
    for (int32_t t : n.outputs) used[t] = true;
  }
  for (int32_t t : g.inputs) used[t] = true;
  for (int32_t t : g.outputs) used[t] = true;
  std::vector<int32_t> remap(g.tensors.size(), -1);
  std::vector<Tensor> tensors;
  for (size_t t = 0; t < g.tensors.size(); ++t)
    if (used[t]) {
      remap[t] = static_cast<int32_t>(tensors.size());
      tensors.push_back(std::move(g.tensors[t]));
    }
  auto fix = [&](std::vector<int32_t>* v) {
    for (int32_t& t : *v)
      if (t >= 0) t = remap[t];
  };
  for (Node& n : nodes) {
    fix(&n.inputs);
    fix(&n.outputs);
  }
  fix(&g.inputs);
  fix(&g.outputs);
  g.tensors = std::move(tensors);
  g.nodes = std::move(nodes);
  dead_.assign(g.nodes.size(), false);
  producer_.clear();
  origin_.clear();
  to_nhwc_.clear();
  to_plain_.clear();
  reshaped_.clear();
  values_.clear();
}

}  // namespace scalert::onnx_import
