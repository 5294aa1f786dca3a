// Calibration: the range of values each activation takes over sample inputs, from which INT8
// scales and zero points are made. Min/max, or percentiles from a histogram (--percentile).
#ifndef SCALERT_TOOLS_QUANTIZE_CALIBRATION_H_
#define SCALERT_TOOLS_QUANTIZE_CALIBRATION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/image/resize.h"

namespace scalert::quantize {

using Sample = std::vector<float>;  // one input tensor of the model, f32

struct Range {
  float lo = 0, hi = 0;
};
using Ranges = std::vector<std::optional<Range>>;  // per tensor; empty for constants

// `n` inputs uniform in [-1, 1) (what `scalert run` and `bench` feed), from `seed`.
absl::StatusOr<std::vector<Sample>> RandomSamples(const Graph& g, int n, uint32_t seed);
// Every file of `dir` that is an input, sorted by name: *.npy tensors of the model's input shape,
// and images (.jpg, .jpeg, .png, .ppm, .pgm) decoded, fitted to the input by `fit` and normalized
// as the model's metadata says, exactly as `scalert run --image` feeds them. Other files are skipped.
absl::StatusOr<std::vector<Sample>> FolderSamples(const Graph& g, const std::string& dir,
                                                  image::Fit fit = image::Fit::kStretch);

struct CalibrationOptions {
  double percentile = 100;  // 100: min/max; else [P_(100-P), P_P] of each tensor's values
  std::string backend = "native";
  int threads = 1;
};

// Runs the FP32 graph on every sample and returns each activation's range (always containing 0).
absl::StatusOr<Ranges> Calibrate(const Graph& g, const std::vector<Sample>& samples, const CalibrationOptions& o);

// Runs a graph on every sample and hands `fn` the values of each tensor listed in `observe`
// (graph inputs may be listed too): fn(sample, k, values of observe[k]). Nothing is kept, so
// memory does not grow with the number of samples.
using ObserveFn = std::function<absl::Status(size_t sample, size_t k, const std::vector<float>& values)>;
absl::Status RunObserving(const Graph& g, const std::vector<Sample>& samples, const std::vector<int32_t>& observe,
                          const std::string& backend, int threads, const ObserveFn& fn);

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_CALIBRATION_H_
