#include "runtime/backends/native/native_precision.h"

#include "absl/strings/str_cat.h"
#include "runtime/dtype_rules.h"

namespace scalert {

absl::Status CheckNativePrecision(const Graph& g, Precision requested) {
  const Precision file = GraphPrecision(g);
  if (requested == Precision::kI8 && file != Precision::kI8 && file != Precision::kMixed)
    return absl::UnimplementedError(absl::StrCat(
        "native backend: int8 runs the i8 layers of a quantized file, and this model's layers are ",
        PrecisionName(file), "; make one with `scalert quantize --mode int8` (calibration decides its scales)"));
  if (requested != Precision::kF32 && requested != Precision::kI8)
    return absl::UnimplementedError(absl::StrCat(
        "native backend: ", PrecisionName(requested),
        " is not available (native kernels compute in fp32 and int8); make a lowered file with `scalert quantize "
        "--mode ", PrecisionName(requested), "` and run it on the reference backend, or ask for fp32"));
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].outputs)
      if (g.tensors[t].dtype != DType::kF32 && g.tensors[t].dtype != DType::kI8)
        return absl::UnimplementedError(absl::StrCat(
            "native backend: ", g.NodeLabel(i), " writes ", DTypeName(g.tensors[t].dtype), " ", g.TensorLabel(t),
            ", and native kernels compute in fp32 and int8 only; run this lowered model on the reference backend"));
  return absl::OkStatus();
}

}  // namespace scalert
