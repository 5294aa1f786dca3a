// The in-memory graph IR: what the loader produces, the passes transform and the backends run.
// It does not depend on flatbuffers; model_reader/model_writer translate to and from the file.
#ifndef SCALERT_RUNTIME_GRAPH_H_
#define SCALERT_RUNTIME_GRAPH_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/types.h"

namespace scalert {

struct FusedMbconv;  // runtime/fused_mbconv.h

struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = -1;  // -1: per tensor
  bool empty() const { return scale.empty(); }
};

struct Tensor {
  std::string name;
  Shape shape;
  DType dtype = DType::kF32;
  Quantization quant;
  // Constant data, or null for activations. Points into the mapped model file or into `owned`.
  const uint8_t* data = nullptr;
  size_t data_bytes = 0;
  std::shared_ptr<const std::vector<uint8_t>> owned;

  bool is_constant() const { return data != nullptr; }
  int64_t num_elements() const;  // product of dims; validated not to overflow
  int64_t bytes() const { return num_elements() * static_cast<int64_t>(DTypeSize(dtype)); }
  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(data); }
};

struct ConvParams {
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int32_t depth_multiplier = 1;
  // Conv2D only, set by passes/nchw_input.h for the native backend (never in a file): the input is
  // [N, C, H, W] instead of [N, H, W, C]; the output stays NHWC.
  bool input_nchw = false;
};

struct Node {
  OpType type = OpType::kConv2D;
  std::string name;
  std::vector<int32_t> inputs;   // -1 = absent optional input
  std::vector<int32_t> outputs;
  ConvParams conv;                           // Conv2D, DepthwiseConv2D
  Activation activation = Activation::kNone; // fused: Conv2D, Depthwise, FullyConnected, Add, Mul
  std::vector<int32_t> ints;                 // Reshape: new shape; Transpose: permutation
  float alpha = 0.2f, beta = 0.5f;           // HardSigmoid
  float min = 0.f, max = 0.f;                // Clamp
  float softmax_beta = 1.f;                  // Softmax
  std::shared_ptr<const FusedMbconv> fused;  // kFusedMbconv: what the node stands for
};

struct ModelMetadata {
  std::string family, base_config;
  float phi = 0, alpha = 0, beta = 0, gamma = 0;
  float width_multiplier = 1, depth_multiplier = 1, resolution_multiplier = 1;
  int32_t input_h = 0, input_w = 0, in_channels = 0, channel_divisor = 8;
  int64_t params_trained = 0;
  std::string producer, producer_version, source;
  std::string input_layout, color_order;
  std::vector<float> mean, std;
  std::vector<std::string> labels;
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;  // in a valid graph, topologically ordered
  std::vector<int32_t> inputs, outputs;
  ModelMetadata metadata;

  // Adds an activation tensor and returns its index.
  int32_t AddTensor(std::string name, Shape shape, DType dtype = DType::kF32);
  // Adds a constant tensor that owns `bytes`.
  int32_t AddConstant(std::string name, Shape shape, DType dtype, std::vector<uint8_t> bytes);
  int32_t AddConstantF32(std::string name, Shape shape, const std::vector<float>& values);
  // Where a node's label for messages: `#3 Conv2D 'blocks.0.conv'`.
  std::string NodeLabel(size_t index) const;
  std::string TensorLabel(int32_t index) const;
};

// Counts shared by inspect, the scaler report and bench.
int64_t NodeMacs(const Graph& g, const Node& n);
int64_t GraphParams(const Graph& g);  // elements of all constant tensors (stored parameters)

}  // namespace scalert

#endif  // SCALERT_RUNTIME_GRAPH_H_
