// Deterministic weights that behave like a trained network's where running and testing need it:
// activations keep their scale through any depth and the logits depend on the input.
//
// He (fan-in) scaling alone does not give that in these nets: without batch norm, means and
// scales drift from layer to layer. So the weights are made the way batch norm with
// re-estimated statistics would make them: layer by layer, each conv runs on a small batch of
// random calibration images, its per-output-channel mean and variance are measured, and a batch
// norm (gamma near 1, small beta) is folded into its weights and bias. Enough calibration
// pixels at the deepest layers keep the statistics true for new inputs too (with too few they
// fit the calibration images only, and new inputs drift further with every layer). Layers
// without batch norm (squeeze-and-excitation 1x1s) get one scale per layer; the fully
// connected layers are centered on the calibration images' median, as trained biases would be.
#ifndef SCALERT_TOOLS_SCALE_WEIGHT_INIT_H_
#define SCALERT_TOOLS_SCALE_WEIGHT_INIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "runtime/graph.h"

namespace scalert::scale {

// How one node's weights are made (one entry per graph node).
enum class InitRule : uint8_t {
  kNone,                   // no weights (pool, add, mul)
  kConvBatchNorm,          // conv + batch norm, folded: per-channel normalization
  kConvBatchNormResidual,  // the same on a residual branch: smaller gamma so sums keep their scale
  kSqueeze,                // SE reduce 1x1 (bias, no batch norm): global scale
  kExcite,                 // SE expand 1x1 feeding the gate: global scale
  kHiddenLinear,           // MobileNetV3 classifier hidden layer: centered, global scale
  kClassifier,             // last fully connected layer: centered, global scale
};

struct WeightInitOptions {
  uint64_t seed = 0;
  int32_t calibration_images = 4;  // at least this many images,
  int32_t deep_samples = 128;       // more until the 1/32-size maps have this many pixels,
  int32_t max_images = 32;          // but at most this many
  // The calibration images are the model's input size, shrunk (keeping the aspect) until one
  // image costs at most this many MACs, so that B7 stays fast; never below 32 pixels a side.
  int64_t calibration_macs_per_image = 1000000000;
};

// Fills every weight and bias named by `rules` (constant tensors whose shapes are already set;
// their contents are replaced). Nodes must be in topological order; supported node types:
// Conv2D, DepthwiseConv2D, FullyConnected, GlobalAveragePool, Add, Mul.
absl::Status InitializeWeights(Graph* g, const std::vector<InitRule>& rules, const WeightInitOptions& options);

// The input batch used for calibration: `count` images [h, w, c] of i.i.d. uniform values in
// [-1, 1) (what `scalert run` and the tests feed), as one NHWC buffer.
std::vector<float> CalibrationImages(int32_t count, int32_t h, int32_t w, int32_t c, uint64_t seed);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_WEIGHT_INIT_H_
