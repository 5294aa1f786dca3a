// The Executable of the xnnpack backend: owns the XNNPACK runtime, the thread pool and the
// buffers of the model's inputs and outputs (bound once with xnn_setup_runtime, so Invoke only
// calls xnn_invoke_runtime). Subgraph translation lives in xnnpack_subgraph.cc.
#include "runtime/backends/xnnpack/xnnpack_backend.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/reference/elementwise.h"
#include "runtime/backends/xnnpack/xnnpack_status.h"
#include "runtime/backends/xnnpack/xnnpack_subgraph.h"
#include "runtime/status_macros.h"

namespace scalert {
namespace {

// A Transpose at the model boundary, run with the reference kernel (no allocation).
struct HostStep {
  size_t node;
  Shape in_shape, perm;
  const float* in;
  float* out;
  void Run() const { ref::Transpose(in_shape, perm, in, out); }
};

class XnnpackExecutable final : public Executable {
 public:
  static absl::StatusOr<std::unique_ptr<Executable>> Create(const Graph& g, const BackendOptions& options);

  ~XnnpackExecutable() override {
    if (runtime_) xnn_delete_runtime(runtime_);  // before the pool it may use
    if (pool_) pthreadpool_destroy(pool_);
    std::free(buffers_);
  }
  void* input_buffer(size_t i) override { return ptr_[input_ids_[i]]; }
  const void* output_buffer(size_t i) const override { return ptr_[output_ids_[i]]; }
  absl::Status Invoke() override;
  // Only the model input/output (and boundary) buffers ScaleRT allocates. XNNPACK plans and
  // allocates its intermediate activations itself and this version does not report their size.
  int64_t arena_bytes() const override { return buffer_bytes_; }
  // This XNNPACK (2022) has no per-operator profiling: the subgraph is timed as one step, and
  // boundary transposes as their own steps.
  void set_profiling(bool on) override { profiling_ = on; }
  std::vector<StepProfile> profile() const override { return profile_; }
  std::vector<std::string> op_descriptions() const override { return descriptions_; }
  Precision effective_precision() const override { return precision_; }

 private:
  XnnpackExecutable() = default;
  absl::Status AllocateBuffers(const Graph& g, const XnnpackTranslation& t);
  void RunHostSteps(const std::vector<HostStep>& steps, size_t first_profile);

  xnn_runtime_t runtime_ = nullptr;
  pthreadpool_t pool_ = nullptr;
  uint8_t* buffers_ = nullptr;
  int64_t buffer_bytes_ = 0;
  std::vector<uint8_t*> ptr_;  // per graph tensor: its buffer, or null
  std::vector<int32_t> input_ids_, output_ids_;
  std::vector<std::unique_ptr<float[]>> owned_constants_;  // the runtime reads these
  std::vector<HostStep> before_, after_;
  std::vector<std::string> descriptions_;
  // [before_ steps..., subgraph (if any), after_ steps...]
  std::vector<StepProfile> profile_;
  size_t subgraph_profile_ = 0;
  bool profiling_ = false;
  Precision precision_ = Precision::kF32;
};

absl::Status XnnpackExecutable::AllocateBuffers(const Graph& g, const XnnpackTranslation& t) {
  std::set<int32_t> tensors(g.inputs.begin(), g.inputs.end());
  tensors.insert(g.outputs.begin(), g.outputs.end());
  for (const XnnpackExternal& e : t.externals) tensors.insert(e.tensor);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (t.placement[i] != NodePlacement::kXnnpack) {
      tensors.insert(g.nodes[i].inputs[0]);
      tensors.insert(g.nodes[i].outputs[0]);
    }
  // Each buffer 64-byte aligned, with the XNN_EXTRA_BYTES XNNPACK may read past its end.
  auto padded = [](int64_t bytes) { return (bytes + XNN_EXTRA_BYTES + 63) / 64 * 64; };
  int64_t total = 0;
  for (int32_t i : tensors) total += padded(g.tensors[i].bytes());
  buffer_bytes_ = total;
  buffers_ = static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>(std::max<int64_t>(total, 64))));
  if (!buffers_) return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", total, " bytes of buffers"));
  std::memset(buffers_, 0, static_cast<size_t>(std::max<int64_t>(total, 64)));
  ptr_.assign(g.tensors.size(), nullptr);
  int64_t offset = 0;
  for (int32_t i : tensors) {
    ptr_[i] = buffers_ + offset;
    offset += padded(g.tensors[i].bytes());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Executable>> XnnpackExecutable::Create(const Graph& g,
                                                                      const BackendOptions& options) {
  if (options.precision == Precision::kI8) {
    bool quantized = false;
    for (const Tensor& t : g.tensors) quantized |= !t.quant.empty();
    return absl::UnimplementedError(absl::StrCat(
        "xnnpack backend: int8 precision is unsupported: ",
        quantized ? "this model has quantization parameters, but this backend has no qs8/qc8 subgraph translation"
                  : "this model is not quantized (no tensor has scales/zero points), and this backend has no "
                    "qs8/qc8 subgraph translation",
        "; use fp32 or fp16"));
  }
  if (options.precision != Precision::kF32 && options.precision != Precision::kF16)
    return absl::UnimplementedError(absl::StrCat("xnnpack backend: ", PrecisionName(options.precision),
                                                 " precision is unsupported; use fp32 or fp16"));
  RETURN_IF_ERROR(EnsureXnnpackInitialized());
  std::unique_ptr<XnnpackExecutable> e(new XnnpackExecutable());
  if (options.threads > 1) {
    e->pool_ = pthreadpool_create(static_cast<size_t>(options.threads));
    if (!e->pool_) return absl::ResourceExhaustedError(absl::StrCat("cannot create a ", options.threads, "-thread pool"));
  }

  // FP16: only a graph whose lowering this XNNPACK's FP16 rewrite takes is offered to it (some
  // nodes make it abort rather than refuse), with XNN_FLAG_FORCE_FP16_INFERENCE: creation then
  // fails instead of silently staying FP32 as the HINT flag does (measured: HINT never switches
  // to FP16 on x86), so success means the subgraph really runs in FP16.
  XnnpackTranslation t;
  std::string fp16_note;  // why a requested FP16 did not take effect
  std::vector<std::vector<std::string>> fp16_blockers(g.nodes.size());
  if (options.precision == Precision::kF16) {
    XnnpackTranslateOptions fp16;
    fp16.for_fp16 = true;
    ASSIGN_OR_RETURN(t, TranslateToXnnpack(g, fp16));
    fp16_blockers = t.fp16_blockers;
    if (!t.subgraph) {
      fp16_note = "f16 not possible: no operator runs on XNNPACK";
    } else if (!t.fp16_possible()) {
      fp16_note = "f16 not possible for this graph";
    } else {
      xnn_status s = xnn_create_runtime_v2(t.subgraph.get(), e->pool_, XNN_FLAG_FORCE_FP16_INFERENCE, &e->runtime_);
      if (s == xnn_status_success) {
        e->precision_ = Precision::kF16;
      } else {
        e->runtime_ = nullptr;
        fp16_note = absl::StrCat("f16 refused by XNNPACK: ", XnnStatusName(s));
      }
    }
  }
  if (e->precision_ != Precision::kF16) {
    // FP32 lowering, translated afresh: a refused FP16 attempt may have rewritten the subgraph.
    ASSIGN_OR_RETURN(t, TranslateToXnnpack(g));
    if (t.subgraph)
      RETURN_IF_ERROR(XnnStatusToStatus(xnn_create_runtime_v2(t.subgraph.get(), e->pool_, 0, &e->runtime_),
                                        "xnn_create_runtime_v2"));
  }
  t.subgraph.reset();  // the runtime is independent of it once created
  e->owned_constants_ = std::move(t.owned_constants);

  RETURN_IF_ERROR(e->AllocateBuffers(g, t));
  e->input_ids_ = g.inputs;
  e->output_ids_ = g.outputs;
  if (e->runtime_) {
    std::vector<xnn_external_value> ext;
    for (const XnnpackExternal& x : t.externals) ext.push_back({x.id, e->ptr_[x.tensor]});
    RETURN_IF_ERROR(XnnStatusToStatus(xnn_setup_runtime(e->runtime_, ext.size(), ext.data()), "xnn_setup_runtime"));
  }

  const std::string precision = e->precision_ == Precision::kF16 ? "f16" : "f32";
  StepProfile subgraph_profile;
  subgraph_profile.kernel = absl::StrCat("xnnpack ", precision);
  int xnn_ops = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (t.placement[i] == NodePlacement::kXnnpack) {
      std::string d = absl::StrCat("xnnpack ", precision);
      if (!fp16_note.empty()) absl::StrAppend(&d, " (", fp16_note, ")");
      absl::StrAppend(&d, ": ", t.lowering[i]);
      if (!fp16_blockers[i].empty())
        absl::StrAppend(&d, " [no f16 ", absl::StrJoin(fp16_blockers[i], ", "), " in this XNNPACK]");
      e->descriptions_.push_back(d);
      subgraph_profile.macs += NodeMacs(g, n);
      for (int32_t x : n.inputs) if (x >= 0) subgraph_profile.bytes += g.tensors[x].bytes();
      subgraph_profile.bytes += g.tensors[n.outputs[0]].bytes();
      ++xnn_ops;
      continue;
    }
    e->descriptions_.push_back("host f32: transpose at the model boundary (reference kernel; XNNPACK 2022 has none)");
    HostStep step{i, g.tensors[n.inputs[0]].shape, n.ints, reinterpret_cast<const float*>(e->ptr_[n.inputs[0]]),
                  reinterpret_cast<float*>(e->ptr_[n.outputs[0]])};
    (t.placement[i] == NodePlacement::kHostBefore ? e->before_ : e->after_).push_back(step);
  }
  auto host_profile = [&](const HostStep& s) {
    StepProfile p;
    p.name = g.NodeLabel(s.node);
    p.kernel = "transpose_f32_reference (host)";
    p.bytes = 2 * g.tensors[g.nodes[s.node].outputs[0]].bytes();
    return p;
  };
  for (const HostStep& s : e->before_) e->profile_.push_back(host_profile(s));
  e->subgraph_profile_ = e->profile_.size();
  if (e->runtime_) {
    subgraph_profile.name = absl::StrCat("xnnpack subgraph (", xnn_ops, " operators, not timed one by one)");
    e->profile_.push_back(subgraph_profile);
  }
  for (const HostStep& s : e->after_) e->profile_.push_back(host_profile(s));
  return std::unique_ptr<Executable>(std::move(e));
}

void XnnpackExecutable::RunHostSteps(const std::vector<HostStep>& steps, size_t first_profile) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!profiling_) {
      steps[i].Run();
      continue;
    }
    auto t0 = std::chrono::steady_clock::now();
    steps[i].Run();
    profile_[first_profile + i].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++profile_[first_profile + i].calls;
  }
}

absl::Status XnnpackExecutable::Invoke() {
  RunHostSteps(before_, 0);
  if (runtime_) {
    auto t0 = std::chrono::steady_clock::now();
    xnn_status s = xnn_invoke_runtime(runtime_);
    if (profiling_) {
      profile_[subgraph_profile_].seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++profile_[subgraph_profile_].calls;
    }
    if (s != xnn_status_success) return XnnStatusToStatus(s, "xnn_invoke_runtime");
  }
  RunHostSteps(after_, subgraph_profile_ + (runtime_ ? 1 : 0));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Executable>> PrepareXnnpack(const Graph& g, const BackendOptions& options) {
  return XnnpackExecutable::Create(g, options);
}

}  // namespace scalert
