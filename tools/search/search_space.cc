#include "tools/search/search_space.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/scale/network_builder.h"

namespace scalert::search {

int32_t ChannelDivisorForIsa(const std::string& isa) {
  if (isa.rfind("avx512", 0) == 0) return 16;
  return 8;  // avx2: 8 floats; neon (4) and portable: the architectures' own 8
}

int32_t RoundToMultiple(double value, int32_t multiple) {
  if (multiple < 1) multiple = 1;
  return std::max<int32_t>(multiple, static_cast<int32_t>(std::lround(value / multiple)) * multiple);
}

std::string DescribeSpec(const scale::ScaleSpec& s) {
  const std::string res = absl::StrFormat("%dx%d", s.network.input_h, s.network.input_w);
  if (s.compound)
    return absl::StrFormat("phi %.2f (a%.3g b%.3g g%.3g) %s", s.phi, s.coefficients.alpha, s.coefficients.beta,
                           s.coefficients.gamma, res);
  return absl::StrFormat("width %.2f %s", s.exact.width, res);
}

absl::StatusOr<std::vector<scale::ScaleSpec>> EnumerateSpace(const SpaceOptions& o) {
  if (!(o.res_multiple == 8 || o.res_multiple == 32))
    return absl::InvalidArgumentError(absl::StrCat("--res-multiple must be 8 or 32, found ", o.res_multiple));
  std::vector<scale::ScaleRequest> requests;
  scale::ScaleRequest base;
  base.family = o.family;
  base.divisor = o.divisor;
  if (o.family == "efficientnet" || o.family == "efficientnet_lite") {
    if (!(o.phi_max >= 0 && o.phi_max <= 8) || !(o.phi_step > 0))
      return absl::InvalidArgumentError("--phi-max must be in [0, 8] and the phi step > 0");
    std::vector<scale::CompoundCoefficients> coeffs = {{1.2, 1.1, 1.15}};
    if (o.free_coefficients) {
      // alpha and beta on a grid, gamma from alpha * beta^2 * gamma^2 = 2 (FLOPs double per phi).
      coeffs.clear();
      for (double a : {1.1, 1.2, 1.3, 1.4})
        for (double b : {1.0, 1.05, 1.1, 1.15, 1.2}) {
          const double g2 = 2 / (a * b * b);
          if (g2 >= 1) coeffs.push_back({a, b, std::sqrt(g2)});
        }
    }
    for (const scale::CompoundCoefficients& c : coeffs)
      for (double phi = 0; phi <= o.phi_max + 1e-9; phi += o.phi_step) {
        scale::ScaleRequest r = base;
        r.phi = phi;
        r.alpha = c.alpha, r.beta = c.beta, r.gamma = c.gamma;
        const double res = 224 * std::pow(c.gamma, phi);
        const int32_t px = RoundToMultiple(res, o.res_multiple);
        r.resolution = std::make_pair(px, px);
        requests.push_back(r);
      }
  } else {
    if (!(o.width_min > 0 && o.width_max >= o.width_min && o.width_step > 0))
      return absl::InvalidArgumentError("the width range must be positive and ordered");
    if (o.res_min < 32 || o.res_max < o.res_min || o.res_max > 4096)
      return absl::InvalidArgumentError("the resolution range must be within [32, 4096] and ordered");
    for (double w = o.width_min; w <= o.width_max + 1e-9; w += o.width_step)
      for (int32_t px = RoundToMultiple(o.res_min, o.res_multiple); px <= o.res_max; px += o.res_multiple) {
        if (px < o.res_min) continue;
        scale::ScaleRequest r = base;
        r.width = std::round(w * 1000) / 1000;
        r.resolution = std::make_pair(px, px);
        requests.push_back(r);
      }
  }
  std::vector<scale::ScaleSpec> specs;
  std::set<std::string> seen;
  for (const scale::ScaleRequest& r : requests) {
    auto s = scale::ResolveScaleRequest(r);
    if (!s.ok()) return s.status();
    auto plan = scale::PlanNetwork(s->network);
    if (!plan.ok()) return plan.status();
    // The same network after rounding: every block's channels and the input size.
    std::string key = absl::StrCat(s->network.input_h, "x", s->network.input_w, ":", plan->stem, ":", plan->head);
    for (const scale::BlockPlan& b : plan->blocks) absl::StrAppend(&key, ",", b.in, "/", b.expanded, "/", b.out);
    if (seen.insert(key).second) specs.push_back(*s);
  }
  return specs;
}

std::vector<size_t> ParetoFront(const std::vector<Scored>& c) {
  std::vector<size_t> order(c.size());
  for (size_t i = 0; i < c.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (c[a].latency_ms != c[b].latency_ms) return c[a].latency_ms < c[b].latency_ms;
    return c[a].accuracy > c[b].accuracy;
  });
  std::vector<size_t> front;
  double best = -1e300;
  for (size_t i : order) {
    if (!(c[i].latency_ms >= 0) || !std::isfinite(c[i].accuracy)) continue;
    if (c[i].accuracy > best) {
      front.push_back(i);
      best = c[i].accuracy;
    }
  }
  return front;
}

double Utility(const Scored& s, double lambda_latency, double lambda_memory) {
  return s.accuracy - lambda_latency * s.latency_ms - lambda_memory * s.memory_mb;
}

int64_t Choose(const std::vector<Scored>& c, double budget_ms, bool utility) {
  int64_t best = -1;
  for (size_t i = 0; i < c.size(); ++i) {
    if (budget_ms > 0 && !(c[i].latency_ms <= budget_ms)) continue;
    const double v = utility ? c[i].utility : c[i].accuracy;
    const double bv = best < 0 ? 0 : (utility ? c[best].utility : c[best].accuracy);
    if (best < 0 || v > bv || (v == bv && c[i].latency_ms < c[best].latency_ms)) best = static_cast<int64_t>(i);
  }
  return best;
}

}  // namespace scalert::search
