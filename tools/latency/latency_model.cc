#include "tools/latency/latency_model.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/bench/profile.h"

namespace scalert::latency {
namespace {

// Suffixes the native backend's labels carry for their ISA level.
constexpr const char* kIsaNames[] = {"portable", "avx2", "avx512", "neon", "avx512vnni", "avx512fp16", "neonfp16",
                                     "neondot", "neonfhm", "sse4"};

struct LinearFit {
  double c0 = 0, a = 0, sq = 0;  // t = c0 + a * x, weighted squared relative error
  bool ok = false;
};

// Weighted least squares of t = c0 + a x with weights 1/t^2 (relative error), c0 >= 0, a >= 0.
LinearFit FitLine(const std::vector<double>& x, const std::vector<double>& t) {
  double sw = 0, sx = 0, sxx = 0, st = 0, sxt = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double w = 1 / (t[i] * t[i]);
    sw += w, sx += w * x[i], sxx += w * x[i] * x[i], st += w * t[i], sxt += w * x[i] * t[i];
  }
  LinearFit f;
  const double det = sw * sxx - sx * sx;
  if (det > 1e-12 * sw * sxx && sxx > 0) {
    f.c0 = (sxx * st - sx * sxt) / det;
    f.a = (sw * sxt - sx * st) / det;
  }
  if (!(det > 1e-12 * sw * sxx) || f.c0 < 0 || f.a < 0) {
    // Through the origin (a pure roof), or a constant when x carries no information.
    f.c0 = 0;
    f.a = sxx > 0 ? sxt / sxx : 0;
    if (!(f.a > 0)) f.c0 = st / sw, f.a = 0;
  }
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = (f.c0 + f.a * x[i] - t[i]) / t[i];
    f.sq += r * r;
  }
  f.ok = std::isfinite(f.sq);
  return f;
}

}  // namespace

std::string KernelClass(const std::string& label) {
  const size_t us = label.rfind('_');
  if (us == std::string::npos) return label;
  const std::string last = label.substr(us + 1);
  for (const char* isa : kIsaNames)
    if (last == isa) return label.substr(0, us);
  return label;
}

std::string LabelIsa(const std::string& label) {
  const std::string c = KernelClass(label);
  return c.size() < label.size() ? label.substr(c.size() + 1) : "";
}

double RooflineMs(const RooflineParams& p, double flops, double bytes) {
  const double compute = p.gflops > 0 ? flops / (p.gflops * 1e6) : 0;
  const double memory = p.gbps > 0 ? bytes / (p.gbps * 1e6) : 0;
  return p.overhead_ms + std::max(compute, memory);
}

absl::StatusOr<RooflineParams> FitRoofline(const std::vector<FitPoint>& points) {
  std::vector<const FitPoint*> use;
  for (const FitPoint& s : points)
    if (s.ms > 0 && std::isfinite(s.ms) && std::isfinite(s.flops) && std::isfinite(s.bytes)) use.push_back(&s);
  if (use.empty()) return absl::InvalidArgumentError("no sample with a positive time to fit");
  std::vector<double> t, x(use.size());
  for (const FitPoint* s : use) t.push_back(s->ms);
  LinearFit best;
  double best_ridge = 0;
  // Ridge intensities from 1e-3 to 1e4 FLOP/byte; x = max(F, B * ridge) in FLOPs.
  for (int k = 0; k <= 280; ++k) {
    const double ridge = std::pow(10.0, -3 + k * 0.025);
    for (size_t i = 0; i < use.size(); ++i) x[i] = std::max(use[i]->flops, use[i]->bytes * ridge);
    LinearFit f = FitLine(x, t);
    if (f.ok && (!best.ok || f.sq < best.sq * (1 - 1e-9))) best = f, best_ridge = ridge;
  }
  if (!best.ok) return absl::InvalidArgumentError("the roofline fit did not converge");
  RooflineParams p;
  p.overhead_ms = best.c0;
  p.samples = static_cast<int32_t>(use.size());
  p.rms_rel_error = std::sqrt(best.sq / static_cast<double>(use.size()));
  if (best.a > 0) {
    p.gflops = 1 / best.a / 1e6;     // a is ms per FLOP
    p.gbps = p.gflops / best_ridge;  // bytes/ms at the ridge = (FLOP/ms) / ridge
  }
  return p;
}

namespace {

absl::StatusOr<ClassFit> FitClass(const std::vector<StepSample>& samples) {
  std::vector<FitPoint> warm, cold;
  for (const StepSample& s : samples) {
    warm.push_back({s.flops, s.bytes, s.ms});
    if (s.ms_cold > 0) cold.push_back({s.flops, s.bytes, s.ms_cold});
  }
  ClassFit f;
  auto w = FitRoofline(warm);
  if (!w.ok()) return w.status();
  f.warm = f.cold = *w;
  if (!cold.empty()) {
    auto c = FitRoofline(cold);
    if (!c.ok()) return c.status();
    f.cold = *c;
    f.has_cold = true;
  }
  return f;
}

double ClassMs(const ClassFit& f, double flops, double bytes, double warm_weight) {
  return warm_weight * RooflineMs(f.warm, flops, bytes) + (1 - warm_weight) * RooflineMs(f.cold, flops, bytes);
}

}  // namespace

absl::StatusOr<LatencyModel> FitLatencyModel(const DeviceSetting& setting, const DeviceInfo& device) {
  LatencyModel m;
  m.threads = setting.threads;
  m.precision = setting.precision;
  m.isa = device.isa;
  m.l3_bytes = device.l3_bytes;
  std::map<std::string, std::vector<StepSample>> by_class;
  double flops = 0, ms = 0;
  for (const StepSample& s : setting.samples) {
    by_class[s.klass].push_back(s);
    if (s.nodes > 1) m.fused_classes.insert(s.klass);
    flops += s.flops;
    ms += s.ms;
  }
  for (const auto& [c, samples] : by_class) {
    auto f = FitClass(samples);
    if (!f.ok())
      return absl::InvalidArgumentError(absl::StrCat("kernel class '", c, "' (", setting.threads,
                                                     " thread(s)): ", f.status().message()));
    m.classes[c] = *f;
  }
  auto pooled = FitClass(setting.samples);
  if (!pooled.ok()) return pooled.status();
  m.pooled = *pooled;
  m.ms_per_flop = flops > 0 ? ms / flops : 0;
  return m;
}

std::string FormatFit(const LatencyModel& m) {
  std::string s = absl::StrFormat("  %-34s %7s | %-33s | %-33s\n", "class (label+activation[@1x1])", "samples",
                                  "warm: overhead ms  GFLOP/s   GB/s rms", "cold: overhead ms  GFLOP/s   GB/s rms");
  auto roof = [](const RooflineParams& p) {
    return absl::StrFormat("%10.4f %8.2f %7.2f %3.0f%%", p.overhead_ms, p.gflops, p.gbps, 100 * p.rms_rel_error);
  };
  auto line = [&](const std::string& name, const ClassFit& f) {
    absl::StrAppend(&s, absl::StrFormat("  %-34s %7d | %-33s | %-33s\n", name, f.warm.samples, roof(f.warm),
                                        f.has_cold ? roof(f.cold) : "(not measured)"));
  };
  for (const auto& [c, f] : m.classes) line(c + (m.fused_classes.count(c) ? " (fused)" : ""), f);
  line("(all samples pooled)", m.pooled);
  return s;
}

double WarmWeight(int64_t footprint_bytes, int64_t l3_bytes) {
  if (l3_bytes <= 0) return 0.5;
  const double r = static_cast<double>(footprint_bytes) / static_cast<double>(l3_bytes);
  return std::clamp(1.5 - r, 0.0, 1.0);
}

std::string GroupClass(const Graph& g, const std::string& label, int32_t first, int32_t last) {
  const Node& n = g.nodes[static_cast<size_t>(first)];
  std::string c = absl::StrCat(KernelClass(label), "+", ActivationName(n.activation));
  const Node& l = g.nodes[static_cast<size_t>(last)];
  if (!l.outputs.empty() && l.outputs[0] >= 0) {
    const Shape& s = g.tensors[static_cast<size_t>(l.outputs[0])].shape;
    if (s.size() == 4 && s[1] * s[2] == 1) absl::StrAppend(&c, "@1x1");
  }
  return c;
}

absl::StatusOr<std::vector<StepGroup>> GroupSteps(const Graph& g, const std::vector<std::string>& labels,
                                                  const std::vector<bool>& empty) {
  if (labels.size() != g.nodes.size())
    return absl::InvalidArgumentError(absl::StrCat("the executable described ", labels.size(), " steps for ",
                                                   g.nodes.size(), " graph nodes"));
  if (!empty.empty() && empty.size() != labels.size())
    return absl::InvalidArgumentError("one 'empty' flag per step is needed");
  std::vector<StepGroup> groups;
  for (size_t i = 0; i < labels.size(); ++i) {
    size_t j = i;
    // An empty step's work runs at the next step with the same label.
    while (!empty.empty() && empty[j] && j + 1 < labels.size() && labels[j + 1] == labels[i]) ++j;
    StepGroup s;
    s.first = static_cast<int32_t>(i);
    s.last = static_cast<int32_t>(j);
    s.kernel = labels[j];
    s.klass = GroupClass(g, s.kernel, s.first, s.last);
    for (size_t k = i; k <= j; ++k) s.flops += 2.0 * static_cast<double>(NodeMacs(g, g.nodes[k]));
    s.bytes = static_cast<double>(bench::BlockBytes(g, s.first, s.last));
    groups.push_back(s);
    i = j;
  }
  return groups;
}

NetworkPrediction PredictGroups(const LatencyModel& m, const std::vector<StepGroup>& groups, double warm_weight) {
  NetworkPrediction r;
  r.warm_weight = warm_weight;
  std::set<std::string> unprofiled;
  for (const StepGroup& s : groups) {
    GroupPrediction p;
    p.group = s;
    auto it = m.classes.find(s.klass);
    p.profiled = it != m.classes.end();
    if (!p.profiled) unprofiled.insert(s.klass);
    p.ms = ClassMs(p.profiled ? it->second : m.pooled, s.flops, s.bytes, warm_weight);
    p.flop_ms = s.flops * m.ms_per_flop;
    r.total_ms += p.ms;
    r.flop_total_ms += p.flop_ms;
    r.groups.push_back(p);
  }
  r.unprofiled.assign(unprofiled.begin(), unprofiled.end());
  return r;
}

}  // namespace scalert::latency
