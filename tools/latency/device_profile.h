// The device profile (`scalert profile-device -o device.json`): what the native backend's steps
// cost on one device, per setting (threads x precision), as raw samples. It travels from the
// target to wherever the search runs, so it is versioned and validated like a model file: a
// hostile or stale file gets an error naming the field, never a crash.
#ifndef SCALERT_TOOLS_LATENCY_DEVICE_PROFILE_H_
#define SCALERT_TOOLS_LATENCY_DEVICE_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::latency {

inline constexpr const char* kProfileFormat = "scalert-device-profile";
inline constexpr int kProfileVersion = 1;

// One timed step group: a step of the native plan, or a fused block of consecutive steps.
struct StepSample {
  std::string kernel;   // the executable's label, e.g. "conv1x1_f32_avx2"
  std::string klass;    // what the model groups by: label class + activation (+ "@1x1"), see GroupClass
  int32_t nodes = 1;    // graph nodes the group covers (> 1: a fused block)
  double flops = 0;     // 2 x MACs
  double bytes = 0;     // read from and written to outside the group (weights included)
  double ms = 0;        // median per run, warm: L2 evicted before each run, the last-level cache not
  double ms_cold = 0;   // median per run after evicting the last-level cache too (0: not measured)
  std::string graph;    // which micro-benchmark graph it came from
};

// A whole micro-benchmark graph: its unprofiled median beside the sum of its steps' medians,
// so a reader sees what the per-step clock reads and the gaps between steps cost.
struct GraphTiming {
  std::string name;
  double measured_ms = 0;
  double steps_ms = 0;
};

struct DeviceSetting {
  int32_t threads = 1;
  std::string precision = "fp32";            // what the backend ran (effective)
  std::string requested_precision = "fp32";  // what was asked
  bool sustained = false;   // repeated until latency stopped drifting
  double drift_pct = 0;     // latency drift over the last check (sustained runs)
  std::vector<StepSample> samples;
  std::vector<GraphTiming> graphs;
};

struct DeviceInfo {
  std::string cpu;   // "AMD EPYC"
  std::string arch;  // "x86_64"
  int32_t logical_cores = 0;
  std::string isa;   // the level the native kernels ran at ("avx2"), from their labels
  std::vector<std::string> isa_features;  // what the CPU reports (avx2 fma ...)
  int64_t l2_bytes = 0, l3_bytes = 0;
};

struct DeviceProfile {
  int32_t version = kProfileVersion;
  std::string scalert_version;
  std::string created;  // UTC, ISO 8601
  std::string grid;     // "default" or "full"
  DeviceInfo device;
  std::vector<DeviceSetting> settings;
};

// The profile as JSON text (stable field names, one sample per line).
std::string DeviceProfileJson(const DeviceProfile& p);

// Parses and validates a profile: format and version, every field's type and range (finite,
// non-negative, threads 1..1024, known precision names, at least one setting with samples, no
// duplicate settings). Errors name the field, e.g. "settings[1].samples[4].ms".
absl::StatusOr<DeviceProfile> ParseDeviceProfile(const std::string& text);

// Reads (at most 64 MiB) and parses `path`; errors start with the path.
absl::StatusOr<DeviceProfile> LoadDeviceProfile(const std::string& path);

// The setting for `threads` and `precision`, or an error that names the mismatch and lists
// what the profile has (a 2-thread profile never predicts 1-thread latency).
absl::StatusOr<const DeviceSetting*> FindSetting(const DeviceProfile& p, int32_t threads,
                                                 const std::string& precision);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_DEVICE_PROFILE_H_
