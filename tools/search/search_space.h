// The candidates of a hardware-aware search, as small pure functions: the scaling coefficients
// of a family on a grid (EfficientNet: phi with alpha, beta, gamma fixed or free under
// alpha * beta^2 * gamma^2 = 2; MobileNet: width alpha and resolution rho), each rounded the
// way the hardware likes (channels to a divisor of the kernels' vector width, resolutions to a
// multiple of 8 or 32, integer repeats), then the Pareto front and the choice under a budget.
#ifndef SCALERT_TOOLS_SEARCH_SEARCH_SPACE_H_
#define SCALERT_TOOLS_SEARCH_SEARCH_SPACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/scale/scaler.h"

namespace scalert::search {

struct SpaceOptions {
  std::string family;            // efficientnet, mobilenet_v2, mobilenet_v3_large, ...
  bool free_coefficients = false;  // EfficientNet: search alpha, beta, gamma too
  double phi_max = 3;            // EfficientNet
  double phi_step = 0.25;
  double width_min = 0.25, width_max = 1.5, width_step = 0.05;  // MobileNet
  int32_t res_min = 96, res_max = 320;                           // MobileNet, pixels
  int32_t res_multiple = 8;      // 8 or 32
  int32_t divisor = 8;           // channels
};

// What the kernels' vector width asks of channel counts: 8 floats (AVX2), 16 (AVX-512), 4 (NEON),
// never below 8 (the published architectures' own divisor).
int32_t ChannelDivisorForIsa(const std::string& isa);

// `value` rounded to the nearest multiple of `multiple` (at least one multiple).
int32_t RoundToMultiple(double value, int32_t multiple);

// The scale requests of the space, each resolved (distinct requests that round to the same
// network are kept once, the first).
absl::StatusOr<std::vector<scale::ScaleSpec>> EnumerateSpace(const SpaceOptions& o);

// A short description: "phi 1.25 (a1.2 b1.1 g1.15) 256x256" / "width 0.75 192x192".
std::string DescribeSpec(const scale::ScaleSpec& s);

struct Scored {
  double latency_ms = 0;  // predicted
  double accuracy = 0;    // proxy, percent
  double memory_mb = 0;   // weights + activation arena
  double utility = 0;
};

// Indices of the Pareto front (no other candidate is at least as fast and at least as
// accurate and better in one), sorted by latency.
std::vector<size_t> ParetoFront(const std::vector<Scored>& c);

// The candidate the objective picks among those with latency <= budget (budget <= 0: no
// limit): the highest accuracy ("accuracy") or utility ("utility"). -1 when none fits.
int64_t Choose(const std::vector<Scored>& c, double budget_ms, bool utility);

// accuracy - lambda_latency * ms - lambda_memory * MB.
double Utility(const Scored& s, double lambda_latency, double lambda_memory);

}  // namespace scalert::search

#endif  // SCALERT_TOOLS_SEARCH_SEARCH_SPACE_H_
