#include "tools/bench/profile.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/json.h"
#include "tools/model_summary.h"

namespace scalert::bench {

namespace {

double PerCall(const StepProfile& s) { return s.calls > 0 ? s.seconds / static_cast<double>(s.calls) : 0; }

// "operator #98 Conv2D 'x'" -> 98; -1 when the name has no index.
int64_t NodeIndex(const std::string& name) {
  const size_t hash = name.find('#');
  if (hash == std::string::npos) return -1;
  int64_t v = 0;
  size_t i = hash + 1;
  if (i >= name.size() || name[i] < '0' || name[i] > '9') return -1;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) v = v * 10 + (name[i] - '0');
  return v;
}

}  // namespace

int64_t BlockBytes(const Graph& g, int64_t first, int64_t last) {
  std::vector<bool> produced(g.tensors.size(), false), counted(g.tensors.size(), false);
  for (int64_t n = first; n <= last; ++n)
    for (int32_t t : g.nodes[static_cast<size_t>(n)].outputs) produced[static_cast<size_t>(t)] = true;
  int64_t bytes = 0;
  auto add = [&](int32_t t) {
    if (t < 0 || counted[static_cast<size_t>(t)]) return;
    counted[static_cast<size_t>(t)] = true;
    bytes += g.tensors[static_cast<size_t>(t)].bytes();
  };
  for (int64_t n = first; n <= last; ++n)
    for (int32_t t : g.nodes[static_cast<size_t>(n)].inputs)
      if (t >= 0 && !produced[static_cast<size_t>(t)]) add(t);
  for (size_t n = static_cast<size_t>(last) + 1; n < g.nodes.size(); ++n)
    for (int32_t t : g.nodes[n].inputs)
      if (t >= 0 && produced[static_cast<size_t>(t)]) add(t);
  for (int32_t t : g.outputs)
    if (produced[static_cast<size_t>(t)]) add(t);
  return bytes;
}

std::vector<ProfileRow> BuildProfile(const std::vector<StepProfile>& steps, const MachinePeaks& peaks, int threads,
                                     const Graph* g) {
  // Merge the empty steps of a fused block into the step that runs it: a run of steps with
  // the same kernel label where all but the last took under 1 us and under 5% of the last
  // (what the clock reads alone cost).
  std::vector<StepProfile> merged;
  for (size_t i = 0; i < steps.size(); ++i) {
    size_t j = i;
    while (j + 1 < steps.size() && steps[j].kernel == steps[i].kernel && steps[j + 1].kernel == steps[i].kernel &&
           PerCall(steps[j]) < 1e-6)
      ++j;
    bool fused = j > i;
    for (size_t k = i; fused && k < j; ++k) fused = PerCall(steps[k]) < 0.05 * PerCall(steps[j]);
    if (!fused) j = i;
    StepProfile s = steps[i];
    const int64_t first = NodeIndex(s.name);
    int64_t last = first;
    for (size_t k = i + 1; k <= j; ++k) {
      s.macs += steps[k].macs;
      s.bytes += steps[k].bytes;
      s.seconds += steps[k].seconds;
      s.calls = std::max(s.calls, steps[k].calls);
      last = NodeIndex(steps[k].name);
    }
    if (j > i) {
      s.name = "#" + std::to_string(first) + "..#" + std::to_string(last) + " (fused)";
      if (g && first >= 0 && last >= first && last < static_cast<int64_t>(g->nodes.size())) {
        s.bytes = BlockBytes(*g, first, last);
        s.name += " '" + g->nodes[static_cast<size_t>(first)].name + "'";
      }
    }
    merged.push_back(s);
    i = j;
  }

  std::vector<ProfileRow> rows;
  double total = 0;
  for (const StepProfile& s : merged) total += PerCall(s);
  const double peak_flops = peaks.measured ? peaks.PeakFlops(threads) : 0;
  const double peak_bw = peaks.measured ? peaks.PeakBytesPerSecond(threads) : 0;
  for (const StepProfile& s : merged) {
    ProfileRow r;
    // "operator #3 Conv2D 'x'" -> "#3 Conv2D 'x'": the table is wide enough already.
    r.name = s.name.rfind("operator ", 0) == 0 ? s.name.substr(9) : s.name;
    r.kernel = s.kernel;
    const double sec = PerCall(s);
    r.ms = sec * 1e3;
    r.share = total > 0 ? sec / total : 0;
    r.macs = s.macs;
    r.bytes = s.bytes;
    const double flops = 2.0 * static_cast<double>(s.macs);
    r.gflops = sec > 0 ? flops / sec / 1e9 : 0;
    r.gbps = sec > 0 ? static_cast<double>(s.bytes) / sec / 1e9 : 0;
    r.intensity = s.bytes > 0 ? flops / static_cast<double>(s.bytes) : 0;
    if (peak_flops > 0 && peak_bw > 0 && sec > 0) {
      r.roof_gflops = std::min(peak_flops, r.intensity * peak_bw) / 1e9;
      // The ridge point: the intensity where the bandwidth roof meets the compute roof.
      const bool compute = s.macs > 0 && r.intensity >= peak_flops / peak_bw;
      r.bound = compute ? "compute" : "memory";
      r.of_roof = compute ? flops / sec / peak_flops : static_cast<double>(s.bytes) / sec / peak_bw;
    }
    rows.push_back(r);
  }
  return rows;
}

namespace {

// Cuts `s` to `width` bytes with a trailing "..." (ASCII, so printf widths stay aligned).
std::string Fit(const std::string& s, size_t width) {
  return s.size() <= width ? s : s.substr(0, width - 3) + "...";
}
}  // namespace

std::string FormatProfile(const std::vector<ProfileRow>& rows) {
  std::string s = absl::StrFormat("  %-38s %-28s %9s %6s %12s %8s %11s %7s %7s %8s %7s\n", "step", "kernel", "ms/run",
                                  "share", "MACs", "GFLOP/s", "bytes", "GB/s", "FLOP/B", "bound", "of roof");
  double ms = 0;
  int64_t macs = 0, bytes = 0;
  for (const ProfileRow& r : rows) {
    std::string roof = r.bound.empty() ? "" : absl::StrFormat("%.0f%%", 100 * r.of_roof);
    absl::StrAppend(&s, absl::StrFormat("  %-38s %-28s %9.4f %5.1f%% %12s %8.2f %11s %7.2f %7.2f %8s %7s\n",
                                        Fit(r.name, 38), Fit(r.kernel, 28), r.ms, 100 * r.share,
                                        tools::WithCommas(r.macs), r.gflops, tools::WithCommas(r.bytes), r.gbps,
                                        r.intensity, r.bound, roof));
    ms += r.ms;
    macs += r.macs;
    bytes += r.bytes;
  }
  absl::StrAppend(&s, absl::StrFormat("  %-38s %-28s %9.4f %6s %12s %8.2f %11s %7.2f\n", "total", "", ms, "100%",
                                      tools::WithCommas(macs), ms > 0 ? 2.0 * macs / (ms * 1e6) : 0.0,
                                      tools::WithCommas(bytes), ms > 0 ? bytes / (ms * 1e6) : 0.0));
  return s;
}

std::string ProfileJson(const std::vector<ProfileRow>& rows) {
  std::vector<std::string> items;
  for (const ProfileRow& r : rows)
    items.push_back(tools::JsonObject()
                        .Str("name", r.name)
                        .Str("kernel", r.kernel)
                        .Num("ms", r.ms)
                        .Num("share", r.share)
                        .Int("macs", r.macs)
                        .Num("gflops", r.gflops)
                        .Int("bytes", r.bytes)
                        .Num("gbps", r.gbps)
                        .Num("flop_per_byte", r.intensity)
                        .Num("roof_gflops", r.roof_gflops)
                        .Str("bound", r.bound)
                        .Num("of_roof", r.of_roof)
                        .str());
  return tools::JsonArray(items);
}

}  // namespace scalert::bench
