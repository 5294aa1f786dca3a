#include "tools/output_files.h"

#include <cctype>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/npy.h"

namespace scalert::tools {
namespace {

namespace fs = std::filesystem;

std::string FileNameFor(const std::string& tensor_name, size_t index) {
  std::string s = tensor_name.empty() ? absl::StrCat("output", index) : tensor_name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '_';
  if (s[0] == '.') s[0] = '_';  // no hidden files, no ".."
  return s;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> WriteOutputsNpy(const Interpreter& interp, const std::string& path) {
  for (size_t i = 0; i < interp.num_outputs(); ++i)
    if (interp.output(i).dtype != DType::kF32)
      return absl::UnimplementedError(absl::StrCat("output '", interp.output(i).name, "' is not f32; only f32 outputs ",
                                                   "are written as .npy"));
  if (interp.num_outputs() == 1 && absl::EndsWith(path, ".npy")) {
    const Tensor& t = interp.output(0);
    if (absl::Status s = WriteNpy(path, t.shape, static_cast<const float*>(interp.output_data(0))); !s.ok()) return s;
    return std::vector<std::string>{path};
  }
  if (absl::EndsWith(path, ".npy"))
    return absl::InvalidArgumentError(absl::StrCat("the model has ", interp.num_outputs(), " outputs: give --output a ",
                                                   "directory for one .npy each, not '", path, "'"));
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  fs::create_directories(path, ec);
  if (ec || !fs::is_directory(path))
    return absl::InvalidArgumentError(absl::StrCat("cannot create output directory '", path, "'",
                                                   ec ? ": " + ec.message() : ": a file of that name exists"));
  std::vector<std::string> written;
  std::set<std::string> names;
  for (size_t i = 0; i < interp.num_outputs(); ++i) {
    std::string name = FileNameFor(interp.output(i).name, i);
    while (!names.insert(name).second) name += "_";  // two outputs that sanitize alike
    const std::string file = (fs::path(path) / (name + ".npy")).string();
    absl::Status s = WriteNpy(file, interp.output(i).shape, static_cast<const float*>(interp.output_data(i)));
    if (!s.ok()) {
      for (const std::string& f : written) fs::remove(f, ec);
      if (!existed) fs::remove(path, ec);
      return s;
    }
    written.push_back(file);
  }
  return written;
}

}  // namespace scalert::tools
