// The scaler's entry points, shared by `scalert scale` and the tests: resolve what the user
// asked for (family, preset, phi/alpha/beta/gamma, explicit multipliers, resolution) into a
// runnable configuration, build the model with its weights and metadata, and compare its
// counted cost with the family's phi = 0 base.
#ifndef SCALERT_TOOLS_SCALE_SCALER_H_
#define SCALERT_TOOLS_SCALE_SCALER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/scale/architectures.h"
#include "tools/scale/network_builder.h"
#include "tools/scale/scaling.h"

namespace scalert::scale {

// What the user asked for; unset fields take the family's defaults.
struct ScaleRequest {
  std::string family;  // may be empty when `preset` names it or `custom` is set
  // A base network of the user's (family "custom", see block_string.h); a preset then gives only
  // its multipliers and resolution.
  std::shared_ptr<const Architecture> custom;
  std::string preset;  // b0..b7, lite0..lite4
  std::optional<double> phi, alpha, beta, gamma;  // compound coefficients of depth, width, resolution
  std::optional<double> width, depth;             // explicit multipliers (override phi's)
  std::optional<double> rho;                      // resolution multiplier (MobileNet's rho)
  std::optional<std::pair<int32_t, int32_t>> resolution;  // exact H, W in pixels
  int32_t in_channels = 3;
  int32_t divisor = 8;
  uint64_t seed = 0;
  int32_t num_classes = 0;  // 0: the number of labels, or 1000
  std::vector<std::string> labels;
  // Backbone outputs (see ParseFeatureOutputs): "stages", "C3,C4,C5", "2,4,7"; empty: a classifier.
  std::string outputs;
  // Input normalization for apps; empty: ImageNet's for 3 channels, none otherwise.
  std::vector<float> mean, std;
  std::string color_order;
};

// A resolved request: the exact multipliers the user's parameters mean and the rounded,
// runnable network configuration.
struct ScaleSpec {
  Family family = Family::kEfficientNet;
  std::string base_config;  // the preset's name, else the family's base ("b0", "lite0", "1.0")
  double phi = 0;
  bool compound = false;  // phi was given
  CompoundCoefficients coefficients;
  Multipliers exact;               // before rounding
  double exact_h = 224, exact_w = 224;  // resolution before rounding
  NetworkConfig network;           // after rounding of the resolution (channels/repeats: in the plan)
  uint64_t seed = 0;
  std::vector<std::string> labels;
  std::vector<float> mean, std;
  std::string color_order;
};

// Checks every parameter (phi >= 0, multipliers > 0, resolution within the network's limits,
// known family and preset, no conflicting flags) and resolves them.
absl::StatusOr<ScaleSpec> ResolveScaleRequest(const ScaleRequest& request);

struct ScaledModel {
  ScaleSpec spec;
  NetworkPlan plan;
  Graph graph;  // weights filled, metadata set
  int64_t params_trained = 0;
  int64_t params_stored = 0;
  int64_t macs = 0;
};

struct BuildOptions {
  bool weights = true;   // false: shapes, counts and metadata only (weights left zero)
  bool allocate = true;  // with weights false: false leaves the constants without bytes
  int32_t calibration_images = 4;  // the minimum; see WeightInitOptions
};

// Plans, builds and (unless options.weights is false) initializes one model.
absl::StatusOr<ScaledModel> BuildScaledModel(const ScaleSpec& spec, const BuildOptions& options = {});

// The counted cost against the family's phi = 0 base (width 1, depth 1, default resolution, the
// same input channels and classes), next to what the scaling law says.
struct CostComparison {
  int64_t base_macs = 0;
  double counted = 0;    // macs / base_macs
  double unrounded = 0;  // the same network before rounding (see UnroundedMacs) / base_macs
  double ideal = 0;      // d * w^2 * r^2 with the exact multipliers
  double predicted = 0;  // (alpha * beta^2 * gamma^2)^phi (compound requests only)
};
absl::StatusOr<CostComparison> CompareWithBase(const ScaledModel& m);

// The text `scalert scale` prints: the compound law, each stage's rounding, the stem, and the
// counted cost ratio next to the law.
std::string FormatScalingReport(const ScaledModel& m, const CostComparison& cost);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_SCALER_H_
