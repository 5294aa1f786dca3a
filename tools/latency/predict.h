// Whole-network prediction from a device profile: prepare the model on the native backend to
// learn its steps (labels and fused blocks), then sum the fitted per-class roofline times.
#ifndef SCALERT_TOOLS_LATENCY_PREDICT_H_
#define SCALERT_TOOLS_LATENCY_PREDICT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/model.h"
#include "tools/latency/device_profile.h"
#include "tools/latency/latency_model.h"

namespace scalert::latency {

struct ModelPrediction {
  NetworkPrediction network;
  int64_t footprint_bytes = 0;  // weights + activation arena on the native backend
  std::vector<std::string> notes;  // e.g. kernels the profile never measured, ISA differences
};

// Predicts `model` for the profile's setting (threads, precision). Fails, naming the mismatch,
// when the profile has no such setting.
absl::StatusOr<ModelPrediction> PredictModel(std::shared_ptr<const Model> model, const DeviceProfile& profile,
                                             int threads, const std::string& precision);

// The same with a model already fitted (the search predicts many models with one fit).
absl::StatusOr<ModelPrediction> PredictWithModel(std::shared_ptr<const Model> model, const LatencyModel& fitted);

// Per step group: name, kernel, FLOPs, bytes, predicted ms, FLOP-proportional ms; then totals
// and notes. `label` names the profile setting ("AMD EPYC avx2, 1 thread(s) fp32").
std::string FormatPrediction(const Graph& g, const ModelPrediction& p, const std::string& label);
// {"setting": label, "predicted_ms", "flop_proportional_ms", "layers": [{"name", "kernel", "nodes", "flops", "bytes",
//  "predicted_ms", "flop_proportional_ms", "profiled"}], "notes": [...]}
std::string PredictionJson(const Graph& g, const ModelPrediction& p, const std::string& label);
// "AMD EPYC (avx2), 1 thread(s) fp32".
std::string SettingLabel(const DeviceProfile& profile, int threads, const std::string& precision);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_PREDICT_H_
