#include "tools/quantize/calibration.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "kernels/reference/float_formats.h"
#include "runtime/backend.h"
#include "runtime/image/decode.h"
#include "runtime/image/preprocess.h"
#include "runtime/status_macros.h"
#include "runtime/validate.h"
#include "tools/npy.h"

namespace scalert::quantize {
namespace {

absl::Status CheckSingleF32Input(const Graph& g) {
  if (g.inputs.size() != 1 || g.tensors[g.inputs[0]].dtype != DType::kF32)
    return absl::InvalidArgumentError("the quantizer needs a model with one f32 input");
  return absl::OkStatus();
}

// Values of tensor t as f32 (outputs of a lowered graph may be f16/bf16/i8).
std::vector<float> ReadTensor(const Tensor& t, const void* p) {
  const int64_t n = t.num_elements();
  std::vector<float> v(static_cast<size_t>(n));
  const uint16_t* h = static_cast<const uint16_t*>(p);
  const int8_t* q = static_cast<const int8_t*>(p);
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::kF16: v[i] = ref::F16ToF32(h[i]); break;
      case DType::kBF16: v[i] = ref::Bf16ToF32(h[i]); break;
      case DType::kI8:
        v[i] = t.quant.scale[0] * static_cast<float>(q[i] - (t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0]));
        break;
      default: v[i] = static_cast<const float*>(p)[i]; break;
    }
  }
  return v;
}

bool IsNpy(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0; }

}  // namespace

absl::StatusOr<std::vector<Sample>> RandomSamples(const Graph& g, int n, uint32_t seed) {
  RETURN_IF_ERROR(CheckSingleF32Input(g));
  if (n < 1) return absl::InvalidArgumentError(absl::StrCat("need at least one random sample, asked for ", n));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<Sample> r(static_cast<size_t>(n), Sample(static_cast<size_t>(g.tensors[g.inputs[0]].num_elements())));
  for (Sample& s : r)
    for (float& v : s) v = u(rng);
  return r;
}

absl::StatusOr<std::vector<Sample>> FolderSamples(const Graph& g, const std::string& dir, image::Fit fit) {
  RETURN_IF_ERROR(CheckSingleF32Input(g));
  DIR* d = opendir(dir.c_str());
  if (!d) return absl::NotFoundError(absl::StrCat(dir, ": cannot open the calibration folder (", std::strerror(errno), ")"));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (IsNpy(name) || image::HasImageExtension(name)) names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  if (names.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(dir, ": no calibration inputs (.npy tensors or .jpg, .jpeg, .png, .ppm, .pgm images)"));
  const Tensor& input = g.tensors[g.inputs[0]];
  std::optional<image::InputSpec> spec;  // asked for at the first image: .npy folders need no image input
  image::PreprocessOptions po;
  po.fit = fit;
  std::vector<Sample> r;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    if (IsNpy(name)) {
      ASSIGN_OR_RETURN(auto npy, tools::ReadNpy(path));
      if (npy.shape != input.shape)
        return absl::InvalidArgumentError(absl::StrCat(path, ": shape ", ShapeToString(npy.shape),
                                                       " is not the model's input shape ", ShapeToString(input.shape)));
      r.push_back(std::move(npy.data));
      continue;
    }
    if (!spec) {
      auto s = image::InputSpecFor(input, g.metadata);
      if (!s.ok()) return absl::Status(s.status().code(), absl::StrCat(path, ": ", s.status().message()));
      spec = *s;
    }
    ASSIGN_OR_RETURN(image::Image img, image::ReadImageFile(path));
    Sample x(static_cast<size_t>(input.num_elements()));
    if (absl::Status s = image::Preprocess(img.frame(), po, *spec, x.data()); !s.ok())
      return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
    r.push_back(std::move(x));
  }
  return r;
}

absl::Status RunObserving(const Graph& g, const std::vector<Sample>& samples, const std::vector<int32_t>& observe,
                          const std::string& backend, int threads, const ObserveFn& fn) {
  RETURN_IF_ERROR(CheckSingleF32Input(g));
  Graph obs = g;
  obs.outputs.clear();
  for (int32_t t : observe)
    if (t != g.inputs[0]) obs.outputs.push_back(t);
  RETURN_IF_ERROR(ValidateGraph(&obs));
  BackendOptions bo;
  bo.threads = threads;
  ASSIGN_OR_RETURN(std::unique_ptr<Executable> e, PrepareBackend(backend, obs, bo));
  for (size_t s = 0; s < samples.size(); ++s) {
    if (static_cast<int64_t>(samples[s].size()) != g.tensors[g.inputs[0]].num_elements())
      return absl::InvalidArgumentError("a sample does not have the model's input size");
    std::copy(samples[s].begin(), samples[s].end(), static_cast<float*>(e->input_buffer(0)));
    RETURN_IF_ERROR(e->Invoke());
    size_t out = 0;
    for (size_t k = 0; k < observe.size(); ++k) {
      if (observe[k] == g.inputs[0]) {
        RETURN_IF_ERROR(fn(s, k, samples[s]));
      } else {
        RETURN_IF_ERROR(fn(s, k, ReadTensor(obs.tensors[observe[k]], e->output_buffer(out++))));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Ranges> Calibrate(const Graph& g, const std::vector<Sample>& samples, const CalibrationOptions& o) {
  if (!(o.percentile > 50 && o.percentile <= 100))
    return absl::InvalidArgumentError(absl::StrCat("percentile must be in (50, 100], found ", o.percentile));
  std::vector<int32_t> observe = g.inputs;
  for (const Node& n : g.nodes)
    for (int32_t t : n.outputs) observe.push_back(t);
  // Pass 1: min and max (the range always holds 0: padding and relu produce it exactly).
  std::vector<Range> minmax(observe.size());
  std::vector<int64_t> count(observe.size(), 0);
  RETURN_IF_ERROR(RunObserving(g, samples, observe, o.backend, o.threads,
                               [&](size_t, size_t k, const std::vector<float>& v) -> absl::Status {
                                 for (float x : v) {
                                   if (!std::isfinite(x))
                                     return absl::InvalidArgumentError(absl::StrCat(
                                         g.TensorLabel(observe[k]), " takes the non-finite value ", x, " on a calibration input"));
                                   minmax[k].lo = std::min(minmax[k].lo, x);
                                   minmax[k].hi = std::max(minmax[k].hi, x);
                                 }
                                 count[k] += static_cast<int64_t>(v.size());
                                 return absl::OkStatus();
                               }));
  Ranges ranges(g.tensors.size());
  for (size_t k = 0; k < observe.size(); ++k) ranges[observe[k]] = minmax[k];
  if (o.percentile >= 100) return ranges;
  // Pass 2: a histogram over [min, max] per tensor; the range becomes the (100-P)th and Pth
  // percentiles.
  constexpr int kBins = 2048;
  std::vector<std::vector<int64_t>> hist(observe.size(), std::vector<int64_t>(kBins, 0));
  RETURN_IF_ERROR(RunObserving(g, samples, observe, o.backend, o.threads,
                               [&](size_t, size_t k, const std::vector<float>& v) -> absl::Status {
                                 const double lo = minmax[k].lo, width = (static_cast<double>(minmax[k].hi) - lo) / kBins;
                                 if (!(width > 0)) return absl::OkStatus();
                                 for (float x : v) ++hist[k][std::min(kBins - 1, static_cast<int>((x - lo) / width))];
                                 return absl::OkStatus();
                               }));
  for (size_t k = 0; k < observe.size(); ++k) {
    const double base = minmax[k].lo, width = (static_cast<double>(minmax[k].hi) - base) / kBins;
    if (!(width > 0)) continue;
    const double tail = static_cast<double>(count[k]) * (100 - o.percentile) / 100;
    int64_t below = 0, above = 0;
    int first = 0, last = kBins - 1;
    while (first < kBins - 1 && below + hist[k][first] <= tail) below += hist[k][first++];
    while (last > first && above + hist[k][last] <= tail) above += hist[k][last--];
    ranges[observe[k]] = Range{std::min(0.f, static_cast<float>(base + first * width)),
                               std::max(0.f, static_cast<float>(base + (last + 1) * width))};
  }
  return ranges;
}

}  // namespace scalert::quantize
