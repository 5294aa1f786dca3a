#include "tools/bench/profile.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/json.h"
#include "tools/model_summary.h"

namespace scalert::bench {

std::vector<ProfileRow> BuildProfile(const std::vector<StepProfile>& steps, const MachinePeaks& peaks, int threads) {
  std::vector<ProfileRow> rows;
  double total = 0;
  for (const StepProfile& s : steps) total += s.calls > 0 ? s.seconds / static_cast<double>(s.calls) : 0;
  const double peak_flops = peaks.measured ? peaks.PeakFlops(threads) : 0;
  const double peak_bw = peaks.measured ? peaks.PeakBytesPerSecond(threads) : 0;
  for (const StepProfile& s : steps) {
    ProfileRow r;
    // "operator #3 Conv2D 'x'" -> "#3 Conv2D 'x'": the table is wide enough already.
    r.name = s.name.rfind("operator ", 0) == 0 ? s.name.substr(9) : s.name;
    r.kernel = s.kernel;
    const double sec = s.calls > 0 ? s.seconds / static_cast<double>(s.calls) : 0;
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
