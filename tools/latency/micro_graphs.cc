#include "tools/latency/micro_graphs.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/scale/network_builder.h"

namespace scalert::latency {

std::vector<GridPoint> ProfileGrid(bool full) {
  using scale::Family;
  const std::vector<Family> families = {Family::kEfficientNet, Family::kMobileNetV2, Family::kMobileNetV3Large,
                                        Family::kMobileNetV3Small};
  // Widths and resolutions chosen apart from the presets people validate against (1.0 at 224).
  const std::vector<std::pair<double, int32_t>> points =
      full ? std::vector<std::pair<double, int32_t>>{{0.35, 96},  {0.5, 128}, {0.5, 256},  {0.75, 176}, {1.0, 128},
                                                     {1.0, 192},  {1.0, 288}, {1.25, 160}, {1.5, 256},  {1.75, 112},
                                                     {2.0, 208},  {2.0, 320}}
           : std::vector<std::pair<double, int32_t>>{{0.5, 128}, {1.0, 192}, {1.5, 256}};
  std::vector<GridPoint> grid;
  for (Family f : families)
    for (const auto& [w, r] : points) grid.push_back({f, w, r});
  return grid;
}

absl::StatusOr<std::vector<MicroGraph>> BuildMicroGraphs(const std::vector<GridPoint>& grid) {
  std::vector<MicroGraph> out;
  std::set<std::string> seen;
  for (const GridPoint& p : grid) {
    scale::NetworkConfig c;
    c.family = p.family;
    c.width = p.width;
    c.input_h = c.input_w = p.resolution;
    auto plan = scale::PlanNetwork(c);
    if (!plan.ok()) return plan.status();
    const std::string prefix = absl::StrFormat("%s w%g r%d", scale::FamilyName(p.family), p.width, p.resolution);
    // Stem and head once per network; every block whose shape was not seen yet.
    std::vector<std::pair<std::string, scale::NetworkSlice>> slices;
    slices.push_back({"stem", {true, 0, -1, false}});
    int32_t h = (p.resolution + 1) / 2;
    for (size_t i = 0; i < plan->blocks.size(); ++i) {
      const scale::BlockPlan& b = plan->blocks[i];
      const std::string key = absl::StrCat(scale::FamilyName(p.family), ":", b.in, ":", b.expanded, ":", b.out, ":",
                                           b.kernel, ":", b.stride, ":", b.se, ":", b.residual, ":", h);
      h = (h + b.stride - 1) / b.stride;
      if (!seen.insert(key).second) continue;
      slices.push_back({b.name, {false, static_cast<int32_t>(i), static_cast<int32_t>(i), false}});
    }
    slices.push_back({"head", {false, 0, -1, true}});
    for (const auto& [what, slice] : slices) {
      auto net = scale::BuildNetworkSlice(*plan, slice);
      if (!net.ok()) return net.status();
      scale::AllocateWeights(&net->graph);
      out.push_back({absl::StrCat(prefix, " ", what), std::move(net->graph)});
    }
  }
  return out;
}

}  // namespace scalert::latency
