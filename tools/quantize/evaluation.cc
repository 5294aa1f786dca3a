#include "tools/quantize/evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/status_macros.h"

namespace scalert::quantize {

absl::StatusOr<std::vector<std::vector<float>>> RunOutputs(const Graph& g, const std::vector<Sample>& samples,
                                                           const std::string& backend, int threads) {
  std::vector<std::vector<float>> r(samples.size());
  RETURN_IF_ERROR(RunObserving(g, samples, {g.outputs[0]}, backend, threads,
                               [&](size_t s, size_t, const std::vector<float>& v) {
                                 r[s] = v;
                                 return absl::OkStatus();
                               }));
  return r;
}

namespace {
std::vector<size_t> TopK(const std::vector<float>& v, size_t k) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  idx.resize(k);
  return idx;
}
}  // namespace

Fidelity Compare(const std::vector<std::vector<float>>& reference, const std::vector<std::vector<float>>& got) {
  double signal = 0, noise = 0, dot = 0, got_sq = 0;
  int top1 = 0, top5 = 0;
  bool finite = true;
  for (size_t s = 0; s < reference.size(); ++s) {
    const auto& r = reference[s];
    const auto& x = got[s];
    for (size_t i = 0; i < r.size(); ++i) {
      finite = finite && std::isfinite(x[i]);
      signal += static_cast<double>(r[i]) * r[i];
      noise += (static_cast<double>(r[i]) - x[i]) * (static_cast<double>(r[i]) - x[i]);
      dot += static_cast<double>(r[i]) * x[i];
      got_sq += static_cast<double>(x[i]) * x[i];
    }
    const size_t best = TopK(r, 1)[0];
    const std::vector<size_t> five = TopK(x, 5);
    top1 += five[0] == best;
    top5 += std::find(five.begin(), five.end(), best) != five.end();
  }
  Fidelity f;
  const double n = static_cast<double>(std::max<size_t>(reference.size(), 1));
  // A NaN anywhere is no fidelity at all (comparisons must fail on NaN).
  f.snr_db = !finite ? -INFINITY : noise == 0 ? INFINITY : 10 * std::log10(signal / noise);
  f.cosine = !finite ? 0 : (signal > 0 && got_sq > 0 ? dot / std::sqrt(signal * got_sq) : 0);
  f.top1 = top1 / n;
  f.top5 = top5 / n;
  return f;
}

}  // namespace scalert::quantize
