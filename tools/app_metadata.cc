#include "tools/app_metadata.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace scalert::tools {
namespace {

absl::StatusOr<std::vector<float>> ParseFloats(const std::string& flag, const std::string& text) {
  std::vector<float> r;
  for (const std::string& item : SplitList(text)) {
    char* end = nullptr;
    errno = 0;
    float v = std::strtof(item.c_str(), &end);
    if (*end != '\0' || errno != 0 || !std::isfinite(v))
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", item, "' is not a number"));
    r.push_back(v);
  }
  if (r.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " needs comma-separated numbers"));
  return r;
}

}  // namespace

std::vector<FlagSpec> AppMetadataFlags() {
  return {{"labels", true, "class labels, one per line, stored in the model for apps", "FILE"},
          {"mean", true, "per-channel input mean for (x/255 - mean) / std, e.g. 0.485,0.456,0.406", "LIST"},
          {"std", true, "per-channel input std, e.g. 0.229,0.224,0.225", "LIST"},
          {"color-order", true, "channel order the model expects: RGB or BGR", "ORDER"}};
}

absl::StatusOr<std::vector<std::string>> ReadLabelsFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open labels file"));
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  if (labels.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": labels file is empty"));
  return labels;
}

absl::Status ApplyAppMetadataFlags(const Args& args, int32_t channels, ModelMetadata* m) {
  if (args.has("labels")) {
    auto labels = ReadLabelsFile(args.get("labels"));
    if (!labels.ok()) return labels.status();
    m->labels = std::move(labels).value();
  }
  for (const char* flag : {"mean", "std"}) {
    if (!args.has(flag)) continue;
    auto values = ParseFloats(flag, args.get(flag));
    if (!values.ok()) return values.status();
    if (channels > 0 && static_cast<int32_t>(values->size()) != channels)
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " has ", values->size(),
                                                     " values but the model input has ", channels, " channels"));
    if (std::string(flag) == "std")
      for (float v : *values)
        if (!(v > 0)) return absl::InvalidArgumentError(absl::StrCat("--std values must be positive, found ", v));
    (std::string(flag) == "mean" ? m->mean : m->std) = std::move(values).value();
  }
  if (args.has("color-order")) {
    std::string order = args.get("color-order");
    if (order != "RGB" && order != "BGR")
      return absl::InvalidArgumentError(absl::StrCat("--color-order must be RGB or BGR, found '", order, "'"));
    m->color_order = order;
  }
  if (!m->mean.empty() && !m->std.empty() && m->mean.size() != m->std.size())
    return absl::InvalidArgumentError("--mean and --std must have the same number of values");
  return absl::OkStatus();
}

}  // namespace scalert::tools
