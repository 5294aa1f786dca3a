#include "tools/run_images.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "runtime/image/decode.h"
#include "tools/json.h"
#include "tools/npy.h"

namespace scalert::tools {

absl::StatusOr<std::vector<std::string>> ExpandImagePaths(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (const fs::directory_entry& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file(ec) && image::HasImageExtension(e.path().string())) found.push_back(e.path().string());
    if (ec) return absl::InvalidArgumentError(absl::StrCat(p, ": cannot list the folder: ", ec.message()));
    if (found.empty()) return absl::InvalidArgumentError(absl::StrCat(p, ": no .jpg, .jpeg, .png, .ppm or .pgm files"));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::vector<int64_t> TopK(const float* y, int64_t n, size_t k) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) { return y[a] > y[b]; });
  idx.resize(k);
  return idx;
}

namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "scalert run: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int RunOnImages(Interpreter& interp, const ImageRunOptions& o) {
  if (interp.num_inputs() != 1)
    return Fail(absl::InvalidArgumentError(absl::StrCat("--image needs a model with one input; this one has ",
                                                        interp.num_inputs())));
  if (o.images.size() != 1 && (!o.output.empty() || !o.save_input.empty()))
    return Fail(absl::InvalidArgumentError("--output and --save-input take a single image"));
  const std::vector<std::string>& labels = interp.model().graph().metadata.labels;
  const Tensor& in = interp.input(0);
  const Tensor& out = interp.output(0);
  std::vector<std::string> json_results, text;
  for (const std::string& path : o.images) {
    auto img = image::ReadImageFile(path);
    if (!img.ok()) return Fail(img.status());
    image::PreprocessOptions po;
    po.fit = o.fit;
    if (absl::Status s = interp.SetInputImage(0, img->frame(), po); !s.ok())
      return Fail(absl::Status(s.code(), absl::StrCat(path, ": ", s.message())));
    const auto t0 = std::chrono::steady_clock::now();
    if (absl::Status s = interp.Invoke(); !s.ok()) return Fail(s);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const float* y = static_cast<const float*>(interp.output_data(0));
    const std::vector<int64_t> top = TopK(y, out.num_elements(), o.top);
    if (!o.save_input.empty()) {
      if (absl::Status s = WriteNpy(o.save_input, in.shape, static_cast<const float*>(interp.input_data(0))); !s.ok())
        return Fail(s);
    }
    if (!o.output.empty()) {
      if (absl::Status s = WriteNpy(o.output, out.shape, y); !s.ok()) return Fail(s);
    }
    std::vector<std::string> top_json;
    std::string lines = absl::StrCat(path, " (", img->width, "x", img->height, ", ", image::FitName(o.fit), ")\n");
    for (int64_t i : top) {
      const std::string label = i < static_cast<int64_t>(labels.size()) ? labels[i] : "";
      top_json.push_back(JsonObject().Int("index", i).Num("value", y[i]).Str("label", label).str());
      char buf[64];
      std::snprintf(buf, sizeof buf, "  %6lld  %12.6f", static_cast<long long>(i), y[i]);
      absl::StrAppend(&lines, buf, label.empty() ? "" : "  ", label, "\n");
    }
    text.push_back(lines);
    json_results.push_back(JsonObject().Str("image", path).Int("width", img->width).Int("height", img->height)
                               .Raw("top", JsonArray(top_json)).Num("time_ms", ms).str());
  }
  if (o.json) {
    std::printf("%s\n", JsonObject().Str("backend", interp.options().backend).Int("threads", interp.options().threads)
                            .Str("fit", image::FitName(o.fit)).Raw("results", JsonArray(json_results)).str().c_str());
  } else {
    for (const std::string& t : text) std::printf("%s", t.c_str());
  }
  return 0;
}

}  // namespace scalert::tools
