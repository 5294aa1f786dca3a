#include "tools/quantize/quantizer.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"
#include "runtime/validate.h"
#include "tools/quantize/lowering.h"

namespace scalert::quantize {
namespace {

bool IsLayer(const Node& n) {
  return n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D || n.type == OpType::kFullyConnected;
}

int64_t ConstantBytes(const Graph& g) {
  int64_t b = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_constant()) b += static_cast<int64_t>(t.data_bytes);
  return b;
}

// Per-layer decisions -> per-node precisions: a layer's split activation follows the layer, and
// every other operator follows the producer of its first input (so conversions happen only where
// layers of different precisions meet), each where it can run that precision.
std::vector<Precision> FollowLayers(const Graph& g, const std::vector<Precision>& layer_precision) {
  std::vector<int32_t> producer(g.tensors.size(), -1);
  std::vector<Precision> p(g.nodes.size(), Precision::kF32);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    Precision want = Precision::kF32;
    if (IsLayer(n)) want = layer_precision[i];
    else if (n.inputs[0] >= 0 && producer[n.inputs[0]] >= 0) want = p[producer[n.inputs[0]]];
    p[i] = CanLower(g, i, want) ? want : Precision::kF32;
    for (int32_t t : n.outputs) producer[t] = static_cast<int32_t>(i);
  }
  return p;
}

// A BF16 classifier (a fully connected layer) reads one pooled vector per image: its time is its
// weight bytes, so it keeps them BF16 but runs FP32 activations (gemm_f32_bf16w) and its logits
// are not rounded (SNR on peer-bench's inputs: MobileNetV2 +0.5 dB, EfficientNet-B0 +0.1), nor
// the reshapes feeding it that only it reads. The global pool before it stays BF16: an FP32 pool
// gained another 0.5 / 0.1 dB, but widening its 7x7 input cost 9 us (0.4% of MobileNetV2).
// Marks them fp32 in `p`; returns the classifiers.
std::vector<bool> Fp32ActivationClassifiers(const Graph& g, std::vector<Precision>* p) {
  const TensorUses uses = UsesOf(g);
  const std::vector<int32_t>&producer = uses.producer, &readers = uses.readers;
  std::vector<bool> heads(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].type != OpType::kFullyConnected || (*p)[i] != Precision::kBF16) continue;
    (*p)[i] = Precision::kF32;
    heads[i] = true;
    for (int32_t t = g.nodes[i].inputs[0]; t >= 0 && producer[t] >= 0 && readers[t] == 1;) {
      const size_t j = static_cast<size_t>(producer[t]);
      const OpType type = g.nodes[j].type;
      if (type != OpType::kReshape || (*p)[j] != Precision::kBF16) break;
      (*p)[j] = Precision::kF32;
      t = g.nodes[j].inputs[0];
    }
  }
  return heads;
}

class Quantizer {
 public:
  Quantizer(const Graph& g, const QuantizeOptions& o) : o_(o), work_(g) {}

  absl::StatusOr<QuantizeResult> Run() {
    for (const Tensor& t : work_.tensors)
      if (!t.is_constant() && t.dtype != DType::kF32)
        return absl::InvalidArgumentError(absl::StrCat("the model is already lowered (tensor '", t.name, "' is ", DTypeName(t.dtype),
                                                       "); quantize its FP32 original"));
    if (o_.mode == Precision::kMixed && !o_.policy && !o_.auto_mixed)
      return absl::InvalidArgumentError("--mode mixed needs --policy FILE or --auto-mixed");
    if (o_.mode != Precision::kMixed && o_.policy) return absl::InvalidArgumentError("--policy goes with --mode mixed");
    if (o_.mode == Precision::kF32 && o_.auto_mixed)
      return absl::InvalidArgumentError("--auto-mixed goes with --mode mixed, int8, fp16 or bf16");
    const bool int8 = o_.mode == Precision::kI8 || o_.mode == Precision::kMixed;
    if (int8) work_ = SplitActivations(work_);
    RETURN_IF_ERROR(ValidateGraph(&work_));
    QuantizeResult r;
    r.weight_bytes_before = ConstantBytes(work_);
    if (int8 && o_.calibration.empty()) return absl::InvalidArgumentError("INT8 needs calibration inputs");
    // FP16 uses the ranges to scale tensors FP16 cannot hold (half_scaling.h); without calibration
    // inputs every FP16 tensor keeps its real values.
    if (int8 || (o_.mode == Precision::kF16 && !o_.calibration.empty())) {
      CalibrationOptions co;
      co.percentile = o_.percentile;
      co.backend = o_.fp32_backend;
      co.threads = o_.threads;
      if (int8) {
        ASSIGN_OR_RETURN(ranges_, Calibrate(work_, o_.calibration, co));
      } else {
        RETURN_IF_ERROR(CalibrateWithPreActivations(co));
      }
    }
    if (!o_.holdout.empty()) {
      ASSIGN_OR_RETURN(fp32_out_, RunOutputs(work_, o_.holdout, o_.fp32_backend, o_.threads));
    }
    const Precision lowered = int8 ? Precision::kI8 : o_.mode;
    lowered_ = lowered;
    if (o_.report || o_.auto_mixed) {
      if (o_.holdout.empty()) return absl::InvalidArgumentError("the report and --auto-mixed need held-out inputs");
      ASSIGN_OR_RETURN(r.layers, Sensitivity(lowered));
    }
    std::vector<Precision> precision;
    std::vector<bool> bf16_weights;
    if (o_.auto_mixed) {
      ASSIGN_OR_RETURN(precision, AutoMixed(r.layers, &r));
    } else {
      Policy p;
      if (o_.policy) p = *o_.policy;
      else p.default_precision = o_.mode;
      ASSIGN_OR_RETURN(precision, ResolvePolicy(work_, p));
      r.policy = p;
      bf16_weights = Fp32ActivationClassifiers(work_, &precision);  // also a policy's bf16 classifiers
    }
    int kept = 0, classifiers = 0;
    for (size_t i = 0; i < work_.nodes.size(); ++i) {
      if (i < bf16_weights.size() && bf16_weights[i]) ++classifiers;
      else if (IsLayer(work_.nodes[i]) && precision[i] == Precision::kF32) ++kept;
    }
    if (kept > 0) r.notes.push_back(absl::StrCat(kept, " layer(s) stay fp32"));
    if (classifiers > 0) r.notes.push_back(absl::StrCat(classifiers, " classifier(s): fp32 activations, bf16 weights"));
    ASSIGN_OR_RETURN(r.lowered, LowerGraph(work_, precision, ranges_, pre_activation_, bf16_weights));
    if (int8) r.lowered = RejoinActivations(r.lowered);
    r.weight_bytes_after = ConstantBytes(r.lowered);
    if (!o_.holdout.empty()) {
      ASSIGN_OR_RETURN(auto out, RunOutputs(r.lowered, o_.holdout, o_.lowered_backend, o_.threads));
      r.fidelity = Compare(fp32_out_, out);
    }
    return r;
  }

 private:
  // Ranges of work_'s tensors and of the values before its fused activations, from a copy with
  // the activations split off (whose extra tensors come after work_'s, named `<output>.pre`).
  absl::Status CalibrateWithPreActivations(const CalibrationOptions& co) {
    const Graph split = SplitActivations(work_);
    ASSIGN_OR_RETURN(Ranges all, Calibrate(split, o_.calibration, co));
    const size_t n = work_.tensors.size();
    ranges_.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    std::map<std::string, int32_t> by_name;
    for (size_t t = n; t < split.tensors.size(); ++t) by_name[split.tensors[t].name] = static_cast<int32_t>(t);
    pre_activation_.assign(n, std::nullopt);
    for (size_t t = 0; t < n; ++t)
      if (auto it = by_name.find(work_.tensors[t].name + ".pre"); it != by_name.end()) pre_activation_[t] = all[it->second];
    return absl::OkStatus();
  }

  absl::StatusOr<Fidelity> Evaluate(const std::vector<Precision>& layer_precision) {
    ASSIGN_OR_RETURN(Graph g, LowerGraph(work_, FollowLayers(work_, layer_precision), ranges_, pre_activation_));
    ASSIGN_OR_RETURN(auto out, RunOutputs(g, o_.holdout, o_.lowered_backend, o_.threads));
    return Compare(fp32_out_, out);
  }

  // Each layer lowered alone (with the operators that follow it), the rest FP32.
  absl::StatusOr<std::vector<LayerSensitivity>> Sensitivity(Precision lowered) {
    std::vector<LayerSensitivity> r;
    for (size_t i = 0; i < work_.nodes.size(); ++i) {
      if (!IsLayer(work_.nodes[i]) || !CanLower(work_, i, lowered)) continue;
      std::vector<Precision> only(work_.nodes.size(), Precision::kF32);
      only[i] = lowered;
      // Operators after the layer follow it only up to the next layer: lower just this one.
      std::vector<Precision> p = FollowLayers(work_, only);
      for (size_t j = 0; j < p.size(); ++j)
        if (j != i && !(j > i && work_.nodes[j].name == work_.nodes[i].name + ".act")) p[j] = Precision::kF32;
      ASSIGN_OR_RETURN(Graph g, LowerGraph(work_, p, ranges_, pre_activation_));
      ASSIGN_OR_RETURN(auto out, RunOutputs(g, o_.holdout, o_.lowered_backend, o_.threads));
      r.push_back({work_.nodes[i].name, OpTypeName(work_.nodes[i].type), Compare(fp32_out_, out).snr_db});
      layer_index_.push_back(i);
    }
    return r;
  }

  // The fewest FP32 layers (the most sensitive first) that keep the model's SNR at the bound:
  // a binary search on how many, each candidate verified on the held-out inputs.
  absl::StatusOr<std::vector<Precision>> AutoMixed(const std::vector<LayerSensitivity>& layers, QuantizeResult* r) {
    std::vector<size_t> order(layers.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return layers[a].snr_db < layers[b].snr_db; });
    auto policy_for = [&](size_t keep) {
      std::vector<Precision> lp(work_.nodes.size(), Precision::kF32);
      for (size_t k = 0; k < layer_index_.size(); ++k) lp[layer_index_[k]] = lowered_;
      for (size_t k = 0; k < keep; ++k) lp[layer_index_[order[k]]] = Precision::kF32;
      return lp;
    };
    size_t lo = 0, hi = layers.size();  // hi: every layer FP32, meets any bound
    std::optional<Fidelity> best;
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      ASSIGN_OR_RETURN(Fidelity f, Evaluate(policy_for(mid)));
      if (f.snr_db >= o_.min_snr_db) { hi = mid; best = f; }
      else lo = mid + 1;
    }
    if (!best) {  // not probed yet: verify the final choice too
      ASSIGN_OR_RETURN(Fidelity f, Evaluate(policy_for(lo)));
      if (!(f.snr_db >= o_.min_snr_db))
        return absl::FailedPreconditionError(absl::StrCat("no policy reaches ", o_.min_snr_db, " dB (best ", f.snr_db, " dB)"));
    }
    // The policy file names every operator, so applying it reproduces exactly what was verified.
    const std::vector<Precision> chosen = FollowLayers(work_, policy_for(lo));
    Policy p;
    for (size_t i = 0; i < chosen.size(); ++i) p.by_name[work_.nodes[i].name] = chosen[i];
    r->policy = p;
    r->notes.push_back(absl::StrCat("auto-mixed: ", lo, " of ", layers.size(), " layers kept fp32 for >= ", o_.min_snr_db, " dB"));
    return chosen;
  }

  const QuantizeOptions& o_;
  Graph work_;
  Ranges ranges_;
  Ranges pre_activation_;  // fp16: before each fused activation (half_scaling.h)
  std::vector<std::vector<float>> fp32_out_;
  std::vector<size_t> layer_index_;  // node index of each entry of the sensitivity list
  // What --auto-mixed lowers a layer to: INT8 (--mode mixed or int8), or FP16 / BF16, whose
  // storage rounding a deep network can amplify past a bound (issue 17: FP16 >= 40 dB).
  Precision lowered_ = Precision::kI8;
};

}  // namespace

absl::StatusOr<QuantizeResult> Quantize(const Graph& fp32, const QuantizeOptions& o) { return Quantizer(fp32, o).Run(); }

}  // namespace scalert::quantize
