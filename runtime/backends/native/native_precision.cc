#include "runtime/backends/native/native_precision.h"

#include "absl/strings/str_cat.h"

namespace scalert {

absl::Status CheckNativePrecision(const Graph& g, Precision requested) {
  if (requested != Precision::kF32)
    return absl::UnimplementedError(absl::StrCat(
        "native backend: ", PrecisionName(requested),
        " is not available (native kernels compute in fp32); make a lowered file with `scalert quantize --mode ",
        PrecisionName(requested), "` and run it on the reference backend, or ask for fp32"));
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].outputs)
      if (g.tensors[t].dtype != DType::kF32)
        return absl::UnimplementedError(absl::StrCat(
            "native backend: ", g.NodeLabel(i), " writes ", DTypeName(g.tensors[t].dtype), " ", g.TensorLabel(t),
            ", and native kernels compute in fp32 only; run this lowered model on the reference backend"));
  return absl::OkStatus();
}

}  // namespace scalert
