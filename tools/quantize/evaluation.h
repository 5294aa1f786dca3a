// Fidelity of a lowered model against FP32, and the sensitivity report: per layer, the output SNR
// when only that layer is lowered; for the whole model SNR, cosine similarity and top-1/top-5
// agreement on held-out inputs.
#ifndef SCALERT_TOOLS_QUANTIZE_EVALUATION_H_
#define SCALERT_TOOLS_QUANTIZE_EVALUATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/quantize/calibration.h"

namespace scalert::quantize {

struct Fidelity {
  double snr_db = 0;  // 10 log10(sum ref^2 / sum (ref - got)^2) over all outputs of all inputs
  double cosine = 0;  // of the concatenated outputs
  double top1 = 0;    // fraction of inputs whose argmax agrees
  double top5 = 0;    // fraction of inputs whose FP32 argmax is in the lowered top-5
};

// Output 0 of `g` on every sample.
absl::StatusOr<std::vector<std::vector<float>>> RunOutputs(const Graph& g, const std::vector<Sample>& samples,
                                                           const std::string& backend, int threads);

Fidelity Compare(const std::vector<std::vector<float>>& reference, const std::vector<std::vector<float>>& got);

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_EVALUATION_H_
