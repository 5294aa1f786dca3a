#include "tools/latency/profiler.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/latency/latency_model.h"

namespace scalert::latency {

double PassDriftPct(double previous_ms, double current_ms) {
  return previous_ms > 0 ? (current_ms - previous_ms) / previous_ms * 100 : 0;
}

absl::StatusOr<DeviceSetting> ProfileSetting(const std::vector<MicroGraph>& graphs, int threads, Precision precision,
                                             const ProfileSettings& settings, std::string* isa,
                                             const ProfileProgress& progress) {
  std::vector<std::shared_ptr<const Model>> models;
  for (const MicroGraph& m : graphs) {
    auto model = ModelFromGraph(m.graph, m.name);
    if (!model.ok()) return absl::Status(model.status().code(), absl::StrCat(m.name, ": ", model.status().message()));
    models.push_back(*model);
  }
  DeviceSetting out;
  out.threads = threads;
  out.requested_precision = PrecisionName(precision);
  out.sustained = settings.sustained;
  double previous_total = 0;
  const int passes = settings.sustained ? std::max(2, settings.max_passes) : 1;
  for (int pass = 1; pass <= passes; ++pass) {
    DeviceSetting s = out;  // settings only: each pass measures everything again
    s.samples.clear();
    s.graphs.clear();
    double total = 0;
    for (size_t g = 0; g < graphs.size(); ++g) {
      if (progress)
        progress(absl::StrFormat("%d thread(s) %s%s: graph %d/%d %s", threads, PrecisionName(precision),
                                 settings.sustained ? absl::StrCat(" pass ", pass) : "", g + 1, graphs.size(),
                                 graphs[g].name));
      auto t = TimeSteps(models[g], threads, precision, settings.timing);
      if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat(graphs[g].name, ": ", t.status().message()));
      s.precision = PrecisionName(t->effective_precision);
      auto groups = GroupSteps(graphs[g].graph, t->labels, t->empty);
      if (!groups.ok()) return groups.status();
      double steps_ms = 0;
      for (const StepGroup& grp : *groups) {
        StepSample sample;
        sample.kernel = grp.kernel;
        sample.klass = grp.klass;
        sample.nodes = grp.last - grp.first + 1;
        sample.flops = grp.flops;
        sample.bytes = grp.bytes;
        for (int32_t k = grp.first; k <= grp.last; ++k) {
          sample.ms += t->step_ms[static_cast<size_t>(k)];
          if (!t->step_ms_cold.empty()) sample.ms_cold += t->step_ms_cold[static_cast<size_t>(k)];
        }
        sample.graph = graphs[g].name;
        steps_ms += sample.ms;
        if (isa && isa->empty()) *isa = LabelIsa(grp.kernel);
        s.samples.push_back(std::move(sample));
      }
      s.graphs.push_back({graphs[g].name, t->measured_ms, steps_ms});
      total += t->measured_ms;
    }
    if (pass > 1) s.drift_pct = PassDriftPct(previous_total, total);
    out = std::move(s);
    if (pass > 1 && std::abs(out.drift_pct) < settings.drift_tolerance_pct) break;
    previous_total = total;
  }
  return out;
}

}  // namespace scalert::latency
