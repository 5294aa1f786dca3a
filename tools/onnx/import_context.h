// State shared by the op converters while one ONNX graph is imported: the ScaleRT graph under
// construction, what each ONNX value became (a constant, or a graph tensor and its layout), use
// counts for fusion, and layout conversions inserted on demand.
#ifndef SCALERT_TOOLS_ONNX_IMPORT_CONTEXT_H_
#define SCALERT_TOOLS_ONNX_IMPORT_CONTEXT_H_

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"
#include "runtime/graph.h"
#include "tools/onnx/onnx_loader.h"

namespace scalert::onnx_import {

using Dims = std::vector<int64_t>;

// What an ONNX value is after import. Activations keep their ONNX shape in `shape`; the graph
// tensor holds the same data either in ONNX (row-major) order, possibly under another shape of
// the same size (a reshape that needs no copy until someone cares, e.g. Flatten before a fully
// connected layer), or -- for rank-4 NCHW values -- transposed to NHWC.
struct Value {
  bool is_constant = false;
  HostTensor constant;
  int32_t tensor = -1;
  bool nhwc = false;
  Dims shape;
};

// Graph shape for an ONNX shape: scalars become [1].
Shape ToShape(const Dims& d);
int64_t NumElements(const Dims& d);
// ONNX broadcasting (NumPy rules); false when the shapes do not broadcast.
bool BroadcastDims(const Dims& a, const Dims& b, Dims* out);
std::string DimsToString(const Dims& d);

class ImportContext {
 public:
  ImportContext(const onnx::GraphProto& graph, std::string source, std::string base_dir, int64_t opset);

  Graph& graph() { return g_; }
  int64_t opset() const { return opset_; }
  const std::string& source() const { return source_; }
  const std::string& base_dir() const { return base_dir_; }

  // ---- The node being converted (-1: none, e.g. while the graph outputs are defined).
  void BeginNode(int32_t index);
  const onnx::NodeProto& node() const { return *node_; }
  std::string NodeLabel() const;  // "node 12 'Conv_3' (Conv)"
  absl::Status Error(const std::string& what) const;        // bad model: InvalidArgument
  absl::Status Unsupported(const std::string& what) const;  // valid ONNX we do not handle: Unimplemented
  // Name for new graph ops: the ONNX node name, or "<op>_<index>" when it has none.
  std::string OpName() const;

  // ---- Inputs and outputs of the current node (empty names are absent optional inputs).
  bool HasInput(size_t i) const;
  const std::string& InName(size_t i) const { return node_->input(static_cast<int>(i)); }
  const std::string& OutName(size_t i) const { return node_->output(static_cast<int>(i)); }
  absl::StatusOr<const Value*> In(size_t i) const;
  // An input that must be an activation (a constant is reported as unsupported with `role`).
  absl::StatusOr<const Value*> ActivationIn(size_t i, const std::string& role = "input") const;
  // An input that must be constant (weights, shapes, bounds), with `role` for messages.
  absl::StatusOr<HostTensor> ConstIn(size_t i, const std::string& role) const;
  absl::StatusOr<std::vector<float>> ConstFloatIn(size_t i, const std::string& role) const;
  // Fails unless only outputs [0, n) are used by the rest of the graph.
  absl::Status OnlyOutputsUsed(size_t n) const;
  void SetOutput(size_t i, Value v);
  // Output 0 is `x` changed in place (a fold or fusion into x's producer): later fusions see the
  // tensor as made for output 0.
  void SetFusedOutput(const Value& x);

  // ---- Attributes.
  const onnx::AttributeProto* Attr(const std::string& name) const;
  int64_t AttrInt(const std::string& name, int64_t def) const;
  float AttrFloat(const std::string& name, float def) const;
  std::string AttrString(const std::string& name, const std::string& def) const;
  std::vector<int64_t> AttrInts(const std::string& name) const;

  // ---- Graph building.
  // Appends a node; its output tensor is named `out_name`. Shape errors name this ONNX node.
  absl::StatusOr<int32_t> Emit(Node n, const std::string& out_name);
  int32_t AddConstant(const std::string& name, const Shape& shape, const std::vector<float>& values);
  Value ActivationValue(int32_t tensor, bool nhwc, Dims shape) const;

  // ---- Layout. Each conversion is inserted once per tensor and reused.
  // The value as an NHWC tensor (rank 4 only; plain values get a Transpose 0,2,3,1).
  absl::StatusOr<int32_t> Nhwc(const Value& v);
  // The value's data in ONNX order, whatever the stored shape (NHWC values are transposed back
  // unless C or H*W is 1, when both orders are the same).
  absl::StatusOr<int32_t> PlainData(const Value& v);
  // The value in ONNX order and with exactly its ONNX shape (adds a Reshape if needed).
  absl::StatusOr<int32_t> PlainExact(const Value& v);
  // `tensor` under `shape` (same element count): itself, or a Reshape.
  absl::StatusOr<int32_t> Reshaped(int32_t tensor, const Shape& shape);

  // ---- Fusion bookkeeping.
  // The Conv2D / DepthwiseConv2D / FullyConnected node that produced input i, when that ONNX
  // value is used exactly `uses` times, nothing else already reads the tensor and the node has no
  // fused activation; else null. Fusing into it changes the value in place.
  Node* FusableProducer(size_t i, int64_t uses = 1);
  // The live graph node that produced `tensor`, or -1 (graph input).
  int32_t ProducerOf(int32_t tensor) const;
  // The ONNX value (after Identity/Dropout aliases) whose converter created `tensor`, or "".
  std::string OriginOf(int32_t tensor) const;
  int64_t Uses(const std::string& onnx_name) const;
  std::string Resolve(const std::string& onnx_name) const;
  void KillNode(int32_t node_index) { dead_[node_index] = true; }
  bool IsDead(int32_t node_index) const { return dead_[node_index]; }

  // Identity and Dropout alias their output to their input (set up before conversion).
  void AddAlias(const std::string& from, const std::string& to) { alias_[from] = to; }
  void CountUse(const std::string& onnx_name) { ++uses_[Resolve(onnx_name)]; }
  void DefineValue(const std::string& name, Value v);
  const Value* FindValue(const std::string& name) const;

  // Removes dead nodes and unreferenced tensors, renumbering the rest.
  void Compact();

  int64_t trained_params_extra = 0;  // batch-norm affine params folded away (torchvision counts them)
  int32_t folded_batch_norms = 0;
  int32_t fused_activations = 0;

 private:
  const onnx::GraphProto& onnx_graph_;
  std::string source_, base_dir_;
  int64_t opset_;
  Graph g_;
  int32_t node_index_ = -1;
  const onnx::NodeProto* node_ = nullptr;
  std::map<std::string, Value> values_;
  std::map<std::string, std::string> alias_;
  std::map<std::string, int64_t> uses_;
  std::unordered_map<int32_t, int32_t> producer_;     // tensor -> node
  std::unordered_map<int32_t, std::string> origin_;   // tensor -> resolved ONNX name
  std::unordered_map<int32_t, int32_t> to_nhwc_, to_plain_;
  std::map<std::pair<int32_t, Shape>, int32_t> reshaped_;
  std::vector<bool> dead_;
};

}  // namespace scalert::onnx_import

#endif  // SCALERT_TOOLS_ONNX_IMPORT_CONTEXT_H_
