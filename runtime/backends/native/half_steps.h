// Native steps for 16-bit float activations (FP16 and BF16 files from `scalert quantize`):
// pointwise convolutions and fully connected layers on the 16-bit GEMM kernels, depthwise on the
// 16-bit depthwise kernels, Quantize / Dequantize between FP32 and FP16 / BF16 as vector
// conversions, and every other operator as its native FP32 step on FP32 copies of its 16-bit
// tensors (converted before, rounded after: the reference backend's rule). Nothing runs at
// another precision than the file says.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_HALF_STEPS_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_HALF_STEPS_H_

#include "absl/status/statusor.h"
#include "kernels/registry.h"
#include "runtime/backends/native/native_steps.h"

namespace scalert::native {

// The FP16-arithmetic kernels (neonfhm: FMLAL; avx512fp16: vfmadd*ph) read FP16 weights: weights
// stored wider would be rounded, so they take the storage kernels (FP32 arithmetic) one level down.
template <kernels::KernelDType dt>
kernels::Isa F16WeightsLevel(const Graph& g, int32_t weights, kernels::Isa isa) {
  if (dt != kernels::KernelDType::kF16 || g.tensors[weights].dtype == DType::kF16) return isa;
  if (isa >= kernels::Isa::kNeonFhm) return kernels::Isa::kNeonDot;
  if (kernels::IsaIncludes(isa, kernels::Isa::kAvx512Fp16)) return kernels::Isa::kAvx512Bf16;
  return isa;
}

// The 16-bit GEMM for constant weights `weights` (a pointwise convolution or fully connected
// layer, also inside a fused block).
template <kernels::KernelDType dt>
kernels::Kernel<kernels::KernelOp::kGemm, dt> FindHalfGemm(const NativeContext& ctx, const Graph& g, int32_t weights) {
  kernels::Isa isa = ctx.isa;
  // The BF16 dot-product kernels (vdpbf16ps, and AMX tiles above it) read BF16 weights: weights
  // stored wider would be rounded, which the file does not ask for, so they take the
  // FP32-arithmetic kernel.
  if (dt == kernels::KernelDType::kBF16 && g.tensors[weights].dtype != DType::kBF16 &&
      kernels::IsaIncludes(isa, kernels::Isa::kAvx512Bf16))
    isa = kernels::Isa::kAvx512;
  return ctx.registry->Find<kernels::KernelOp::kGemm, dt>(F16WeightsLevel<dt>(g, weights, isa));
}

// The 16-bit depthwise kernel for constant weights `weights`.
template <kernels::KernelDType dt>
kernels::Kernel<kernels::KernelOp::kDwConv, dt> FindHalfDwConv(const NativeContext& ctx, const Graph& g,
                                                               int32_t weights) {
  return ctx.registry->Find<kernels::KernelOp::kDwConv, dt>(F16WeightsLevel<dt>(g, weights, ctx.isa));
}

// A non-pointwise convolution (dilation_w 1: the stem) of 16-bit activations with constant
// weights, as column patches times the 16-bit GEMM (half_patch_conv_step.cc).
absl::StatusOr<PreparedStep> HalfPatchConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p);

// True when node `index` reads or writes FP16 / BF16 activations (and no INT8 ones).
bool IsHalfNode(const Graph& g, size_t index);

// The step for such a node; `f32_step` builds a node's native FP32 step (MakeNativeStep's
// dispatch without the dtype check) for the operators without a 16-bit kernel.
absl::StatusOr<PreparedStep> HalfStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                      StepFn f32_step);

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_HALF_STEPS_H_
