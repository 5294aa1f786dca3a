// Scaling rules as small pure functions: channel rounding, repeat rounding, resolution rounding,
// compound scaling (depth = alpha^phi, width = beta^phi, resolution = gamma^phi) and the
// official EfficientNet / EfficientNet-Lite presets.
#ifndef SCALERT_TOOLS_SCALE_SCALING_H_
#define SCALERT_TOOLS_SCALE_SCALING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::scale {

// torchvision's / TensorFlow's _make_divisible: rounds `value` to the nearest multiple of
// `divisor` (at least `min_value`, default `divisor`), then adds one divisor if that lost more
// than 10% of `value`. The result is never below 90% of `value`.
int32_t MakeDivisible(double value, int32_t divisor, int32_t min_value = 0);

// Repeats of a stage scaled by the depth multiplier, rounded up: ceil(repeats * depth).
int32_t ScaleRepeats(int32_t repeats, double depth);

// A resolution in pixels from a base and a multiplier, rounded to the nearest multiple of 8
// (at least 8).
int32_t ScaleResolution(int32_t base, double multiplier);

// The compound-scaling coefficients of the EfficientNet paper: depth alpha, width beta,
// resolution gamma (defaults from its grid search on B0).
struct CompoundCoefficients {
  double alpha = 1.2;
  double beta = 1.1;
  double gamma = 1.15;
};

struct Multipliers {
  double depth = 1, width = 1, resolution = 1;
};

// depth = alpha^phi, width = beta^phi, resolution = gamma^phi.
Multipliers CompoundMultipliers(double phi, const CompoundCoefficients& c);
// alpha * beta^2 * gamma^2: the FLOPs growth per unit of phi.
double FlopsGrowthPerPhi(const CompoundCoefficients& c);
// (alpha * beta^2 * gamma^2)^phi: the FLOPs factor the law predicts against phi = 0.
double PredictedFlopsFactor(double phi, const CompoundCoefficients& c);
// d * w^2 * r^2: the cost factor of a set of multipliers before any rounding.
double IdealCostFactor(const Multipliers& m);

// A named member of a published family (EfficientNet B0..B7, EfficientNet-Lite 0..4).
struct Preset {
  const char* name;
  const char* family;  // FamilyName() of the family it belongs to
  double width, depth;
  int32_t resolution;
};
const std::vector<Preset>& Presets();
// Null when `name` is not a preset.
const Preset* FindPreset(const std::string& name);

// "N" or "HxW" (pixels) -> {H, W}. Rejects anything else with a message naming the value.
absl::StatusOr<std::pair<int32_t, int32_t>> ParseResolution(const std::string& s);

// "P" -> {P}; "A:B" (integers, A <= B) -> {A, A+1, ..., B}.
absl::StatusOr<std::vector<double>> ParsePhiList(const std::string& s);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_SCALING_H_
