// Post-training lowering of an FP32 model: the library behind `scalert quantize`.
//   int8:  per-channel symmetric weights, per-tensor activations from calibration ranges.
//   fp16 / bf16: weights and activations narrowed (biases stay f32).
//   mixed: per layer, from a policy file or chosen by --auto-mixed under an SNR bound.
// Lowered layers run on the reference backend today (native INT8/FP16/BF16 kernels are next), so
// the report's and the auto-mixed search's model runs use it.
#ifndef SCALERT_TOOLS_QUANTIZE_QUANTIZER_H_
#define SCALERT_TOOLS_QUANTIZE_QUANTIZER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/quantize/calibration.h"
#include "tools/quantize/evaluation.h"
#include "tools/quantize/policy.h"

namespace scalert::quantize {

struct QuantizeOptions {
  Precision mode = Precision::kI8;  // kI8, kF16, kBF16 or kMixed
  std::optional<Policy> policy;     // mixed: the per-layer rules
  bool auto_mixed = false;          // mixed: choose INT8 or FP32 per layer under min_snr_db
  double min_snr_db = 30;
  bool report = false;              // per-layer sensitivity
  std::vector<Sample> calibration;  // INT8 ranges (needed when any layer is INT8); FP16 range scaling
  std::vector<Sample> holdout;      // fidelity (report, auto-mixed), never used for calibration
  double percentile = 100;
  std::string fp32_backend = "native";
  std::string lowered_backend = "reference";
  int threads = 1;
};

struct LayerSensitivity {
  std::string name;
  std::string op;
  double snr_db = 0;  // model output vs FP32 when only this layer is lowered
};

struct QuantizeResult {
  Graph lowered;
  Policy policy;                       // what was applied (auto-mixed: what was chosen)
  std::vector<LayerSensitivity> layers;  // with --report or --auto-mixed
  std::optional<Fidelity> fidelity;      // on the held-out inputs, when there are any
  std::vector<std::string> notes;
  int64_t weight_bytes_before = 0, weight_bytes_after = 0;
};

absl::StatusOr<QuantizeResult> Quantize(const Graph& fp32, const QuantizeOptions& o);

}  // namespace scalert::quantize

#endif  // SCALERT_TOOLS_QUANTIZE_QUANTIZER_H_
