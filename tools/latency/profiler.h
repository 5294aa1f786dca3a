// profile-device's loop: time every micro-benchmark graph on the native backend for one
// setting (threads x precision), turn the per-step medians into samples, and in sustained mode
// repeat the whole pass until the summed latency stops drifting (a phone that heats up).
#ifndef SCALERT_TOOLS_LATENCY_PROFILER_H_
#define SCALERT_TOOLS_LATENCY_PROFILER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/types.h"
#include "tools/latency/device_profile.h"
#include "tools/latency/micro_graphs.h"
#include "tools/latency/native_steps.h"

namespace scalert::latency {

struct ProfileSettings {
  StepTimingSettings timing;
  bool sustained = false;
  double drift_tolerance_pct = 3;  // sustained: stop when one pass differs from the last by less
  int max_passes = 8;              // sustained: give up (and say so) after this many passes
};

// Called with a short progress text.
using ProfileProgress = std::function<void(const std::string&)>;

// One setting's samples. `isa` receives the level named by the native labels.
absl::StatusOr<DeviceSetting> ProfileSetting(const std::vector<MicroGraph>& graphs, int threads, Precision precision,
                                             const ProfileSettings& settings, std::string* isa,
                                             const ProfileProgress& progress = nullptr);

// Drift of one pass against the previous, in percent of the previous (positive = slower).
double PassDriftPct(double previous_ms, double current_ms);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_PROFILER_H_
