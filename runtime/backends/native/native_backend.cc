#include "runtime/backends/native/native_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/isa.h"
#include "kernels/registry.h"
#include "kernels/thread_pool.h"
#include "runtime/backends/native/fused_mbconv_s8_step.h"
#include "runtime/backends/native/fused_mbconv_step.h"
#include "runtime/backends/native/half_steps.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/native/native_precision.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/dtype_rules.h"
#include "runtime/passes/mbconv_fusion.h"
#include "runtime/passes/nchw_input.h"
#include "runtime/planned_executable.h"
#include "runtime/weights.h"

namespace scalert {
namespace native {

std::vector<float> OptionalF32(const Graph& g, const Node& n, size_t input) {
  if (input >= n.inputs.size() || n.inputs[input] < 0 || !g.tensors[n.inputs[input]].is_constant()) return {};
  return ConstantAsF32(g.tensors[n.inputs[input]]);
}

// Kernel name in op descriptions: the use (conv1x1, fc, ...) and the level that actually runs.
std::string KernelLabel(const std::string& use, kernels::Isa isa) { return absl::StrCat(use, "_f32_", kernels::IsaName(isa)); }

// The native kernels read and write FP32 activations; anything else goes to the reference.
bool AllActivationsF32(const Graph& g, const Node& n) {
  for (int32_t t : n.inputs)
    if (t >= 0 && !g.tensors[t].is_constant() && g.tensors[t].dtype != DType::kF32) return false;
  for (int32_t t : n.outputs)
    if (g.tensors[t].dtype != DType::kF32) return false;
  return true;
}

bool IsConstant(const Graph& g, const Node& n, size_t input) {
  return input < n.inputs.size() && n.inputs[input] >= 0 && g.tensors[n.inputs[input]].is_constant();
}

std::shared_ptr<kernels::PackedGemm> PackGemmTensors(const kernels::Kernel<kernels::KernelOp::kGemm>& gemm,
                                                     const Graph& g, int32_t weights, int32_t bias) {
  const Shape& ws = g.tensors[weights].shape;
  const std::vector<float> w = ConstantAsF32(g.tensors[weights]);
  const std::vector<float> b = bias >= 0 ? ConstantAsF32(g.tensors[bias]) : std::vector<float>();
  return std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws.back(), gemm.tile));
}

std::shared_ptr<kernels::PackedGemm> PackPointwise(const kernels::Kernel<kernels::KernelOp::kGemm>& gemm,
                                                   const Graph& g, const Node& n) {
  return PackGemmTensors(gemm, g, n.inputs[1], IsConstant(g, n, 2) ? n.inputs[2] : -1);
}

}  // namespace native

namespace {

using kernels::Isa;
using native::NativeContext;

// The FP32 step of node `index` (its activations FP32, or FP32 copies of them: half_steps.cc).
absl::StatusOr<PreparedStep> MakeNativeF32Step(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p) {
  const Node& n = g.nodes[index];
  switch (n.type) {
    case OpType::kConv2D: return native::ConvStep(ctx, g, index, p);
    case OpType::kDepthwiseConv2D: return native::DepthwiseStep(ctx, g, index, p);
    case OpType::kFullyConnected: return native::FullyConnectedStep(ctx, g, index, p);
    case OpType::kGlobalAveragePool: return native::GlobalAvgPoolStep(ctx, g, index, p);
    case OpType::kTranspose: return native::TransposeStep(ctx, g, index, p);
    case OpType::kAdd:
    case OpType::kMul: return native::BinaryStep(ctx, g, index, p);
    case OpType::kRelu: return native::ActivationStep(ctx, g, index, p, Activation::kRelu);
    case OpType::kRelu6: return native::ActivationStep(ctx, g, index, p, Activation::kRelu6);
    case OpType::kSigmoid: return native::ActivationStep(ctx, g, index, p, Activation::kSigmoid);
    case OpType::kSwish: return native::ActivationStep(ctx, g, index, p, Activation::kSwish);
    case OpType::kHardSwish: return native::ActivationStep(ctx, g, index, p, Activation::kHardSwish);
    case OpType::kHardSigmoid:
      // The fused activation is PyTorch's x/6 + 1/2; other slopes run the reference.
      if (std::abs(n.alpha - 1.f / 6) < 1e-7f && n.beta == 0.5f)
        return native::ActivationStep(ctx, g, index, p, Activation::kHardSigmoid);
      return ReferenceStep(g, index, p);
    default: return ReferenceStep(g, index, p);
  }
}

absl::StatusOr<PreparedStep> MakeNativeStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p) {
  const Node& n = g.nodes[index];
  if (native::IsFusedMbconvS8(n)) return native::FusedMbconvS8Step(ctx, g, index, p);
  if (n.type == OpType::kFusedMbconv) return native::FusedMbconvStep(ctx, g, index, p);
  if (native::IsInt8Step(g, n)) return native::Int8Step(ctx, g, index, p);
  if (native::AllActivationsF32(g, n)) return MakeNativeF32Step(ctx, g, index, p);
  if (native::IsHalfNode(g, index)) return native::HalfStep(ctx, g, index, p, MakeNativeF32Step);
  return ReferenceStep(g, index, p);
}
}  // namespace

Isa UsableIsa(Isa requested) {
  while (!kernels::CpuSupports(requested)) requested = kernels::IsaFallback(requested);
  return requested;
}

absl::StatusOr<Isa> NativeIsa(const std::string& max_isa) {
  Isa isa = kernels::DetectedIsa();
  for (const auto& [source, value] : {std::pair<const char*, const char*>{"max_isa", max_isa.c_str()},
                                      {kernels::kIsaEnvVar, std::getenv(kernels::kIsaEnvVar)}}) {
    if (!value || !*value) continue;
    Isa requested;
    if (!kernels::ParseIsa(value, &requested)) {
      std::vector<std::string> names;
      for (Isa l : kernels::AllIsas()) names.push_back(kernels::IsaName(l));
      return absl::InvalidArgumentError(absl::StrCat(source, "='", value, "' is not an ISA level; expected one of ",
                                                     absl::StrJoin(names, ", ")));
    }
    // A level this CPU lacks (or of the other architecture) falls back to one it has; then the
    // cap only lowers the level (supported levels are ordered within one architecture).
    requested = UsableIsa(requested);
    if (static_cast<int>(requested) < static_cast<int>(isa)) isa = requested;
  }
  return UsableIsa(isa);
}

absl::StatusOr<Isa> NativeIsaFromEnvironment() { return NativeIsa(""); }

bool FusionPays(const Graph& g, const MbconvBlock& b, int threads, const kernels::TileShape& gemm_tile,
                int64_t l2_bytes, bool rounds_as_ops) {
  // Measured per block with `scalert bench --profile` (AMD EPYC Zen 4, 1 MiB L2, AVX-512, 1
  // thread, fused vs unfused): blocks without squeeze-and-excitation run in one pass and were
  // faster fused at every size in MobileNetV2 (112x112 blocks 0.74 vs 1.10 ms, 7x7 0.46 vs
  // 0.57). With SE the step runs two passes over a stored depthwise output. Re-measured
  // 2026-11-26 (bench/fused_blocks_bench, same machine, after the ring of expanded rows): every
  // EfficientNet-B0 SE block from 112x112 down to 14x14 was 2-7% faster fused (56x56: 0.80 vs
  // 0.85 ms; 14x14: 0.68 vs 0.70), the 7x7 ones 0-2% slower (no room for the gate fold: it
  // scales the stored output instead). A separable pair with SE keeps the block at input +
  // output, writing its depthwise output over its input (or, where something else reads the
  // input, recomputing it: 0.50 vs 0.37 ms unfused): fused, EfficientNet-B0's plan needs half
  // the unfused arena (its peak is that first pair). With this rule the whole model
  // ran as fast as with the previous one (SE blocks fused only beyond L2, the pair unfused):
  // 10.09 vs 10.08 ms, median of 3 interleaved runs; the SE blocks win back what the pair loses.
  //
  // With more than one thread, tasks split the step's bands, which do not always split evenly
  // (a 7-row map: 4 rows against 3 on 2 threads; MobileNetV2's 112x112 pair: 7 bands against 6),
  // while the unfused ops split pixels evenly. Measured on 2 threads (bench/fused_blocks_bench,
  // MobileNetV2): fused lost 8-20% on exactly those blocks (112x112 0.18 vs 0.13 ms, 7x7 0.26 vs
  // 0.22 ms) and was level or ahead where the bands split evenly. So a block whose busiest task
  // has more than 5% above its share runs unfused unless its expanded tensor is larger than L2
  // (then memory traffic decides).
  //
  // Only for blocks whose fused form rounds exactly as their ops do (`rounds_as_ops`: FP32 blocks,
  // and 16-bit blocks on 16-bit rows without a residual, without squeeze-and-excitation).
  // Elsewhere a choice by the thread count would change the output's bits between thread counts,
  // so those blocks decide as on one thread: a 16-bit residual block's fused form adds the
  // residual before the output's one rounding, on FP32 rows it rounds only the output, an FP32 SE
  // block's pools its gate from per-row means and mostly folds it into the project weights.
  // Measured on a Sapphire-Rapids Xeon (2 threads, --profile, fused vs unfused), MobileNetV2's
  // 7x7 residual blocks (features.15, 16): BF16 on AMX whole-map bands 1.00x, FP16 (avx512fp16)
  // 1.04x; its features.17 (no residual: it keeps the rule) 1.22x in FP16.
  //
  // Each band reads the block's weights again. Where they do not fit in half of L2 they come from
  // L3 every band: measured on a 2 MiB-L2 Xeon (1 thread), MobileNetV2's four 7x7 blocks (1.2-1.8
  // MB of weights, 4 bands) took 1.03 ms fused against 0.78 unfused (features.17: 0.42 vs 0.27).
  // So a block whose extra weight reads exceed the traffic fusion saves (the expanded tensor and
  // the depthwise output, each written and read once) runs unfused.
  const int64_t expanded = b.expand >= 0 ? g.tensors[g.nodes[b.expand].outputs[0]].bytes() : 0;
  const native::FusedMbconvPlan plan = native::PlanFusedMbconv(g, FusedMbconvNode(g, b), threads, gemm_tile, l2_bytes);
  if (threads > 1 && rounds_as_ops && expanded <= l2_bytes && plan.split_imbalance() > 1.05) return false;
  int64_t weights = 0;
  for (int32_t op : {b.expand, b.depthwise, b.se_reduce, b.se_expand, b.project})
    if (op >= 0) weights += g.tensors[g.nodes[op].inputs[1]].bytes();
  const int64_t dw_out = g.tensors[g.nodes[b.depthwise].outputs[0]].bytes();
  if (weights > l2_bytes / 2 && (plan.bands_per_image - 1) * weights > 2 * (expanded + dw_out)) return false;
  if (b.se_mul < 0 || b.expand < 0) return true;
  const Shape& map = g.tensors[g.nodes[b.depthwise].outputs[0]].shape;  // SE blocks: not on 7x7 maps
  return expanded > l2_bytes || int64_t{map[1]} * map[2] >= 14 * 14;
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeWith(const Graph& g, const BackendOptions& options,
                                                              const NativeOptions& native) {
  native::NativeContext ctx;
  ctx.isa = UsableIsa(native.max_isa);
  ctx.pool = std::make_shared<kernels::ThreadPool>(options.threads);
  if (!ctx.pool->ok()) return absl::ResourceExhaustedError(ctx.pool->start_error());
  ctx.registry = &kernels::KernelRegistry::Global();
  if (absl::Status s = CheckNativePrecision(g, options.precision); !s.ok()) return s;  // never run another precision
  ctx.l2_bytes = native.l2_bytes > 0 ? native.l2_bytes : kernels::CacheSizesOrDefaults().l2;
  ctx.l1_bytes = native.l1_bytes != 0 ? std::max<int64_t>(0, native.l1_bytes) : kernels::CacheSizesOrDefaults().l1d;
  ctx.chunk_cols = native.fused_chunk_cols;
  ctx.se_gate = native.se_gate;
  int64_t weight_bytes = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_constant()) weight_bytes += t.bytes();
  const int64_t l3_bytes = native.l3_bytes > 0 ? native.l3_bytes : kernels::CacheSizesOrDefaults().l3;
  if (native::WeightPrefetch::Pays(weight_bytes, l3_bytes)) ctx.prefetch = std::make_shared<native::WeightPrefetch>();
  BackendOptions o = options;
  o.precision = GraphPrecision(g);  // what runs: the precision of the file's layers
  auto gemm = ctx.registry->Find<kernels::KernelOp::kGemm>(ctx.isa);
  // Blocks fuse when the level has the kernels of their dtype: FP32, FP16 or BF16 (a block's
  // activations are all one dtype; a mixed file fuses the blocks that are).
  const bool can_fuse = gemm && ctx.registry->Find<kernels::KernelOp::kDwConv>(ctx.isa) &&
                        ctx.registry->Find<kernels::KernelOp::kMulChannel>(ctx.isa);
  auto has_kernels = [&](DType d) {
    using kernels::KernelDType;
    using kernels::KernelOp;
    if (d == DType::kF16)
      return ctx.registry->Find<KernelOp::kGemm, KernelDType::kF16>(ctx.isa) &&
             ctx.registry->Find<KernelOp::kDwConv, KernelDType::kF16>(ctx.isa);
    if (d == DType::kBF16)
      return ctx.registry->Find<KernelOp::kGemm, KernelDType::kBF16>(ctx.isa) &&
             ctx.registry->Find<KernelOp::kDwConv, KernelDType::kBF16>(ctx.isa);
    return d == DType::kF32 || d == DType::kI8;  // INT8: CanFuseS8 checks
  };
  // Stems that read an imported model's NCHW input themselves, without the transpose before them.
  NchwInputGraph nchw = AbsorbNchwTransposes(
      g, [&ctx](const Graph& graph, const Node& n) { return native::PatchConvCanReadNchw(ctx, graph, n); });
  const Graph& unfused = nchw.absorbed > 0 ? nchw.graph : g;
  FusedGraph fused;
  if (native.fusion != FusionPolicy::kOff && can_fuse) {
    fused = FuseMbconvBlocks(unfused, [&](const Graph& graph, const MbconvBlock& b) {
      if (!has_kernels(graph.tensors[graph.nodes[b.depthwise].inputs[0]].dtype)) return false;
      // INT8 blocks fuse wherever the level's INT8 kernels run every part: fused, no block was
      // measurably slower and the models ran faster (fused_mbconv_s8_step.h).
      if (graph.tensors[graph.nodes[b.depthwise].inputs[0]].dtype == DType::kI8)
        return native::CanFuseS8(ctx, graph, FusedMbconvNode(graph, b));
      return native.fusion == FusionPolicy::kOn ||
             FusionPays(graph, b, options.threads, gemm.tile, ctx.l2_bytes,
                        native::FusedRoundsAsOps(ctx, graph, FusedMbconvNode(graph, b)));
    });
  }
  if (fused.fused_blocks == 0) {
    auto e = PlannedExecutable::Create(unfused, o, [&ctx](const Graph& graph, size_t index, const TensorPointers& p) {
      return MakeNativeStep(ctx, graph, index, p);
    });
    if (!e.ok()) return e.status();
    if (nchw.absorbed > 0) (*e)->set_original_nodes(nchw.node_of);
    return std::unique_ptr<Executable>(std::move(e).value());
  }
  // Fused blocks ask for their scratch before the plan is made, so it lives in the arena.
  std::vector<int64_t> scratch(fused.graph.nodes.size(), 0);
  for (size_t i = 0; i < fused.graph.nodes.size(); ++i)
    if (native::IsFusedMbconvS8(fused.graph.nodes[i]))
      scratch[i] = native::FusedMbconvS8ScratchBytes(ctx, fused.graph, fused.graph.nodes[i]);
    else if (fused.graph.nodes[i].type == OpType::kFusedMbconv)
      scratch[i] = native::FusedMbconvScratchBytes(ctx, fused.graph, fused.graph.nodes[i]);
  auto e = PlannedExecutable::Create(
      fused.graph, o,
      [&ctx](const Graph& graph, size_t index, const TensorPointers& p) { return MakeNativeStep(ctx, graph, index, p); },
      scratch);
  if (!e.ok()) return e.status();
  std::vector<int32_t> step_of = fused.node_of;  // per node of g: through both passes
  if (nchw.absorbed > 0) {
    step_of.assign(g.nodes.size(), -1);
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (nchw.node_of[i] >= 0) step_of[i] = fused.node_of[nchw.node_of[i]];
  }
  (*e)->set_original_nodes(std::move(step_of));
  return std::unique_ptr<Executable>(std::move(e).value());
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeAtIsa(const Graph& g, const BackendOptions& options,
                                                               Isa max_isa) {
  NativeOptions n;
  n.max_isa = max_isa;
  return PrepareNativeWith(g, options, n);
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareNative(const Graph& g, const BackendOptions& options) {
  auto isa = NativeIsa(options.max_isa);
  if (!isa.ok()) return isa.status();
  NativeOptions n;
  n.max_isa = *isa;
  FusionPolicy fusion = options.fusion;
  // SCALERT_NATIVE_FUSE overrides the option (experiments): 0|off, 1|on, all (every chain), auto.
  if (const char* env = std::getenv(kNativeFuseEnvVar); env && *env) {
    const std::string v = env;
    if (v == "0" || v == "off") fusion = FusionPolicy::kOff;
    else if (v == "1" || v == "on" || v == "all") fusion = FusionPolicy::kOn;
    else if (v == "auto") fusion = FusionPolicy::kAuto;
    else
      return absl::InvalidArgumentError(
          absl::StrCat(kNativeFuseEnvVar, "='", v, "' is not a fusion policy; expected 0, 1, all, off, on or auto"));
  }
  n.fusion = fusion;
  return PrepareNativeWith(g, options, n);
}

}  // namespace scalert