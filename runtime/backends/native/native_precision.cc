#include "runtime/backends/native/native_precision.h"

#include "absl/strings/str_cat.h"
#include "runtime/dtype_rules.h"

namespace scalert {

absl::Status CheckNativePrecision(const Graph& g, Precision requested) {
  const Precision file = GraphPrecision(g);
  // An int8 request also takes a mixed file: it runs the i8 layers that calibration made.
  if (requested == Precision::kF32 || requested == file || (requested == Precision::kI8 && file == Precision::kMixed))
    return absl::OkStatus();
  if (requested == Precision::kI8)
    return absl::UnimplementedError(absl::StrCat(
        "native backend: int8 runs the i8 layers of a quantized file, and this model's layers are ",
        PrecisionName(file), "; make one with `scalert quantize --mode int8` (calibration decides its scales)"));
  return absl::UnimplementedError(absl::StrCat(
      "native backend: ", PrecisionName(requested), " was asked for a ", PrecisionName(file),
      " model; the native backend runs a model at the precision its file says: make a lowered file with "
      "`scalert quantize --mode ", PrecisionName(requested), "`, or ask for fp32"));
}

}  // namespace scalert
