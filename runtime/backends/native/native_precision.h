// What the native backend computes in: FP32 kernels, and INT8 kernels for the i8 layers of a file
// from `scalert quantize --mode int8|mixed` (int8_steps.cc). A request for another precision
// (fp16, bf16; int8 of an FP32 file, which would need calibration), or a file with f16/bf16
// activations, is refused with the reason, never run at another precision. FP16/BF16/INT8
// *weights* with FP32 activations are fine: they are converted to FP32 when the weights are packed.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_PRECISION_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_PRECISION_H_

#include "absl/status/status.h"
#include "runtime/graph.h"

namespace scalert {

absl::Status CheckNativePrecision(const Graph& g, Precision requested);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_PRECISION_H_
