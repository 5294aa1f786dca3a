#include "tools/scale/scaling.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace scalert::scale {

int32_t MakeDivisible(double value, int32_t divisor, int32_t min_value) {
  if (min_value <= 0) min_value = divisor;
  int64_t rounded = static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor;
  int64_t v = std::max<int64_t>(min_value, rounded);
  if (static_cast<double>(v) < 0.9 * value) v += divisor;
  return static_cast<int32_t>(v);
}

int32_t ScaleRepeats(int32_t repeats, double depth) {
  return static_cast<int32_t>(std::ceil(repeats * depth));
}

int32_t ScaleResolution(int32_t base, double multiplier) {
  return std::max<int32_t>(8, static_cast<int32_t>(std::lround(base * multiplier / 8.0)) * 8);
}

Multipliers CompoundMultipliers(double phi, const CompoundCoefficients& c) {
  return {std::pow(c.alpha, phi), std::pow(c.beta, phi), std::pow(c.gamma, phi)};
}

double FlopsGrowthPerPhi(const CompoundCoefficients& c) { return c.alpha * c.beta * c.beta * c.gamma * c.gamma; }

double PredictedFlopsFactor(double phi, const CompoundCoefficients& c) { return std::pow(FlopsGrowthPerPhi(c), phi); }

double IdealCostFactor(const Multipliers& m) { return m.depth * m.width * m.width * m.resolution * m.resolution; }

const std::vector<Preset>& Presets() {
  // EfficientNet: (width, depth, resolution) of the paper and torchvision's efficientnet_b*.
  // EfficientNet-Lite: tensorflow/tpu models/official/efficientnet/lite/efficientnet_lite_builder.py.
  static const std::vector<Preset> kPresets = {
      {"b0", "efficientnet", 1.0, 1.0, 224},       {"b1", "efficientnet", 1.0, 1.1, 240},
      {"b2", "efficientnet", 1.1, 1.2, 260},       {"b3", "efficientnet", 1.2, 1.4, 300},
      {"b4", "efficientnet", 1.4, 1.8, 380},       {"b5", "efficientnet", 1.6, 2.2, 456},
      {"b6", "efficientnet", 1.8, 2.6, 528},       {"b7", "efficientnet", 2.0, 3.1, 600},
      {"lite0", "efficientnet_lite", 1.0, 1.0, 224}, {"lite1", "efficientnet_lite", 1.0, 1.1, 240},
      {"lite2", "efficientnet_lite", 1.1, 1.2, 260}, {"lite3", "efficientnet_lite", 1.2, 1.4, 280},
      {"lite4", "efficientnet_lite", 1.4, 1.8, 300},
  };
  return kPresets;
}

const Preset* FindPreset(const std::string& name) {
  for (const Preset& p : Presets())
    if (name == p.name) return &p;
  return nullptr;
}

namespace {

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  *out = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

}  // namespace

absl::StatusOr<std::pair<int32_t, int32_t>> ParseResolution(const std::string& s) {
  size_t x = s.find_first_of("xX");
  int64_t h = 0, w = 0;
  bool ok = x == std::string::npos ? ParseInt(s, &h) && ParseInt(s, &w)
                                   : ParseInt(s.substr(0, x), &h) && ParseInt(s.substr(x + 1), &w);
  if (!ok)
    return absl::InvalidArgumentError(absl::StrCat(
        "--resolution expects pixels as N or HxW (e.g. 224 or 240x320), got '", s,
        "'; for a resolution multiplier use --rho"));
  return std::make_pair(static_cast<int32_t>(h), static_cast<int32_t>(w));
}

absl::StatusOr<std::vector<double>> ParsePhiList(const std::string& s) {
  size_t colon = s.find(':');
  if (colon == std::string::npos) {
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
      return absl::InvalidArgumentError(absl::StrCat("--phi expects a number or a range A:B, got '", s, "'"));
    return std::vector<double>{v};
  }
  int64_t a = 0, b = 0;
  if (!ParseInt(s.substr(0, colon), &a) || !ParseInt(s.substr(colon + 1), &b) || a > b)
    return absl::InvalidArgumentError(
        absl::StrCat("--phi range expects non-negative integers A:B with A <= B (e.g. 0:7), got '", s, "'"));
  std::vector<double> r;
  for (int64_t p = a; p <= b; ++p) r.push_back(static_cast<double>(p));
  return r;
}

}  // namespace scalert::scale
