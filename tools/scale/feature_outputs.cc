#include "tools/scale/feature_outputs.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace scalert::scale {
namespace {

// The last stage (1-based) whose output stride is `stride`; 0 if none.
int32_t LastStageAtStride(const std::vector<int32_t>& strides, int32_t stride) {
  int32_t found = 0;
  for (size_t i = 0; i < strides.size(); ++i)
    if (strides[i] == stride) found = static_cast<int32_t>(i) + 1;
  return found;
}

}  // namespace

absl::StatusOr<std::vector<FeatureOutput>> ParseFeatureOutputs(const std::string& spec, const Architecture& a) {
  const std::vector<int32_t> strides = StageStrides(a);
  const int32_t n = static_cast<int32_t>(strides.size());
  std::vector<FeatureOutput> out;
  auto add = [&](int32_t stage, std::string name) -> absl::Status {
    for (const FeatureOutput& o : out)
      if (o.stage == stage)
        return absl::InvalidArgumentError(absl::StrCat("--outputs names stage ", stage, " twice (", o.name, ", ", name, ")"));
    out.push_back({stage, std::move(name)});
    return absl::OkStatus();
  };
  for (absl::string_view token : absl::StrSplit(spec, ',')) {
    token = absl::StripAsciiWhitespace(token);
    int32_t value = 0;
    if (token == "stages") {
      int32_t level = 0;
      for (int32_t stride = 2; stride <= strides.back(); stride *= 2) {
        ++level;
        if (int32_t stage = LastStageAtStride(strides, stride); stage > 0) {
          if (absl::Status s = add(stage, absl::StrCat("C", level)); !s.ok()) return s;
        }
      }
    } else if (token.size() > 1 && (token[0] == 'C' || token[0] == 'c') && absl::SimpleAtoi(token.substr(1), &value)) {
      if (value < 1 || value > 12)
        return absl::InvalidArgumentError(absl::StrCat("--outputs: level '", token, "' is outside C1..C12"));
      const int32_t stage = LastStageAtStride(strides, 1 << value);
      if (stage == 0)
        return absl::InvalidArgumentError(absl::StrCat("--outputs: no stage ends at stride ", 1 << value, " for ", token,
                                                       " (the stages end at strides ", absl::StrJoin(strides, ", "), ")"));
      if (absl::Status s = add(stage, absl::StrCat("C", value)); !s.ok()) return s;
    } else if (absl::SimpleAtoi(token, &value)) {
      if (value < 1 || value > n)
        return absl::InvalidArgumentError(absl::StrCat("--outputs: stage ", value, " does not exist (stages 1..", n, ")"));
      if (absl::Status s = add(value, absl::StrCat("stage", value)); !s.ok()) return s;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--outputs: '", token, "' is not 'stages', a level C<n> or a ",
                                                     "stage number"));
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("--outputs is empty");
  return out;
}

}  // namespace scalert::scale
