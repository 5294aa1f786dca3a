#include "runtime/model_format.h"

#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "scalert_generated.h"

namespace scalert {
namespace {

// Copies the bytes instead of loading elements through the vector: a hostile file may place
// 8-byte elements (zero points) at a 4-byte boundary, which the Verifier allows (it checks the
// 4-byte length prefix only), and a misaligned load is undefined behaviour (found by the model
// fuzzer). Scalars are little-endian in the file and on every target.
template <typename T>
std::vector<T> ToVector(const flatbuffers::Vector<T>* v) {
  std::vector<T> r(v ? v->size() : 0);
  if (!r.empty()) std::memcpy(r.data(), v->Data(), r.size() * sizeof(T));
  return r;
}
std::string ToString(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

void ReadConvOptions(const fb::Conv2DOptions* o, Node* n) {
  if (!o) return;
  ConvParams& p = n->conv;
  p.stride_h = o->stride_h(); p.stride_w = o->stride_w();
  p.dilation_h = o->dilation_h(); p.dilation_w = o->dilation_w();
  p.pad_top = o->pad_top(); p.pad_bottom = o->pad_bottom();
  p.pad_left = o->pad_left(); p.pad_right = o->pad_right();
  p.depth_multiplier = o->depth_multiplier();
  n->activation = static_cast<Activation>(o->activation());
}

void ReadMetadata(const fb::Metadata* m, ModelMetadata* out) {
  if (!m) return;
  out->family = ToString(m->family());
  out->base_config = ToString(m->base_config());
  out->phi = m->phi(); out->alpha = m->alpha(); out->beta = m->beta(); out->gamma = m->gamma();
  out->width_multiplier = m->width_multiplier();
  out->depth_multiplier = m->depth_multiplier();
  out->resolution_multiplier = m->resolution_multiplier();
  out->input_h = m->input_h(); out->input_w = m->input_w();
  out->in_channels = m->in_channels(); out->channel_divisor = m->channel_divisor();
  out->params_trained = m->params_trained();
  out->producer = ToString(m->producer());
  out->producer_version = ToString(m->producer_version());
  out->source = ToString(m->source());
  out->input_layout = ToString(m->input_layout());
  out->color_order = ToString(m->color_order());
  out->mean = ToVector(m->mean());
  out->std = ToVector(m->std());
  if (m->labels())
    for (const auto* s : *m->labels()) out->labels.push_back(ToString(s));
}

}  // namespace

absl::StatusOr<Graph> ReadGraph(const uint8_t* data, size_t size, const LoadLimits& limits) {
  if (size < 8) return absl::InvalidArgumentError(absl::StrCat("file is too small (", size, " bytes) to be a model"));
  if (!fb::ModelBufferHasIdentifier(data)) {
    char id[5] = {0};
    std::memcpy(id, data + 4, 4);
    for (char& c : id) if (c && (c < 32 || c > 126)) c = '?';
    return absl::InvalidArgumentError(absl::StrCat("wrong file identifier '", id, "', expected '",
                                                   fb::ModelIdentifier(), "' (not a ScaleRT model)"));
  }
  // Depth and table counts bound the Verifier's own work on hostile input.
  flatbuffers::Verifier verifier(data, size, /*max_depth=*/64, /*max_tables=*/4000000);
  if (!fb::VerifyModelBuffer(verifier))
    return absl::InvalidArgumentError("flatbuffer verification failed (truncated or corrupted file)");
  const fb::Model* m = fb::GetModel(data);
  const uint32_t version = m->schema_version();
  if (version < kOldestSchemaVersion || version > kSchemaVersion)
    return absl::InvalidArgumentError(absl::StrCat("unknown schema version ", version, "; this runtime reads versions ",
                                                   kOldestSchemaVersion, " to ", kSchemaVersion));
  const auto* buffers = m->buffers();
  const auto* tensors = m->tensors();
  const auto* ops = m->operators();
  if (!tensors || !ops) return absl::InvalidArgumentError("model has no tensors or no operators");
  if (static_cast<int64_t>(tensors->size()) > limits.max_tensors)
    return absl::InvalidArgumentError(absl::StrCat("model has ", tensors->size(),
                                                   " tensors, more than the limit max_tensors=", limits.max_tensors));
  if (static_cast<int64_t>(ops->size()) > limits.max_operators)
    return absl::InvalidArgumentError(absl::StrCat("model has ", ops->size(),
                                                   " operators, more than the limit max_operators=", limits.max_operators));
  const uint32_t num_buffers = buffers ? buffers->size() : 0;

  Graph g;
  g.tensors.reserve(tensors->size());
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    const fb::Tensor* ft = tensors->Get(i);
    Tensor t;
    t.name = ToString(ft->name());
    t.shape = ToVector(ft->shape());
    t.dtype = static_cast<DType>(ft->dtype());
    if (const auto* q = ft->quantization()) {
      t.quant.scale = ToVector(q->scale());
      t.quant.zero_point = ToVector(q->zero_point());
      t.quant.axis = q->axis();
    }
    uint32_t b = ft->buffer();
    if (b != 0) {
      if (b >= num_buffers)
        return absl::InvalidArgumentError(absl::StrCat("tensor #", i, " '", t.name, "': buffer index ", b,
                                                       " is out of range [0, ", num_buffers, ")"));
      const fb::Buffer* fbuf = buffers->Get(b);
      const auto* bytes = fbuf ? fbuf->data() : nullptr;
      if (!bytes)
        return absl::InvalidArgumentError(absl::StrCat("tensor #", i, " '", t.name, "': buffer ", b, " has no data"));
      t.data = bytes->size() ? bytes->data() : reinterpret_cast<const uint8_t*>("");
      t.data_bytes = bytes->size();
    }
    g.tensors.push_back(std::move(t));
  }
  if (version < 2)
    for (size_t i = 0; i < g.tensors.size(); ++i)
      if (g.tensors[i].dtype == DType::kBF16)
        return absl::InvalidArgumentError(absl::StrCat(g.TensorLabel(static_cast<int32_t>(i)), ": bf16 needs schema version 2, the file says ",
                                                       version));
  g.nodes.reserve(ops->size());
  for (uint32_t i = 0; i < ops->size(); ++i) {
    const fb::Operator* fo = ops->Get(i);
    Node n;
    n.type = static_cast<OpType>(fo->type());
    n.name = ToString(fo->name());
    n.inputs = ToVector(fo->inputs());
    n.outputs = ToVector(fo->outputs());
    // A union type without a value is as broken as a missing one.
    const fb::OpOptions options_type = fo->options() ? fo->options_type() : fb::OpOptions_NONE;
    switch (options_type) {
      case fb::OpOptions_Conv2DOptions: ReadConvOptions(fo->options_as_Conv2DOptions(), &n); break;
      case fb::OpOptions_FullyConnectedOptions:
        n.activation = static_cast<Activation>(fo->options_as_FullyConnectedOptions()->activation());
        break;
      case fb::OpOptions_BinaryOptions:
        n.activation = static_cast<Activation>(fo->options_as_BinaryOptions()->activation());
        break;
      case fb::OpOptions_ReshapeOptions: n.ints = ToVector(fo->options_as_ReshapeOptions()->new_shape()); break;
      case fb::OpOptions_TransposeOptions: n.ints = ToVector(fo->options_as_TransposeOptions()->perm()); break;
      case fb::OpOptions_SoftmaxOptions: n.softmax_beta = fo->options_as_SoftmaxOptions()->beta(); break;
      case fb::OpOptions_ClampOptions:
        n.min = fo->options_as_ClampOptions()->min();
        n.max = fo->options_as_ClampOptions()->max();
        break;
      case fb::OpOptions_HardSigmoidOptions:
        n.alpha = fo->options_as_HardSigmoidOptions()->alpha();
        n.beta = fo->options_as_HardSigmoidOptions()->beta();
        break;
      default: break;
    }
    // Ops whose meaning depends on options must carry them.
    bool needs_conv = n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D;
    if (needs_conv && options_type != fb::OpOptions_Conv2DOptions)
      return absl::InvalidArgumentError(absl::StrCat("operator #", i, " ", OpTypeName(n.type), " '", n.name,
                                                     "': missing Conv2DOptions"));
    if ((n.type == OpType::kReshape && options_type != fb::OpOptions_ReshapeOptions) ||
        (n.type == OpType::kTranspose && options_type != fb::OpOptions_TransposeOptions) ||
        (n.type == OpType::kClamp && options_type != fb::OpOptions_ClampOptions))
      return absl::InvalidArgumentError(absl::StrCat("operator #", i, " ", OpTypeName(n.type), " '", n.name,
                                                     "': missing options"));
    g.nodes.push_back(std::move(n));
  }
  g.inputs = ToVector(m->inputs());
  g.outputs = ToVector(m->outputs());
  ReadMetadata(m->metadata(), &g.metadata);
  RETURN_IF_ERROR(ValidateGraph(&g, limits));
  return g;
}

absl::StatusOr<std::string> SerializeGraph(const Graph& graph) {
  Graph g = graph;  // validation sorts nodes
  RETURN_IF_ERROR(ValidateGraph(&g));
  return SerializeGraphUnchecked(g);
}

uint32_t SchemaVersionNeeded(const Graph& g) {
  for (const Tensor& t : g.tensors)
    if (t.dtype == DType::kBF16 || (!t.is_constant() && t.dtype != DType::kF32)) return 2;
  return 1;
}

std::string SerializeGraphUnchecked(const Graph& g, uint32_t schema_version) {
  if (schema_version == 0) schema_version = SchemaVersionNeeded(g);
  flatbuffers::FlatBufferBuilder b(1 << 20);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(b));
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const Tensor& t : g.tensors) {
    uint32_t buffer_index = 0;
    if (t.is_constant()) {
      b.ForceVectorAlignment(t.data_bytes, 1, 64);
      auto data = b.CreateVector(t.data, t.data_bytes);
      buffer_index = static_cast<uint32_t>(buffers.size());
      buffers.push_back(fb::CreateBuffer(b, data));
    }
    flatbuffers::Offset<fb::Quantization> q;
    if (!t.quant.empty())
      q = fb::CreateQuantization(b, b.CreateVector(t.quant.scale), b.CreateVector(t.quant.zero_point), t.quant.axis);
    tensors.push_back(fb::CreateTensor(b, b.CreateString(t.name), b.CreateVector(t.shape),
                                       static_cast<fb::DType>(t.dtype), q, buffer_index));
  }
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const Node& n : g.nodes) {
    fb::OpOptions type = fb::OpOptions_NONE;
    flatbuffers::Offset<void> options;
    auto act = static_cast<fb::Activation>(n.activation);
    switch (n.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D: {
        const ConvParams& p = n.conv;
        type = fb::OpOptions_Conv2DOptions;
        options = fb::CreateConv2DOptions(b, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.pad_top,
                                          p.pad_bottom, p.pad_left, p.pad_right, act, p.depth_multiplier).Union();
        break;
      }
      case OpType::kFullyConnected:
        type = fb::OpOptions_FullyConnectedOptions;
        options = fb::CreateFullyConnectedOptions(b, act).Union();
        break;
      case OpType::kAdd:
      case OpType::kMul:
        type = fb::OpOptions_BinaryOptions;
        options = fb::CreateBinaryOptions(b, act).Union();
        break;
      case OpType::kReshape:
        type = fb::OpOptions_ReshapeOptions;
        options = fb::CreateReshapeOptions(b, b.CreateVector(n.ints)).Union();
        break;
      case OpType::kTranspose:
        type = fb::OpOptions_TransposeOptions;
        options = fb::CreateTransposeOptions(b, b.CreateVector(n.ints)).Union();
        break;
      case OpType::kSoftmax:
        type = fb::OpOptions_SoftmaxOptions;
        options = fb::CreateSoftmaxOptions(b, n.softmax_beta).Union();
        break;
      case OpType::kClamp:
        type = fb::OpOptions_ClampOptions;
        options = fb::CreateClampOptions(b, n.min, n.max).Union();
        break;
      case OpType::kHardSigmoid:
        type = fb::OpOptions_HardSigmoidOptions;
        options = fb::CreateHardSigmoidOptions(b, n.alpha, n.beta).Union();
        break;
      default: break;
    }
    ops.push_back(fb::CreateOperator(b, static_cast<fb::OpType>(n.type), b.CreateVector(n.inputs),
                                     b.CreateVector(n.outputs), type, options, b.CreateString(n.name)));
  }
  const ModelMetadata& md = g.metadata;
  std::vector<flatbuffers::Offset<flatbuffers::String>> labels;
  for (const std::string& s : md.labels) labels.push_back(b.CreateString(s));
  auto meta = fb::CreateMetadata(
      b, b.CreateString(md.family), b.CreateString(md.base_config), md.phi, md.alpha, md.beta, md.gamma,
      md.width_multiplier, md.depth_multiplier, md.resolution_multiplier, md.input_h, md.input_w,
      md.in_channels, md.channel_divisor, md.params_trained, b.CreateString(md.producer),
      b.CreateString(md.producer_version), b.CreateString(md.source), b.CreateString(md.input_layout),
      b.CreateString(md.color_order), b.CreateVector(md.mean), b.CreateVector(md.std), b.CreateVector(labels));
  auto model = fb::CreateModel(b, schema_version, b.CreateVector(tensors), b.CreateVector(buffers),
                               b.CreateVector(ops), b.CreateVector(g.inputs), b.CreateVector(g.outputs), meta);
  fb::FinishModelBuffer(b, model);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

absl::Status WriteFileAtomically(const std::string& path, const void* data, size_t size) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open for writing: ", std::strerror(errno)));
  bool ok = std::fwrite(data, 1, size, f) == size;
  ok = (std::fflush(f) == 0) && ok;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": write failed: ", std::strerror(e)));
  }
  return absl::OkStatus();
}

absl::Status WriteModelFile(const Graph& g, const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, SerializeGraph(g));
  return WriteFileAtomically(path, bytes.data(), bytes.size());
}

}  // namespace scalert
