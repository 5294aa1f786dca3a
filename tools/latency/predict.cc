#include "tools/latency/predict.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/json.h"
#include "tools/model_summary.h"
#include "tools/latency/native_steps.h"

namespace scalert::latency {

absl::StatusOr<ModelPrediction> PredictWithModel(std::shared_ptr<const Model> model, const LatencyModel& fitted) {
  Precision precision;
  if (!ParsePrecision(fitted.precision, &precision)) precision = Precision::kF32;
  const Graph& g = model->graph();
  // Fused blocks are only looked for when the profile saw any (finding them runs the model).
  auto plan = DescribeNativePlan(model, fitted.threads, precision, !fitted.fused_classes.empty());
  if (!plan.ok()) return plan.status();
  auto groups = GroupSteps(g, plan->labels, plan->empty);
  if (!groups.ok()) return groups.status();
  ModelPrediction r;
  r.footprint_bytes = plan->footprint_bytes;
  r.network = PredictGroups(fitted, *groups, WarmWeight(plan->footprint_bytes, fitted.l3_bytes));
  if (!r.network.unprofiled.empty())
    r.notes.push_back(absl::StrCat("kernels the profile never measured (predicted with the pooled fit; make a fresh "
                                   "profile if the native backend changed): ",
                                   absl::StrJoin(r.network.unprofiled, ", ")));
  for (const std::string& label : plan->labels) {
    const std::string isa = LabelIsa(label);
    if (!isa.empty() && isa != fitted.isa) {
      r.notes.push_back(absl::StrCat("kernels here run at ", isa, ", the profile's at ", fitted.isa,
                                     ": step classes are matched without the level"));
      break;
    }
  }
  return r;
}

absl::StatusOr<ModelPrediction> PredictModel(std::shared_ptr<const Model> model, const DeviceProfile& profile,
                                             int threads, const std::string& precision) {
  auto setting = FindSetting(profile, threads, precision);
  if (!setting.ok()) return setting.status();
  auto fitted = FitLatencyModel(**setting, profile.device);
  if (!fitted.ok()) return fitted.status();
  return PredictWithModel(std::move(model), *fitted);
}

namespace {

std::string GroupName(const Graph& g, const StepGroup& s) {
  std::string name = g.nodes[static_cast<size_t>(s.first)].name;
  if (s.last > s.first) absl::StrAppend(&name, " .. ", g.nodes[static_cast<size_t>(s.last)].name, " (fused)");
  return absl::StrCat("#", s.first, " ", name);
}

}  // namespace

std::string SettingLabel(const DeviceProfile& profile, int threads, const std::string& precision) {
  return absl::StrCat(profile.device.cpu, " (", profile.device.isa, "), ", threads, " thread(s) ", precision);
}

std::string FormatPrediction(const Graph& g, const ModelPrediction& p, const std::string& label) {
  std::string s = absl::StrCat("predicted latency on ", label, "\n");
  absl::StrAppend(&s, absl::StrFormat("  %-44s %-24s %14s %12s %10s %10s\n", "step", "kernel", "FLOPs", "bytes",
                                      "model ms", "FLOP-prop"));
  for (const GroupPrediction& gp : p.network.groups) {
    std::string name = GroupName(g, gp.group);
    if (name.size() > 44) name = name.substr(0, 41) + "...";
    absl::StrAppend(&s, absl::StrFormat("  %-44s %-24s %14s %12s %10.4f %10.4f%s\n", name, gp.group.kernel,
                                        tools::WithCommas(static_cast<int64_t>(gp.group.flops)),
                                        tools::WithCommas(static_cast<int64_t>(gp.group.bytes)), gp.ms, gp.flop_ms,
                                        gp.profiled ? "" : "  (not profiled)"));
  }
  absl::StrAppend(&s, absl::StrFormat("  %-44s %-24s %14s %12s %10.3f %10.3f\n", "total", "", "", "",
                                      p.network.total_ms, p.network.flop_total_ms));
  absl::StrAppend(&s, absl::StrFormat("  caches: %.0f%% warm (weights + activations against the last-level cache)\n",
                                      100 * p.network.warm_weight));
  for (const std::string& n : p.notes) absl::StrAppend(&s, "note: ", n, "\n");
  return s;
}

std::string PredictionJson(const Graph& g, const ModelPrediction& p, const std::string& label) {
  std::vector<std::string> layers, notes;
  for (const GroupPrediction& gp : p.network.groups)
    layers.push_back(tools::JsonObject()
                         .Str("name", GroupName(g, gp.group))
                         .Str("kernel", gp.group.kernel)
                         .Int("nodes", gp.group.last - gp.group.first + 1)
                         .Num("flops", gp.group.flops)
                         .Num("bytes", gp.group.bytes)
                         .Num("predicted_ms", gp.ms)
                         .Num("flop_proportional_ms", gp.flop_ms)
                         .Raw("profiled", gp.profiled ? "true" : "false")
                         .str());
  for (const std::string& n : p.notes) notes.push_back(tools::JsonString(n));
  return tools::JsonObject()
      .Str("setting", label)
      .Num("predicted_ms", p.network.total_ms)
      .Num("flop_proportional_ms", p.network.flop_total_ms)
      .Num("warm_weight", p.network.warm_weight)
      .Raw("layers", tools::JsonArray(layers))
      .Raw("notes", tools::JsonArray(notes))
      .str();
}

}  // namespace scalert::latency
