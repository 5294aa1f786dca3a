// Cases are generated from a valid model by mutating the IR (written without validation) or the
// bytes, or built with raw flatbuffers where the serializer could never produce them.
#include "tests/testing/malformed_corpus.h"

#include "runtime/model_format.h"
#include "scalert_generated.h"
#include "tests/testing/test_models.h"

namespace scalert::testing {
namespace {

std::string Mutated(const std::function<void(Graph&)>& mutate, uint32_t version = kSchemaVersion) {
  Graph g = MakeMbconvTestGraph();
  mutate(g);
  return SerializeGraphUnchecked(g, version);
}

// Quantized cases start from the hand-written INT8 graph (or the FP16 one).
std::string MutatedInt8(const std::function<void(Graph&)>& mutate) {
  Graph g = MakeInt8TestGraph();
  mutate(g);
  return SerializeGraphUnchecked(g, kSchemaVersion);
}

// The tensor an operator of the given name reads at input `i` (or writes, i = -1).
int32_t TensorOf(const Graph& g, const std::string& node, int i) {
  for (const Node& n : g.nodes)
    if (n.name == node) return i < 0 ? n.outputs[0] : n.inputs[i];
  return 0;
}
}  // namespace

std::string ValidInt8ModelBytes() { return MutatedInt8([](Graph&) {}); }

std::string ValidModelBytes() { return Mutated([](Graph&) {}); }

namespace {

// Index of the first node of a type in the test graph.
size_t NodeOf(const Graph& g, OpType t) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].type == t) return i;
  return 0;
}

// One operator reading tensor 0 into tensor 1, built with raw flatbuffers so the file can say
// what the serializer never would: here, a buffer index that does not exist, or no options.
std::string RawSingleOpModel(fb::OpType type, uint32_t second_tensor_buffer) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(b)};
  std::vector<int32_t> shape = {1, 4};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensor(b, b.CreateString("x"), b.CreateVector(shape)),
      fb::CreateTensor(b, b.CreateString("w"), b.CreateVector(shape), fb::DType_F32, 0, second_tensor_buffer)};
  std::vector<int32_t> io = {0}, ins = {0}, outs = {1};
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperator(b, type, b.CreateVector(ins), b.CreateVector(outs))};
  auto m = fb::CreateModel(b, kSchemaVersion, b.CreateVector(tensors), b.CreateVector(buffers), b.CreateVector(ops),
                           b.CreateVector(io), b.CreateVector(outs));
  fb::FinishModelBuffer(b, m);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

}  // namespace

std::vector<MalformedCase> MalformedCorpus() {
  std::vector<MalformedCase> c;
  c.push_back({"empty_file", [] { return std::string(); }, "empty"});
  c.push_back({"seven_bytes", [] { return ValidModelBytes().substr(0, 7); }, "too small"});
  c.push_back({"truncated_half", [] { std::string s = ValidModelBytes(); return s.substr(0, s.size() / 2); }, "verification failed"});
  c.push_back({"truncated_last_byte", [] { std::string s = ValidModelBytes(); return s.substr(0, s.size() - 1); }, "verification failed"});
  c.push_back({"wrong_identifier", [] { std::string s = ValidModelBytes(); s[4] = 'X'; return s; }, "wrong file identifier"});
  c.push_back({"not_a_model_text", [] { return std::string("this is a text file, not a model at all"); }, "wrong file identifier"});
  c.push_back({"unknown_schema_version", [] { return Mutated([](Graph&) {}, 99); }, "unknown schema version 99"});
  c.push_back({"root_offset_out_of_range", [] { std::string s = ValidModelBytes(); s[0] = s[1] = s[2] = '\x7f'; return s; }, "verification failed"});
  c.push_back({"buffer_index_out_of_range", [] { return RawSingleOpModel(fb::OpType_RELU, 7); },
               "buffer index 7 is out of range"});
  c.push_back({"operator_input_index_out_of_range", [] { return Mutated([](Graph& g) { g.nodes[0].inputs[0] = 1000; }); },
               "input tensor index 1000 is out of range"});
  c.push_back({"operator_output_index_out_of_range", [] { return Mutated([](Graph& g) { g.nodes[0].outputs[0] = -5; }); },
               "output tensor index -5 is out of range"});
  c.push_back({"graph_input_index_out_of_range", [] { return Mutated([](Graph& g) { g.inputs[0] = 4242; }); },
               "graph input index 4242 is out of range"});
  c.push_back({"graph_output_never_produced", [] { return Mutated([](Graph& g) { g.outputs[0] = g.AddTensor("orphan", {1, 10}); }); },
               "is never produced"});
  c.push_back({"buffer_size_mismatch", [] {
                 return Mutated([](Graph& g) { g.tensors[g.nodes[0].inputs[1]].shape[0] += 1; });
               }, "constant buffer has"});
  c.push_back({"shape_product_overflow", [] {
                 return Mutated([](Graph& g) { g.tensors[g.inputs[0]].shape = {65536, 65536, 65536, 65536}; });
               }, "overflows"});
  c.push_back({"negative_dimension", [] { return Mutated([](Graph& g) { g.tensors[g.inputs[0]].shape[1] = -3; }); },
               "is not positive"});
  c.push_back({"dimension_over_limit", [] { return Mutated([](Graph& g) { g.tensors[g.inputs[0]].shape[1] = 1 << 20; }); },
               "max_dimension"});
  c.push_back({"rank_too_large", [] { return Mutated([](Graph& g) { g.tensors[g.inputs[0]].shape.assign(9, 1); }); },
               "rank must be in"});
  c.push_back({"cycle", [] {
                 return Mutated([](Graph& g) {
                   // The stem now reads the residual add's output, which depends on the stem.
                   g.nodes[0].inputs[0] = g.nodes[NodeOf(g, OpType::kAdd)].outputs[0];
                 });
               }, "cycle"});
  c.push_back({"zero_stride", [] { return Mutated([](Graph& g) { g.nodes[0].conv.stride_w = 0; }); }, "strides must be >= 1"});
  c.push_back({"negative_stride", [] { return Mutated([](Graph& g) { g.nodes[0].conv.stride_h = -2; }); }, "strides must be >= 1"});
  c.push_back({"zero_dilation", [] { return Mutated([](Graph& g) { g.nodes[0].conv.dilation_h = 0; }); }, "dilations must be >= 1"});
  c.push_back({"negative_padding", [] { return Mutated([](Graph& g) { g.nodes[0].conv.pad_left = -1; }); }, "padding must be in"});
  c.push_back({"kernel_larger_than_padded_input", [] {
                 return Mutated([](Graph& g) {
                   g.tensors[g.inputs[0]].shape = {1, 2, 2, 3};
                   g.nodes[0].conv.pad_top = g.nodes[0].conv.pad_bottom = 0;
                   g.nodes[0].conv.pad_left = g.nodes[0].conv.pad_right = 0;
                 });
               }, "is larger than the padded input"});
  c.push_back({"quantization_wrong_length", [] {
                 return Mutated([](Graph& g) {
                   Tensor& w = g.tensors[g.nodes[0].inputs[1]];
                   w.quant.scale = {1.f, 2.f, 3.f};
                   w.quant.axis = 0;  // 8 output channels, 3 scales
                 });
               }, "quantization has 3 scales, expected 8"});
  c.push_back({"quantization_bad_axis", [] {
                 return Mutated([](Graph& g) {
                   Tensor& w = g.tensors[g.nodes[0].inputs[1]];
                   w.quant.scale = {1.f};
                   w.quant.axis = 7;
                 });
               }, "quantization axis 7 is out of range"});
  c.push_back({"unknown_dtype", [] { return Mutated([](Graph& g) { g.tensors[g.inputs[0]].dtype = static_cast<DType>(9); }); },
               "unknown dtype 9"});
  c.push_back({"i8_without_quantization", [] { return Mutated([](Graph& g) { g.AddConstant("q", {4}, DType::kI8, {1, 2, 3, 4}); }); },
               "i8 tensor has no quantization parameters"});
  c.push_back({"unknown_operator_type", [] { return Mutated([](Graph& g) { g.nodes[1].type = static_cast<OpType>(200); }); },
               "unknown operator type"});
  c.push_back({"weights_not_constant", [] {
                 return Mutated([](Graph& g) { g.nodes[1].inputs[1] = g.nodes[0].outputs[0]; });
               }, "must be constant"});
  c.push_back({"input_channel_mismatch", [] { return Mutated([](Graph& g) { g.tensors[g.inputs[0]].shape[3] = 5; }); },
               "input channels"});
  c.push_back({"bias_wrong_shape", [] {
                 return Mutated([](Graph& g) {
                   int32_t b = g.AddConstantF32("bad_bias", {3}, {0.f, 0.f, 0.f});
                   g.nodes[0].inputs[2] = b;
                 });
               }, "bias"});
  c.push_back({"output_produced_twice", [] { return Mutated([](Graph& g) { g.nodes[1].outputs[0] = g.nodes[0].outputs[0]; }); },
               "already produced"});
  c.push_back({"stored_shape_disagrees", [] {
                 return Mutated([](Graph& g) { g.tensors[g.nodes[0].outputs[0]].shape[1] += 1; });
               }, "but the operator produces"});
  c.push_back({"missing_conv_options", [] { return RawSingleOpModel(fb::OpType_CONV_2D, 0); },
               "missing Conv2DOptions"});
  c.push_back({"no_inputs", [] { return Mutated([](Graph& g) { g.inputs.clear(); }); }, "no inputs"});
  c.push_back({"too_many_operators_for_limit", [] { return ValidModelBytes(); }, "max_operators=3",
               [] { LoadLimits l; l.max_operators = 3; return l; }()});
  c.push_back({"tensor_bytes_over_limit", [] { return ValidModelBytes(); }, "max_tensor_bytes=64",
               [] { LoadLimits l; l.max_tensor_bytes = 64; return l; }()});
  // Quantized files: malformed quantization is a clear error, not a wrong answer.
  c.push_back({"i8_activation_per_channel", [] {
                 return MutatedInt8([](Graph& g) {
                   Tensor& t = g.tensors[TensorOf(g, "stem", -1)];
                   t.quant.axis = 3;
                   t.quant.scale.assign(8, 0.1f);
                   t.quant.zero_point.assign(8, 0);
                 });
               }, "needs per-tensor quantization parameters"});
  c.push_back({"i8_weights_asymmetric", [] {
                 return MutatedInt8([](Graph& g) { g.tensors[TensorOf(g, "stem", 1)].quant.zero_point[2] = 3; });
               }, "must be symmetric"});
  c.push_back({"i8_weights_wrong_axis", [] {
                 return MutatedInt8([](Graph& g) {
                   Tensor& w = g.tensors[TensorOf(g, "stem", 1)];
                   w.quant.axis = 3;
                   w.quant.scale.resize(3);
                   w.quant.zero_point.resize(3);
                 });
               }, "per output channel (axis 0)"});
  c.push_back({"i8_layer_float_weights", [] {
                 return MutatedInt8([](Graph& g) {
                   for (Node& n : g.nodes)
                     if (n.name == "fc") n.inputs[1] = g.AddConstantF32("fc.w.f32", {10, 8}, std::vector<float>(80, 0.1f));
                 });
               }, "of an i8 layer must be i8, found f32"});
  c.push_back({"i8_layer_fused_swish", [] {
                 return MutatedInt8([](Graph& g) {
                   for (Node& n : g.nodes)
                     if (n.name == "dw") n.activation = Activation::kSwish;
                 });
               }, "fuses only relu or relu6"});
  c.push_back({"i8_bias_not_i32", [] {
                 return MutatedInt8([](Graph& g) {
                   for (Node& n : g.nodes)
                     if (n.name == "fc") n.inputs[2] = g.AddConstantF32("fc.b.f32", {10}, std::vector<float>(10, 0.f));
                 });
               }, "must be i32, found f32"});
  c.push_back({"i8_reshape_changes_quantization", [] {
                 return MutatedInt8([](Graph& g) { g.tensors[TensorOf(g, "flatten", -1)].quant.scale[0] = 0.5f; });
               }, "must keep the quantization"});
  c.push_back({"i8_zero_point_out_of_range", [] {
                 return MutatedInt8([](Graph& g) { g.tensors[TensorOf(g, "dw", -1)].quant.zero_point[0] = 300; });
               }, "zero point 300 is outside int8"});
  c.push_back({"i8_scale_not_positive", [] {
                 return MutatedInt8([](Graph& g) { g.tensors[TensorOf(g, "swish", -1)].quant.scale[0] = -1.f; });
               }, "quantization scale -1 is not positive"});
  c.push_back({"quantize_to_f32", [] {
                 return MutatedInt8([](Graph& g) {
                   Tensor& t = g.tensors[TensorOf(g, "quantize", -1)];
                   t.dtype = DType::kF32;
                 });
               }, "must be i8 or a float narrower"});
  c.push_back({"dequantize_from_f32", [] {
                 return MutatedInt8([](Graph& g) {
                   for (Node& n : g.nodes)
                     if (n.name == "dequantize") {
                       n.inputs[0] = g.inputs[0];
                       g.tensors[n.outputs[0]].shape = g.tensors[g.inputs[0]].shape;
                     }
                 });
               }, "must be i8, f16 or bf16, found f32"});
  c.push_back({"mixed_activation_dtypes", [] {
                 Graph g = MakeLowFloatTestGraph(DType::kF16);
                 for (Node& n : g.nodes)
                   if (n.name == "residual") g.tensors[n.inputs[1]].dtype = DType::kBF16;
                 return SerializeGraphUnchecked(g, kSchemaVersion);
               }, "must be f16 like input"});
  c.push_back({"bf16_in_schema_version_1", [] {
                 return Mutated([](Graph& g) { g.AddConstant("b", {2}, DType::kBF16, {0, 0, 0, 0}); }, 1);
               }, "bf16 needs schema version 2"});
  return c;
}

}  // namespace scalert::testing
