#include "runtime/passes/mbconv_fusion.h"

#include <algorithm>

namespace scalert {
namespace {

bool IsF32Activation(const Graph& g, int32_t t) {
  return t >= 0 && !g.tensors[t].is_constant() && g.tensors[t].dtype == DType::kF32;
}

bool HasConstantWeights(const Graph& g, const Node& n) {
  if (n.inputs.size() < 2 || n.inputs[1] < 0 || !g.tensors[n.inputs[1]].is_constant()) return false;
  return n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensors[n.inputs[2]].is_constant();
}

}  // namespace

bool IsPointwiseConv(const Graph& g, const Node& n) {
  if (n.type != OpType::kConv2D || !HasConstantWeights(g, n) || !IsF32Activation(g, n.inputs[0]) ||
      !IsF32Activation(g, n.outputs[0]))
    return false;
  const Shape& w = g.tensors[n.inputs[1]].shape;
  const ConvParams& p = n.conv;
  return w.size() == 4 && w[1] == 1 && w[2] == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0;
}

std::vector<MbconvChain> FindMbconvChains(const Graph& g) {
  // Readers of each tensor; graph outputs count as a reader that is not a node.
  std::vector<std::vector<int32_t>> readers(g.tensors.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].inputs)
      if (t >= 0) readers[t].push_back(static_cast<int32_t>(i));
  for (int32_t t : g.outputs) readers[t].push_back(-1);
  auto sole_reader = [&](int32_t t) { return readers[t].size() == 1 ? readers[t][0] : -1; };

  std::vector<MbconvChain> chains;
  std::vector<bool> used(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& e = g.nodes[i];
    if (used[i] || !IsPointwiseConv(g, e)) continue;
    const int32_t d = sole_reader(e.outputs[0]);
    if (d < 0 || used[d]) continue;
    const Node& dw = g.nodes[d];
    if (dw.type != OpType::kDepthwiseConv2D || dw.inputs[0] != e.outputs[0] || !HasConstantWeights(g, dw) ||
        !IsF32Activation(g, dw.outputs[0]))
      continue;
    const Shape& x = g.tensors[dw.inputs[0]].shape;
    const Shape& y = g.tensors[dw.outputs[0]].shape;
    const Shape& w = g.tensors[dw.inputs[1]].shape;
    if (x.size() != 4 || y.size() != 4 || x[3] != y[3] || dw.conv.depth_multiplier != 1 || w[1] * w[2] > 64)
      continue;
    MbconvChain c;
    c.expand = static_cast<int32_t>(i);
    c.depthwise = d;
    const int32_t p = sole_reader(dw.outputs[0]);
    if (p >= 0 && !used[p] && IsPointwiseConv(g, g.nodes[p]) && g.nodes[p].inputs[0] == dw.outputs[0]) c.project = p;
    used[i] = used[d] = true;
    if (c.project >= 0) used[c.project] = true;
    chains.push_back(c);
  }
  return chains;
}

std::vector<ScaledPointwise> FindScaledPointwise(const Graph& g) {
  std::vector<int32_t> readers(g.tensors.size(), 0), reader(g.tensors.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].inputs)
      if (t >= 0) {
        ++readers[t];
        reader[t] = static_cast<int32_t>(i);
      }
  for (int32_t t : g.outputs) readers[t] += 2;  // never fused away
  std::vector<ScaledPointwise> found;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& m = g.nodes[i];
    if (m.type != OpType::kMul || m.activation != Activation::kNone || m.inputs.size() != 2 ||
        !IsF32Activation(g, m.outputs[0]))
      continue;
    const int32_t y = m.outputs[0];
    if (readers[y] != 1) continue;
    const Node& c = g.nodes[reader[y]];
    if (!IsPointwiseConv(g, c) || c.inputs[0] != y) continue;
    const Shape& ys = g.tensors[y].shape;
    if (ys.size() != 4) continue;
    for (int side = 0; side < 2; ++side) {
      const int32_t x = m.inputs[side], s = m.inputs[1 - side];
      if (x < 0 || s < 0 || g.tensors[x].shape != ys || g.tensors[x].dtype != DType::kF32 ||
          g.tensors[s].dtype != DType::kF32)
        continue;
      // s as rank 4, right-aligned: [N or 1, 1, 1, C].
      Shape s4(4, 1);
      const Shape& ss = g.tensors[s].shape;
      if (ss.size() > 4) continue;
      for (size_t d = 0; d < ss.size(); ++d) s4[4 - ss.size() + d] = ss[d];
      if (s4[1] != 1 || s4[2] != 1 || s4[3] != ys[3] || (s4[0] != 1 && s4[0] != ys[0])) continue;
      found.push_back({static_cast<int32_t>(i), reader[y], x, s});
      break;
    }
  }
  return found;
}

}  // namespace scalert
