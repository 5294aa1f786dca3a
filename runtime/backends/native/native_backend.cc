#include "runtime/backends/native/native_backend.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/registry.h"
#include "kernels/thread_pool.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/passes/mbconv_fusion.h"
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

std::shared_ptr<kernels::PackedGemm> PackPointwise(const kernels::Kernel<kernels::KernelOp::kGemm>& gemm, const Graph& g,
                                                   const Node& n) {
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  return std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws[3], gemm.tile));
}

}  // namespace native

namespace {

using kernels::Isa;
using native::NativeContext;

absl::StatusOr<PreparedStep> MakeNativeStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p) {
  const Node& n = g.nodes[index];
  if (!ctx.chain_of.empty() && ctx.chain_of[index] >= 0) return native::MbconvChainStep(ctx, g, index, p);
  if (!ctx.scaled_of.empty() && ctx.scaled_of[index] >= 0) return native::ScaledPointwiseStep(ctx, g, index, p);
  if (!native::AllActivationsF32(g, n)) return ReferenceStep(g, index, p);
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
    if (!kernels::ParseIsa(value, &requested))
      return absl::InvalidArgumentError(absl::StrCat(source, "='", value,
                                                     "' is not an ISA level; expected one of portable, avx2, "
                                                     "avx512, neon"));
    // A cap only lowers the level; a level this CPU lacks falls back to one it has.
    if (static_cast<int>(requested) < static_cast<int>(isa) || !kernels::CpuSupports(isa)) isa = requested;
  }
  return UsableIsa(isa);
}

absl::StatusOr<Isa> NativeIsaFromEnvironment() { return NativeIsa(""); }

absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeWith(const Graph& g, const BackendOptions& options,
                                                              const NativeOptions& native) {
  native::NativeContext ctx;
  ctx.isa = UsableIsa(native.max_isa);
  ctx.pool = std::make_shared<kernels::ThreadPool>(options.threads);
  ctx.registry = &kernels::KernelRegistry::Global();
  BackendOptions o = options;
  o.precision = Precision::kF32;  // FP16/INT8 kernels are not written yet: FP32 is what runs
  // The plan sees each fused chain's input as read by the chain's last node, where the chain
  // runs, so the arena keeps it alive until then (the graph itself is not changed).
  Graph planned = g;
  if (native.fuse_mbconv) {
    for (const MbconvChain& c : FindMbconvChains(g))
      if (g.tensors[g.nodes[c.expand].outputs[0]].num_elements() * 4 >= native.fuse_min_expanded_bytes)
        ctx.chains.push_back(c);
    ctx.chain_of.assign(g.nodes.size(), -1);
    for (size_t i = 0; i < ctx.chains.size(); ++i) {
      const MbconvChain& c = ctx.chains[i];
      for (int32_t node : {c.expand, c.depthwise, c.project})
        if (node >= 0) ctx.chain_of[node] = static_cast<int32_t>(i);
      const int32_t last = c.project >= 0 ? c.project : c.depthwise;
      std::vector<int32_t>& inputs = planned.nodes[last].inputs;
      if (inputs.size() < 3) inputs.resize(3, -1);  // after the optional bias slot
      inputs.push_back(g.nodes[c.expand].inputs[0]);
    }
  }
  if (native.fuse_se_scale) {
    ctx.scaled_of.assign(g.nodes.size(), -1);
    auto in_chain = [&](int32_t node) { return !ctx.chain_of.empty() && ctx.chain_of[node] >= 0; };
    for (const ScaledPointwise& sp : FindScaledPointwise(g)) {
      if (in_chain(sp.mul) || in_chain(sp.conv)) continue;
      ctx.scaled_of[sp.mul] = ctx.scaled_of[sp.conv] = static_cast<int32_t>(ctx.scaled.size());
      ctx.scaled.push_back(sp);
      // The conv reads x and s in place of the Mul's output: keep them live until it runs.
      std::vector<int32_t>& inputs = planned.nodes[sp.conv].inputs;
      if (inputs.size() < 3) inputs.resize(3, -1);
      inputs.push_back(sp.x);
      inputs.push_back(sp.scale);
    }
  }
  auto e = PlannedExecutable::Create(planned, o, [&ctx](const Graph& graph, size_t index, const TensorPointers& p) {
    return MakeNativeStep(ctx, graph, index, p);
  });
  if (!e.ok()) return e.status();
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
    if (v == "all") n.fuse_min_expanded_bytes = 0;
  }
  // No cost model yet: auto keeps the measured-faster unfused plan.
  n.fuse_mbconv = fusion == FusionPolicy::kOn;
  const char* se = std::getenv(kNativeSeFuseEnvVar);
  n.fuse_se_scale = se && std::string(se) == "1";
  return PrepareNativeWith(g, options, n);
}

}  // namespace scalert