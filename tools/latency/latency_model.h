// The latency model fitted to a device profile. Steps are grouped as the native executable
// runs them (a fused block is one group) and classed by the kernel label it reports, the fused
// activation and whether the step is a matrix-vector one (1x1 output); each class gets roofline
// fits t = overhead + max(FLOPs / roof, bytes / bandwidth) with caches warm and cold, and a
// network is predicted as the sum of its groups, warm or cold by how its footprint compares
// with the last-level cache. Nothing here times anything: the numbers all come from the profile.
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

// Fits the three parameters to (flops, bytes, ms) points of one class, minimizing relative
// error: for each ridge intensity (FLOP/byte) on a log grid the model is linear in (overhead,
// 1/roof); the best ridge wins. Points with a non-positive time are ignored; needs one.
struct FitPoint {
  double flops = 0, bytes = 0, ms = 0;
};
absl::StatusOr<RooflineParams> FitRoofline(const std::vector<FitPoint>& points);

struct ClassFit {
  RooflineParams warm, cold;
  bool has_cold = false;  // else cold = warm
};

struct LatencyModel {
  int32_t threads = 1;
  std::string precision;
  std::string isa;
  int64_t l3_bytes = 0;
  std::map<std::string, ClassFit> classes;  // by StepSample::klass
  std::set<std::string> fused_classes;      // classes seen running several nodes as one step
  ClassFit pooled;                          // all samples together: for classes never profiled
  double ms_per_flop = 0;                   // the FLOP-proportional baseline (sum ms / sum FLOPs)
};

absl::StatusOr<LatencyModel> FitLatencyModel(const DeviceSetting& setting, const DeviceInfo& device);

// One line per class: samples, overhead, roofs and fit error, warm and cold.
std::string FormatFit(const LatencyModel& m);

// How much of a network runs with warm caches, from what one inference touches (weights and
// activations) against the last-level cache: 1 up to half the cache, 0 from 1.5 caches on,
// linear between (0.5 when the cache size is unknown).
double WarmWeight(int64_t footprint_bytes, int64_t l3_bytes);

// Consecutive graph nodes the executable runs as one step group: a node whose step did no work
// (`empty[i]`: its work runs in a later fused step) joins the next node with the same label.
struct StepGroup {
  int32_t first = 0, last = 0;  // node indices
  std::string kernel;           // label of the step that does the work
  std::string klass;            // GroupClass
  double flops = 0, bytes = 0;
};
// KernelClass(label) + "+" + the first node's fused activation (none, relu6, swish, ...) +
// "@1x1" when the group's output has one pixel (matrix-vector work: SE and classifier layers).
std::string GroupClass(const Graph& g, const std::string& label, int32_t first, int32_t last);
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
  double warm_weight = 1;
  std::vector<std::string> unprofiled;  // classes predicted with the pooled fit
};
NetworkPrediction PredictGroups(const LatencyModel& m, const std::vector<StepGroup>& groups, double warm_weight);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_LATENCY_MODEL_H_
