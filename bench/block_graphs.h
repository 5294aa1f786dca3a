// The MBConv / inverted-residual blocks of a scaled network as standalone graphs, so each block
// shape can be benchmarked on its own (fused vs unfused vs XNNPACK). Blocks are found by the
// scaler's torchvision-style node names: "features.2.1.block.0" (EfficientNet) and
// "features.3.conv.0" (MobileNet) belong to block "features.2.1" / "features.3", a residual Add
// "features.3.add" too. Constants stay shared with the source graph (Tensor::owned).
#ifndef SCALERT_BENCH_BLOCK_GRAPHS_H_
#define SCALERT_BENCH_BLOCK_GRAPHS_H_

#include <map>
#include <string>
#include <vector>

#include "runtime/graph.h"

namespace scalert::bench {

struct BlockGraph {
  std::string name;  // e.g. "features.2.1"
  Graph graph;
  int64_t macs = 0;
};

// The block a node belongs to ("" for the stem, head and classifier).
inline std::string BlockOf(const std::string& node_name) {
  for (const char* part : {".block.", ".conv.", ".add"}) {
    const size_t at = node_name.find(part);
    if (at != std::string::npos) return node_name.substr(0, at);
  }
  return "";
}

// The nodes `nodes` (in order) of `g` as a graph: tensors read from outside become inputs (a
// block has exactly one), the last node's output the output.
inline Graph ExtractGraph(const Graph& g, const std::vector<int32_t>& nodes) {
  Graph s;
  std::map<int32_t, int32_t> remap;
  auto map_tensor = [&](int32_t t, bool external_input) {
    if (t < 0) return t;
    auto it = remap.find(t);
    if (it != remap.end()) return it->second;
    s.tensors.push_back(g.tensors[t]);
    const int32_t id = static_cast<int32_t>(s.tensors.size() - 1);
    remap[t] = id;
    if (external_input && !g.tensors[t].is_constant()) s.inputs.push_back(id);
    return id;
  };
  for (int32_t i : nodes) {
    Node n = g.nodes[i];
    for (int32_t& t : n.inputs) t = map_tensor(t, true);
    for (int32_t& t : n.outputs) t = map_tensor(t, false);
    s.nodes.push_back(std::move(n));
  }
  s.outputs.push_back(s.nodes.back().outputs[0]);
  s.metadata = g.metadata;
  return s;
}

// Every block of `g` that has a depthwise convolution, in network order.
inline std::vector<BlockGraph> ExtractBlocks(const Graph& g) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<int32_t>> members;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const std::string b = BlockOf(g.nodes[i].name);
    if (b.empty()) continue;
    if (!members.count(b)) order.push_back(b);
    members[b].push_back(static_cast<int32_t>(i));
  }
  std::vector<BlockGraph> r;
  for (const std::string& b : order) {
    bool has_dw = false;
    for (int32_t i : members[b]) has_dw |= g.nodes[i].type == OpType::kDepthwiseConv2D;
    if (!has_dw) continue;
    BlockGraph bg{b, ExtractGraph(g, members[b]), 0};
    for (const Node& n : bg.graph.nodes) bg.macs += NodeMacs(bg.graph, n);
    if (bg.graph.inputs.size() == 1) r.push_back(std::move(bg));
  }
  return r;
}

}  // namespace scalert::bench

#endif  // SCALERT_BENCH_BLOCK_GRAPHS_H_
