// What the native backend computes in: a model at the precision its file says, FP32, FP16 or BF16
// layers (half_steps.h) and the i8 layers of a file from `scalert quantize --mode int8|mixed`
// (int8_steps.cc). A request for another precision than the file's (int8 of an FP32 file would
// need calibration) is refused with the reason, never run at another precision. FP16/BF16/INT8
// weights with FP32 activations are fine: they are converted to FP32 when the weights are packed.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_PRECISION_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_PRECISION_H_

#include "absl/status/status.h"
#include "runtime/graph.h"

namespace scalert {

absl::Status CheckNativePrecision(const Graph& g, Precision requested);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_PRECISION_H_
