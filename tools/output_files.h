// Writing a model's outputs for `scalert run --output`: one .npy per output, all or nothing.
#ifndef SCALERT_TOOLS_OUTPUT_FILES_H_
#define SCALERT_TOOLS_OUTPUT_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/interpreter.h"

namespace scalert::tools {

// After an Invoke: with one output and a path ending in ".npy", writes that file; otherwise
// `path` is a directory (created if missing) that gets "<output name>.npy" per output (characters
// other than letters, digits, '.', '-' and '_' become '_'). On failure nothing stays written.
// Returns the files written.
absl::StatusOr<std::vector<std::string>> WriteOutputsNpy(const Interpreter& interp, const std::string& path);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_OUTPUT_FILES_H_
