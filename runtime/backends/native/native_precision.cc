#include "runtime/backends/native/native_precision.h"

#include "absl/strings/str_cat.h"
#include "runtime/dtype_rules.h"

namespace scalert {

absl::Status CheckNativePrecision(const Graph& g, Precision requested) {
  const Precision file = GraphPrecision(g);
  if (requested != Precision::kF32 && requested != file)
    return absl::UnimplementedError(absl::StrCat(
        "native backend: ", PrecisionName(requested), " was asked for a ", PrecisionName(file),
        " model; the native backend runs a model at the precision its file says: make a lowered file with "
        "`scalert quantize --mode ", PrecisionName(requested), "`, or ask for fp32"));
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].outputs)
      if (g.tensors[t].dtype == DType::kI8)
        return absl::UnimplementedError(absl::StrCat(
            "native backend: ", g.NodeLabel(i), " writes ", DTypeName(g.tensors[t].dtype), " ", g.TensorLabel(t),
            ", and native kernels compute in fp32, fp16 and bf16 only; run this lowered model on the reference backend"));
  return absl::OkStatus();
}

}  // namespace scalert
