// The latency model fitted to a device profile. Steps are grouped by the kernel label the
// native executable reports (a fused block is one group), each label's class gets a roofline
// fit t = overhead + max(FLOPs / peak, bytes / bandwidth), and a network is predicted as the
// sum of its groups. Nothing here times anything: the numbers all come from the profile.
#ifndef SCALERT_TOOLS_LATENCY_LATENCY_MODEL_H_
#define SCALERT_TOOLS_LATENCY_LATENCY_MODEL_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/latency/device_profile.h"

namespace scalert::latency {

// The label without its ISA level: "conv1x1_f32_avx2" -> "conv1x1_f32". Labels that end in no
// known level are their own class, so renamed kernels only need a fresh profile.
std::string KernelClass(const std::string& label);

// The ISA level a label names ("avx2" for "conv1x1_f32_avx2"), or "" when it names none.
std::string LabelIsa(const std::string& label);

struct RooflineParams {
  double overhead_ms = 0;  // fixed cost per call (dispatch, thread wake-up, small-shape waste)
  double gflops = 0;       // compute roof reached by this class
  double gbps = 0;         // bandwidth roof reached by this class
  int32_t samples = 0;
  double rms_rel_error = 0;  // of the fit over its own samples
};

// Time of one call in ms: overhead + max(flops / roof, bytes / bandwidth).
double RooflineMs(const RooflineParams& p, double flops, double bytes);

// Fits the three parameters to samples of one class, minimizing relative error: for each ridge
// intensity (FLOP/byte) on a log grid the model is linear in (overhead, 1/roof); the best ridge
// wins. Needs at least one sample with a positive time.
absl::StatusOr<RooflineParams> FitRoofline(const std::vector<StepSample>& samples);

struct LatencyModel {
  int32_t threads = 1;
  std::string precision;
  std::string isa;
  std::map<std::string, RooflineParams> classes;  // by KernelClass
  std::set<std::string> fused_classes;            // classes seen running several nodes as one step
  RooflineParams pooled;                          // all samples together: for classes never profiled
  double ms_per_flop = 0;                         // the FLOP-proportional baseline (sum ms / sum FLOPs)
};

absl::StatusOr<LatencyModel> FitLatencyModel(const DeviceSetting& setting, const std::string& isa);

// One line per class: samples, overhead, roofs, fit error (what profile-device prints).
std::string FormatFit(const LatencyModel& m);

// Consecutive graph nodes the executable runs as one step group: a node whose step did no work
// (`empty[i]`: its work runs in a later fused step) joins the next node with the same label.
struct StepGroup {
  int32_t first = 0, last = 0;  // node indices
  std::string kernel;           // label of the step that does the work
  double flops = 0, bytes = 0;
};
// `labels` (one per node, Executable::op_descriptions()); `empty` may be empty (no fusion).
absl::StatusOr<std::vector<StepGroup>> GroupSteps(const Graph& g, const std::vector<std::string>& labels,
                                                  const std::vector<bool>& empty);

struct GroupPrediction {
  StepGroup group;
  double ms = 0;       // the roofline model
  double flop_ms = 0;  // FLOP-proportional
  bool profiled = true;  // false: its class was not in the profile (pooled fit used)
};
struct NetworkPrediction {
  std::vector<GroupPrediction> groups;
  double total_ms = 0, flop_total_ms = 0;
  std::vector<std::string> unprofiled;  // classes predicted with the pooled fit
};
NetworkPrediction PredictGroups(const LatencyModel& m, const std::vector<StepGroup>& groups);

// Relative error of a prediction against a measurement, (predicted - measured) / measured.
double RelativeError(double predicted, double measured);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_LATENCY_MODEL_H_
