// The micro-benchmark grid of profile-device: single-block graphs (expand / depthwise / SE /
// project chains, exactly as the scaler emits them inside a network) and the single pieces
// around them (stem convolution; head 1x1, pooling and classifier), cut from scaled networks
// over a grid of widths and resolutions so channels, spatial sizes, kernels, strides, expansion
// and SE all vary.
#ifndef SCALERT_TOOLS_LATENCY_MICRO_GRAPHS_H_
#define SCALERT_TOOLS_LATENCY_MICRO_GRAPHS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "tools/scale/architectures.h"

namespace scalert::latency {

struct GridPoint {
  scale::Family family;
  double width;
  int32_t resolution;
};

// The default grid (short: about 130 graphs) or the full one (several times larger).
std::vector<GridPoint> ProfileGrid(bool full);

struct MicroGraph {
  std::string name;  // "mobilenet_v2 w0.5 r128 features.3" / "... stem" / "... head"
  Graph graph;       // weights allocated (zeros): timing does not depend on their values
};

// One graph per distinct piece of the grid's networks (equal blocks are benchmarked once).
absl::StatusOr<std::vector<MicroGraph>> BuildMicroGraphs(const std::vector<GridPoint>& grid);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_MICRO_GRAPHS_H_
