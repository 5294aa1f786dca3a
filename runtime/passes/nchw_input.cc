#include "runtime/passes/nchw_input.h"

#include <algorithm>

namespace scalert {

NchwInputGraph AbsorbNchwTransposes(const Graph& g,
                                    const std::function<bool(const Graph&, const Node&)>& can_read_nchw) {
  std::vector<int32_t> readers(g.tensors.size(), 0), reader(g.tensors.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].inputs)
      if (t >= 0) {
        ++readers[t];
        reader[t] = static_cast<int32_t>(i);
      }
  std::vector<int32_t> absorbed_by(g.nodes.size(), -1);  // transpose -> its conv
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& t = g.nodes[i];
    if (t.type != OpType::kTranspose || t.inputs.size() != 1 || t.outputs.size() != 1) continue;
    const int32_t y = t.outputs[0];
    if (t.ints != std::vector<int32_t>{0, 2, 3, 1} || g.tensors[t.inputs[0]].shape.size() != 4 || readers[y] != 1 ||
        std::find(g.outputs.begin(), g.outputs.end(), y) != g.outputs.end())
      continue;
    const Node& conv = g.nodes[reader[y]];
    if (conv.type != OpType::kConv2D || conv.inputs[0] != y || !can_read_nchw(g, conv)) continue;
    absorbed_by[i] = reader[y];
  }
  NchwInputGraph out;
  out.graph.tensors = g.tensors;
  out.graph.inputs = g.inputs;
  out.graph.outputs = g.outputs;
  out.graph.metadata = g.metadata;
  out.node_of.assign(g.nodes.size(), -1);
  std::vector<int32_t> conv_reads(g.nodes.size(), -1);  // conv -> the NCHW tensor it reads
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (absorbed_by[i] >= 0) conv_reads[absorbed_by[i]] = g.nodes[i].inputs[0];
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (absorbed_by[i] >= 0) {
      ++out.absorbed;
      continue;
    }
    out.node_of[i] = static_cast<int32_t>(out.graph.nodes.size());
    out.graph.nodes.push_back(g.nodes[i]);
    if (conv_reads[i] >= 0) {
      out.graph.nodes.back().inputs[0] = conv_reads[i];
      out.graph.nodes.back().conv.input_nchw = true;
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (absorbed_by[i] >= 0) out.node_of[i] = out.node_of[absorbed_by[i]];
  return out;
}

}  // namespace scalert
