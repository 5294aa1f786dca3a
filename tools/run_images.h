// `scalert run --image`: image files and folders in, the model's top-k classes out.
#ifndef SCALERT_TOOLS_RUN_IMAGES_H_
#define SCALERT_TOOLS_RUN_IMAGES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/image/resize.h"
#include "runtime/interpreter.h"

namespace scalert::tools {

// Files as given, then each folder's image files (by extension) sorted by name.
absl::StatusOr<std::vector<std::string>> ExpandImagePaths(const std::vector<std::string>& paths);

// Indices of the k largest values, largest first.
std::vector<int64_t> TopK(const float* values, int64_t n, size_t k);

struct ImageRunOptions {
  std::vector<std::string> images;  // files (already expanded)
  image::Fit fit = image::Fit::kStretch;
  size_t top = 5;
  bool json = false;
  std::string output;      // .npy of output 0 (one image only)
  std::string save_input;  // .npy of the preprocessed input (one image only)
};

// Runs every image through input 0 and prints the results; nothing is printed or written unless
// every image decodes and runs. Returns the process exit code.
int RunOnImages(Interpreter& interpreter, const ImageRunOptions& options);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_RUN_IMAGES_H_
