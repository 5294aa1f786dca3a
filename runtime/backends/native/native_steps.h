// The native backend's step kinds, one file each (gemm_step.cc, patch_conv_step.cc,
// depthwise_step.cc, fully_connected_step.cc, elementwise_step.cc, pooling_step.cc,
// transpose_step.cc, fused_mbconv_step.cc), and what they share: the context of one executable
// and a few helpers. native_backend.cc holds the dispatch from operator type to step.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_STEPS_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_STEPS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/isa.h"
#include "kernels/packing.h"
#include "kernels/reference/conv.h"
#include "kernels/registry.h"
#include "kernels/thread_pool.h"
#include "runtime/backends/native/weight_prefetch.h"
#include "runtime/backends/native/work_split.h"
#include "runtime/graph.h"
#include "runtime/planned_executable.h"

namespace scalert::native {

// How a fused block's squeeze-and-excitation gate reaches its project GEMM.
enum class SeGate {
  kAuto,   // fused_mbconv_step.cc decides from the shapes
  kFold,   // W' = W diag(g): the packed project panels rescaled into scratch, per invoke
  kScale,  // each band of the stored depthwise output multiplied by g before its project GEMM
};

// What every step of one executable shares.
struct NativeContext {
  kernels::Isa isa = kernels::Isa::kPortable;
  std::shared_ptr<kernels::ThreadPool> pool;
  const kernels::KernelRegistry* registry = nullptr;
  int64_t l2_bytes = 1 << 20;  // per core: sizes fused blocks' bands
  int64_t l1_bytes = 32 << 10;  // L1d per core: cuts wide FP32 bands into column chunks
  int32_t chunk_cols = 0;       // forces those chunks' width (NativeOptions::fused_chunk_cols)
  SeGate se_gate = SeGate::kAuto;
  // Filled while the plan's steps are made, in run order (MakeGemm); null: no prefetching.
  std::shared_ptr<WeightPrefetch> prefetch;
};

// Input `input` of `n` as FP32 when it is a constant, else empty (an absent bias).
std::vector<float> OptionalF32(const Graph& g, const Node& n, size_t input);
// Kernel name in op descriptions: the use (conv1x1, fc, ...) and the level that actually runs.
std::string KernelLabel(const std::string& use, kernels::Isa isa);
// The native kernels read and write FP32 activations; anything else goes to the reference.
bool AllActivationsF32(const Graph& g, const Node& n);
bool IsConstant(const Graph& g, const Node& n, size_t input);
// Packs constant weights [n, 1, 1, k] (or [n, k]) and an optional bias (-1: none) for `gemm`.
std::shared_ptr<kernels::PackedGemm> PackGemmTensors(const kernels::Kernel<kernels::KernelOp::kGemm>& gemm,
                                                     const Graph& g, int32_t weights, int32_t bias);
// The same for the weights and bias of a 1x1 Conv2D node.
std::shared_ptr<kernels::PackedGemm> PackPointwise(const kernels::Kernel<kernels::KernelOp::kGemm>& gemm,
                                                   const Graph& g, const Node& n);

// Runs C = act(A * B + bias) for rows [0, m) over the pool.
struct GemmStep {
  kernels::GemmF32Fn fn;
  kernels::GemmArgs args;
  int64_t m;
  int32_t mr = 1;  // the kernel's register tile height
  GemmSplit split;
  std::shared_ptr<kernels::PackedGemm> packed;  // keeps packed_b / bias alive
  std::shared_ptr<kernels::ThreadPool> pool;
  // A later step's weights this GEMM touches into cache while it runs (weight_prefetch.h).
  std::shared_ptr<const WeightPrefetch> prefetch;
  int prefetch_slot = -1;
  void operator()() const;
};
GemmStep MakeGemm(const NativeContext& ctx, const kernels::Kernel<kernels::KernelOp::kGemm>& k,
                  std::shared_ptr<kernels::PackedGemm> packed, const float* a, int64_t m, float* c, Activation act);
// Registers a whole-step GEMM with ctx.prefetch: as a host when it has rows enough to be bound by
// compute, else (weights read once per run) as a target of the hosts before it.
GemmStep WithWeightPrefetch(const NativeContext& ctx, GemmStep s);

// Step factories: each returns the reference step for what its kernels do not cover.
using StepFn = absl::StatusOr<PreparedStep> (*)(const NativeContext& ctx, const Graph& g, size_t index,
                                                const TensorPointers& p);
absl::StatusOr<PreparedStep> ConvStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p);
absl::StatusOr<PreparedStep> PatchConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p);
// Whether PatchConvStep builds column patches (kernels/im2col.h) for this geometry.
inline bool ColumnPatchesFit(const ref::ConvGeometry& geo) { return geo.dilation_w == 1 && geo.kernel_h <= 64; }
// Whether Conv2D `n` (of an NHWC graph) runs as an FP32 column-patch step at ctx's level, so it
// can read its input as NCHW instead (passes/nchw_input.h).
bool PatchConvCanReadNchw(const NativeContext& ctx, const Graph& g, const Node& n);
absl::StatusOr<PreparedStep> DepthwiseStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p);
absl::StatusOr<PreparedStep> FullyConnectedStep(const NativeContext& ctx, const Graph& g, size_t index,
                                                const TensorPointers& p);
absl::StatusOr<PreparedStep> GlobalAvgPoolStep(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p);
absl::StatusOr<PreparedStep> BinaryStep(const NativeContext& ctx, const Graph& g, size_t index,
                                        const TensorPointers& p);
absl::StatusOr<PreparedStep> ActivationStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p, Activation act);
// INT8 (int8_steps.cc): nodes computing in i8 (and the Quantize into i8) run the kS8 kernels.
bool IsInt8Step(const Graph& g, const Node& n);
absl::StatusOr<PreparedStep> Int8Step(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p);
absl::StatusOr<PreparedStep> TransposeStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p);

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_STEPS_H_
