// Native steps for 16-bit float activations (FP16 and BF16 files from `scalert quantize`):
// pointwise convolutions and fully connected layers on the 16-bit GEMM kernels, depthwise on the
// 16-bit depthwise kernels, Quantize / Dequantize between FP32 and FP16 / BF16 as vector
// conversions, and every other operator as its native FP32 step on FP32 copies of its 16-bit
// tensors (converted before, rounded after: the reference backend's rule). Nothing runs at
// another precision than the file says.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_HALF_STEPS_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_HALF_STEPS_H_

#include "absl/status/statusor.h"
#include "runtime/backends/native/native_steps.h"

namespace scalert::native {

// True when node `index` reads or writes FP16 / BF16 activations (and no INT8 ones).
bool IsHalfNode(const Graph& g, size_t index);

// The step for such a node; `f32_step` builds a node's native FP32 step (MakeNativeStep's
// dispatch without the dtype check) for the operators without a 16-bit kernel.
absl::StatusOr<PreparedStep> HalfStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                      StepFn f32_step);

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_HALF_STEPS_H_
