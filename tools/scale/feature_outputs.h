// Which feature maps a backbone gives out (`scalert scale --outputs`): the ends of chosen stages,
// for detectors and segmenters that read several strides.
#ifndef SCALERT_TOOLS_SCALE_FEATURE_OUTPUTS_H_
#define SCALERT_TOOLS_SCALE_FEATURE_OUTPUTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/scale/architectures.h"
#include "tools/scale/network_builder.h"

namespace scalert::scale {

// A comma-separated list of
//   "stages"  every stride level: the last stage at each stride, named C1.. (timm's features_only);
//   "C<n>"    the last stage whose output has stride 2^n (C3, C4, C5: strides 8, 16, 32), named so;
//   "<k>"     stage k (1-based, as `scalert scale` reports stages), named "stage<k>".
// Unknown tokens, stages out of range, levels no stage ends at and repeats are errors.
absl::StatusOr<std::vector<FeatureOutput>> ParseFeatureOutputs(const std::string& spec, const Architecture& a);

}  // namespace scalert::scale

#endif  // SCALERT_TOOLS_SCALE_FEATURE_OUTPUTS_H_
