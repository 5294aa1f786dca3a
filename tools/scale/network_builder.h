// Turns an architecture table and a set of runnable multipliers into a plan (every block's
// channels, kernel, stride, SE width) and then into a graph in the canonical op form shared
// with the ONNX importer:
//   input "input" NHWC [1, H, W, Cin];
//   conv + batch norm + activation = one Conv2D / DepthwiseConv2D with bias and fused activation;
//   SE = GlobalAveragePool -> Conv2D 1x1 (bias, act) -> Conv2D 1x1 (bias, gate) -> Mul(x, gate);
//   residual = Add(project_out, block_in); no Dropout, no Softmax (the output is logits);
//   classifier = GlobalAveragePool -> FullyConnected on [N, 1, 1, C] (MobileNetV3: -> FC -> FC).
// Op names follow torchvision's module paths (e.g. "features.1.0.block.1").
#ifndef SCALERT_TOOLS_SCALE_NETWORK_BUILDER_H_
#define SCALERT_TOOLS_SCALE_NETWORK_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/scale/architectures.h"
#include "tools/scale/weight_init.h"

namespace scalert::scale {

// A feature map the network gives out instead of logits: the end of one stage.
struct FeatureOutput {
  int32_t stage = 0;  // 1-based, as the report numbers stages (torchvision's features.<stage> for EfficientNet)
  std::string name;   // the output tensor's name: "C3", "stage3"
};

// Runnable multipliers of one architecture (already resolved from phi / presets / flags).
struct NetworkConfig {
  Family family = Family::kEfficientNet;
  std::shared_ptr<const Architecture> custom;  // the base of a kCustom family (see block_string.h)
  double width = 1, depth = 1;
  int32_t input_h = 224, input_w = 224;
  int32_t in_channels = 3;
  int32_t divisor = 8;
  int32_t num_classes = 1000;
  // Empty: a classifier (head conv, pool, logits). Otherwise a backbone: these stage ends are the
  // outputs, in this order; no head, and no blocks after the last of them.
  std::vector<FeatureOutput> outputs;
};

// The architecture a config builds: its custom base, else the built-in family's table.
const Architecture& ArchitectureOf(const NetworkConfig& config);

struct BlockPlan {
  std::string name;  // module path of the block, e.g. "features.2.1"
  int32_t stage = 0;
  BlockType type = BlockType::kInvertedResidual;
  int32_t in = 0, expanded = 0, out = 0;
  bool expand_conv = false;  // inverted residual: a 1x1 expand conv before the depthwise
  int32_t kernel = 3, stride = 1;
  int32_t se = 0;  // squeeze width, 0 = no SE
  Activation act = Activation::kNone;
  bool residual = false;
  double exact_in = 0, exact_expanded = 0, exact_out = 0, exact_se = 0;  // before channel rounding
  double weight = 1;  // share of this block in the unrounded depth (the last one may be partial)
};

// What rounding did to one stage, for the report.
struct StagePlan {
  int32_t base_repeats = 0;
  double exact_repeats = 0;  // base_repeats * depth
  int32_t repeats = 0;
  int32_t base_out = 0;
  double exact_out = 0;  // base_out * width
  int32_t out = 0;
  bool depth_fixed = false;  // EfficientNet-Lite's first and last stages
};

struct NetworkPlan {
  NetworkConfig config;
  int32_t stem = 0;
  std::vector<BlockPlan> blocks;
  std::vector<StagePlan> stages;
  int32_t head = 0;               // 0: no head conv
  int32_t classifier_hidden = 0;  // 0: no hidden fully connected layer
};

// Pure: the plan of one scaled network. Fails on non-positive multipliers, divisor or sizes, and
// on outputs naming a stage the network does not have.
absl::StatusOr<NetworkPlan> PlanNetwork(const NetworkConfig& config);

// MACs of the same network before any rounding: fractional channels (c * width), repeats
// (n * depth) and pixels (exact_h x exact_w). Compared with the built count it shows what
// rounding did; compared with d * w^2 * r^2, what the law leaves out (stem input channels,
// squeeze-and-excitation, classifier). Equals the built count when nothing was rounded.
double UnroundedMacs(const NetworkPlan& plan, double exact_h, double exact_w);

struct BuiltNetwork {
  Graph graph;
  std::vector<InitRule> init;  // one per node: how weight_init fills its weights
  int64_t bn_channels = 0;     // batch-norm widths folded into biases (trained = stored + this)
};

// Emits the graph of a plan. Weight and bias tensors have their shapes but no bytes yet, so a
// too-large request can be refused before anything big is allocated; shapes, params and MACs
// are final. InitializeWeights (or AllocateWeights) gives them their contents.
absl::StatusOr<BuiltNetwork> BuildNetwork(const NetworkPlan& plan);

// A contiguous part of a planned network (for micro-benchmarks of its pieces): the stem, blocks
// [first_block, last_block] (none when last < first) and the head (head conv, pool,
// classifier). Its input is the tensor that part sees inside the whole network.
struct NetworkSlice {
  bool stem = true;
  int32_t first_block = 0, last_block = -1;
  bool head = true;
};
absl::StatusOr<BuiltNetwork> BuildNetworkSlice(const NetworkPlan& plan, const NetworkSlice& slice);

// Gives every constant without bytes its size in zeros (for shape-and-count-only models).
void AllocateWeights(Graph* g);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_NETWORK_BUILDER_H_
