#include "tests/onnx/onnx_test_util.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"

namespace scalert::onnx_test {

absl::StatusOr<std::vector<std::vector<float>>> RunGraph(const Graph& g, const std::vector<std::vector<float>>& inputs,
                                                         const std::string& backend) {
  auto bytes = SerializeGraph(g);
  if (!bytes.ok()) return bytes.status();
  auto model = Model::LoadFromMemory(bytes->data(), bytes->size());
  if (!model.ok()) return model.status();
  InterpreterOptions o;
  o.backend = backend;
  auto it = Interpreter::Create(*model, o);
  if (!it.ok()) return it.status();
  Interpreter& interp = **it;
  if (inputs.size() != interp.num_inputs())
    return absl::InvalidArgumentError(absl::StrCat("model has ", interp.num_inputs(), " inputs, given ", inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    absl::Status s = interp.SetInput(i, inputs[i].data(), inputs[i].size() * sizeof(float));
    if (!s.ok()) return s;
  }
  absl::Status s = interp.Invoke();
  if (!s.ok()) return s;
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < interp.num_outputs(); ++i) {
    std::vector<float> y(static_cast<size_t>(interp.output(i).num_elements()));
    s = interp.GetOutput(i, y.data(), y.size() * sizeof(float));
    if (!s.ok()) return s;
    out.push_back(std::move(y));
  }
  return out;
}

ModelBuilder::ModelBuilder(int64_t opset) {
  m_.set_ir_version(8);
  auto* o = m_.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m_.mutable_graph()->set_name("test");
}

ModelBuilder& ModelBuilder::Input(const std::string& name, const std::vector<int64_t>& dims) {
  auto* in = m_.mutable_graph()->add_input();
  in->set_name(name);
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (size_t k = 0; k < dims.size(); ++k) {
    auto* d = shape->add_dim();
    if (dims[k] >= 0) d->set_dim_value(dims[k]);
    else d->set_dim_param(k == 0 ? "batch" : absl::StrCat("dim", k));
  }
  return *this;
}

ModelBuilder& ModelBuilder::Output(const std::string& name) {
  m_.mutable_graph()->add_output()->set_name(name);
  return *this;
}

ModelBuilder& ModelBuilder::Initializer(const std::string& name, const std::vector<int64_t>& dims,
                                        const std::vector<float>& v) {
  auto* t = m_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float x : v) t->add_float_data(x);
  return *this;
}

ModelBuilder& ModelBuilder::IntInitializer(const std::string& name, const std::vector<int64_t>& dims,
                                           const std::vector<int64_t>& v) {
  auto* t = m_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t x : v) t->add_int64_data(x);
  return *this;
}

onnx::NodeProto* ModelBuilder::Node(const std::string& op, const std::vector<std::string>& inputs,
                                    const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = m_.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? absl::StrCat(op, "_", m_.graph().node_size() - 1) : name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

void AttrInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void AttrFloat(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void AttrInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void AttrString(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

std::vector<float> Random(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

}  // namespace scalert::onnx_test
