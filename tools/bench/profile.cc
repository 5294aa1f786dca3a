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
    r.name = s.name;
    r.kernel = s.kernel;
    const double sec = s.calls > 0 ? s.seconds / static_cast<double>(s.calls) : 0;
    r.ms = sec * 1e3;
    r.share = total > 0 ? sec / total : 0;
    r.macs = s.macs;
    r.bytes = s.bytes;
    const double flops = 2.0 * static_cast<double>(s.macs);
    r.gflops = sec > 0 ? flops / sec / 1e9 : 0;
    r.intensity = s.bytes > 0 ? flops / static_cast<double>(s.bytes) : 0;
    if (peak_flops > 0 && peak_bw > 0) {
      r.roof_gflops = std::min(peak_flops, r.intensity * peak_bw) / 1e9;
      // The ridge point: intensity where the bandwidth roof meets the compute roof.
      r.bound = s.macs == 0 ? "-" : r.intensity >= peak_flops / peak_bw ? "compute" : "memory";
    }
    rows.push_back(r);
  }
  return rows;
}

std::string FormatProfile(const std::vector<ProfileRow>& rows) {
  std::string s = absl::StrFormat("  %-34s %-26s %9s %6s %12s %8s %11s %7s %8s %8s\n", "step", "kernel", "ms/run",
                                  "share", "MACs", "GFLOP/s", "bytes", "FLOP/B", "bound", "of roof");
  double ms = 0;
  int64_t macs = 0, bytes = 0;
  for (const ProfileRow& r : rows) {
    std::string name = r.name.size() > 34 ? "…" + r.name.substr(r.name.size() - 33) : r.name;
    std::string kernel = r.kernel.size() > 26 ? r.kernel.substr(0, 25) + "…" : r.kernel;
    std::string roof = r.roof_gflops > 0 && r.macs > 0 ? absl::StrFormat("%.0f%%", 100 * r.gflops / r.roof_gflops) : "";
    absl::StrAppend(&s, absl::StrFormat("  %-34s %-26s %9.4f %5.1f%% %12s %8.2f %11s %7.2f %8s %8s\n", name, kernel,
                                        r.ms, 100 * r.share, tools::WithCommas(r.macs), r.gflops,
                                        tools::WithCommas(r.bytes), r.intensity, r.bound, roof));
    ms += r.ms;
    macs += r.macs;
    bytes += r.bytes;
  }
  absl::StrAppend(&s, absl::StrFormat("  %-34s %-26s %9.4f %6s %12s %8.2f %11s\n", "total", "", ms, "100%",
                                      tools::WithCommas(macs), ms > 0 ? 2.0 * macs / (ms * 1e6) : 0.0,
                                      tools::WithCommas(bytes)));
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
                        .Num("flop_per_byte", r.intensity)
                        .Num("roof_gflops", r.roof_gflops)
                        .Str("bound", r.bound)
                        .str());
  return tools::JsonArray(items);
}

}  // namespace scalert::bench
