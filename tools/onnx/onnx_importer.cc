#include "tools/onnx/onnx_importer.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "runtime/validate.h"
#include "runtime/version.h"
#include "tools/onnx/import_context.h"
#include "tools/onnx/ops.h"

namespace scalert::onnx_import {
namespace {

const std::map<std::string, Converter>& Converters() {
  static const auto* m = new std::map<std::string, Converter>{
      {"Conv", ConvertConv},
      {"BatchNormalization", ConvertBatchNormalization},
      {"Relu", ConvertRelu},
      {"Clip", ConvertClip},
      {"Sigmoid", ConvertSigmoid},
      {"HardSigmoid", ConvertHardSigmoid},
      {"HardSwish", ConvertHardSwish},
      {"Add", ConvertAdd},
      {"Mul", ConvertMul},
      {"Softmax", ConvertSoftmax},
      {"Identity", ConvertIdentity},
      {"Dropout", ConvertIdentity},
      {"Constant", ConvertConstant},
      {"Flatten", ConvertFlatten},
      {"Reshape", ConvertReshape},
      {"Squeeze", ConvertSqueeze},
      {"Unsqueeze", ConvertUnsqueeze},
      {"GlobalAveragePool", ConvertGlobalAveragePool},
      {"ReduceMean", ConvertReduceMean},
      {"Gemm", ConvertGemm},
      {"MatMul", ConvertMatMul},
  };
  return *m;
}

bool IsAliasOp(const onnx::NodeProto& n) {
  return (n.op_type() == "Identity" || n.op_type() == "Dropout") && n.input_size() >= 1 && n.output_size() >= 1;
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The run-time graph input for ONNX input `in`: a float32 tensor with every dimension known.
absl::Status DefineInput(ImportContext& ctx, const onnx::ValueInfoProto& in, const ImportOptions& o,
                         const std::string& source) {
  auto err = [&](const std::string& what) {
    return absl::UnimplementedError(absl::StrCat(source, ": input '", in.name(), "': ", what));
  };
  if (!in.type().has_tensor_type()) return err("only tensor inputs are supported (not sequences, maps or optionals)");
  const auto& tt = in.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT)
    return err(absl::StrCat("dtype ", OnnxDTypeName(tt.elem_type()), " is not supported (float32 inputs only)"));
  if (!tt.has_shape()) return err("has no shape; rank and dimensions must be known");
  const int rank = tt.shape().dim_size();
  Dims dims;
  for (int k = 0; k < rank; ++k) {
    const auto& d = tt.shape().dim(k);
    int64_t v = d.has_dim_value() ? d.dim_value() : -1;
    if (k == 0 && o.batch > 0) v = o.batch;
    else if (k == 0 && v < 0) v = 1;  // a symbolic batch: one image unless --batch says otherwise
    if (rank == 4 && k >= 2 && o.input_h > 0) v = k == 2 ? o.input_h : o.input_w;
    if (v < 0)
      return err(absl::StrCat("dimension ", k, " ('", d.dim_param(), "') is symbolic; fix it with --batch (axis 0) or ",
                              "--input-shape HxW (axes 2 and 3 of an NCHW input)"));
    if (v == 0) return err(absl::StrCat("dimension ", k, " is 0; empty tensors are not supported"));
    if (v > (1 << 16)) return err(absl::StrCat("dimension ", k, " is ", v, ", more than 65536"));
    dims.push_back(v);
  }
  Graph& g = ctx.graph();
  const int32_t t = g.AddTensor(in.name(), ToShape(dims));
  g.inputs.push_back(t);
  ctx.DefineValue(in.name(), ctx.ActivationValue(t, false, dims));
  return absl::OkStatus();
}

// Graph output `name`: ONNX order and shape (NHWC results are transposed back to NCHW).
absl::Status DefineOutput(ImportContext& ctx, const std::string& name, const std::string& source) {
  const Value* v = ctx.FindValue(name);
  if (v == nullptr)
    return absl::InvalidArgumentError(absl::StrCat(source, ": graph output '", name, "' is not produced by any node"));
  if (v->is_constant)
    return absl::UnimplementedError(absl::StrCat(source, ": graph output '", name,
                                                 "' is a constant; outputs must be computed at run time"));
  ASSIGN_OR_RETURN(int32_t t, ctx.PlainExact(*v));
  Graph& g = ctx.graph();
  bool taken = false;
  for (int32_t x : g.inputs) taken |= x == t;
  for (int32_t x : g.outputs) taken |= x == t;
  if (taken) {  // an input passed straight through, or a value listed twice: give it its own tensor
    Node copy;
    copy.type = OpType::kReshape;
    copy.name = name + ".copy";
    copy.inputs = {t};
    copy.ints = g.tensors[t].shape;
    ASSIGN_OR_RETURN(t, ctx.Emit(std::move(copy), name));
  }
  g.tensors[t].name = name;
  g.outputs.push_back(t);
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> SupportedOnnxOps() {
  std::vector<std::string> r;
  for (const auto& [name, fn] : Converters()) r.push_back(name);
  return r;
}

absl::StatusOr<ImportedModel> ImportOnnxModel(const onnx::ModelProto& model, const std::string& source_name,
                                              const std::string& base_dir, const ImportOptions& options) {
  int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < 1)
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": the model imports no version of the default ONNX opset"));
  const onnx::GraphProto& graph = model.graph();
  ImportContext ctx(graph, source_name, base_dir, opset);

  std::set<std::string> initializers;
  for (const auto& t : graph.initializer()) {
    Value v;
    v.is_constant = true;
    ASSIGN_OR_RETURN(v.constant, ReadTensorProto(t, base_dir, absl::StrCat(source_name, ": initializer '", t.name(), "'")));
    ctx.DefineValue(t.name(), std::move(v));
    initializers.insert(t.name());
  }
  if (graph.sparse_initializer_size() > 0)
    return absl::UnimplementedError(absl::StrCat(source_name, ": sparse initializers are not supported"));
  for (const auto& in : graph.input()) {
    if (initializers.count(in.name())) continue;  // older exporters list initializers as inputs too
    auto frozen = options.frozen_inputs.find(in.name());
    if (frozen != options.frozen_inputs.end()) {
      Value v;
      v.is_constant = true;
      v.constant = frozen->second;
      ctx.DefineValue(in.name(), std::move(v));
      continue;
    }
    RETURN_IF_ERROR(DefineInput(ctx, in, options, source_name));
  }
  if (ctx.graph().inputs.empty())
    return absl::UnimplementedError(absl::StrCat(source_name, ": the model has no run-time inputs"));

  // Use counts decide fusion; Identity and Dropout pass their input through, so count through them.
  for (const auto& n : graph.node()) {
    if (!IsAliasOp(n)) continue;
    if (ctx.Resolve(n.input(0)) == n.output(0))  // e.g. Identity(x) -> x, or a cycle of them
      return absl::InvalidArgumentError(absl::StrCat(source_name, ": node '", n.name(), "' (", n.op_type(),
                                                     ") makes value '", n.output(0), "' an alias of itself"));
    ctx.AddAlias(n.output(0), n.input(0));
  }
  for (const auto& n : graph.node())
    for (int i = IsAliasOp(n) ? 1 : 0; i < n.input_size(); ++i)
      if (!n.input(i).empty()) ctx.CountUse(n.input(i));
  for (const auto& out : graph.output()) ctx.CountUse(out.name());

  for (int i = 0; i < graph.node_size(); ++i) {
    ctx.BeginNode(i);
    const onnx::NodeProto& n = graph.node(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      return ctx.Unsupported(absl::StrCat("op domain '", n.domain(), "' is not supported"));
    if (n.output_size() < 1 || n.output(0).empty()) return ctx.Error("the node has no output");
    auto it = Converters().find(n.op_type());
    if (it == Converters().end()) return ctx.Unsupported(absl::StrCat("op ", n.op_type(), " is not supported"));
    // Every converter names its first output; a node without one is malformed (found by fuzzing).
    if (n.output_size() < 1 || n.output(0).empty())
      return absl::InvalidArgumentError(absl::StrCat(source_name, ": node #", i, " '", n.name(), "' (", n.op_type(),
                                                     ") has no output"));
    RETURN_IF_ERROR(it->second(ctx));
  }
  ctx.BeginNode(-1);
  for (const auto& out : graph.output()) RETURN_IF_ERROR(DefineOutput(ctx, out.name(), source_name));

  ctx.Compact();
  ImportedModel r;
  r.graph = std::move(ctx.graph());
  Graph& g = r.graph;
  ModelMetadata& m = g.metadata;
  m.source = "onnx:" + Basename(source_name);
  m.producer = "scalert import";
  m.producer_version = SCALERT_VERSION_STRING;
  const Shape& in0 = g.tensors[g.inputs[0]].shape;
  if (in0.size() == 4) {
    m.input_layout = "NCHW";
    m.in_channels = in0[1];
    m.input_h = in0[2];
    m.input_w = in0[3];
  }
  m.params_trained = GraphParams(g) + ctx.trained_params_extra;
  absl::Status s = ValidateGraph(&g);
  if (!s.ok()) return absl::InternalError(absl::StrCat(source_name, ": the imported graph is invalid: ", s.message()));
  r.folded_batch_norms = ctx.folded_batch_norms;
  r.fused_activations = ctx.fused_activations;
  r.onnx_nodes = graph.node_size();
  return r;
}

absl::StatusOr<ImportedModel> ImportOnnxFile(const std::string& path, const ImportOptions& options) {
  ASSIGN_OR_RETURN(onnx::ModelProto model, LoadOnnxModel(path));
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return ImportOnnxModel(model, path, dir, options);
}

}  // namespace scalert::onnx_import
