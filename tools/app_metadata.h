// Flags that put what an app needs into a model's metadata: class labels and input
// normalization. Shared by `scalert scale` and `scalert import`.
#ifndef SCALERT_TOOLS_APP_METADATA_H_
#define SCALERT_TOOLS_APP_METADATA_H_

#include <vector>

#include "absl/status/status.h"
#include "runtime/graph.h"
#include "tools/args.h"

namespace scalert::tools {

// --labels FILE, --mean a,b,c, --std a,b,c, --color-order RGB|BGR.
std::vector<FlagSpec> AppMetadataFlags();

// Applies the flags that were given to `m`. Errors name the flag and the bad value; `channels`
// (the model's input channels) is what --mean/--std must match when > 0.
absl::Status ApplyAppMetadataFlags(const Args& args, int32_t channels, ModelMetadata* m);

// Reads one label per line (empty lines kept as empty labels, trailing newline ignored).
absl::StatusOr<std::vector<std::string>> ReadLabelsFile(const std::string& path);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_APP_METADATA_H_
