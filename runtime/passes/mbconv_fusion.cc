#include "runtime/passes/mbconv_fusion.h"

#include <algorithm>
#include <memory>
#include <optional>

namespace scalert {
namespace {

// FP32, FP16 or BF16: the native backend fuses blocks of each (MatchFromDepthwise asks for one
// dtype throughout a block, IsBlockActivation adds INT8).
bool IsFloatActivation(const Graph& g, int32_t t) {
  if (t < 0 || g.tensors[t].is_constant()) return false;
  const DType d = g.tensors[t].dtype;
  return d == DType::kF32 || d == DType::kF16 || d == DType::kBF16;
}

// The activations a block may have: floating point, or INT8 (the native backend fuses those too).
bool IsBlockActivation(const Graph& g, int32_t t) {
  return IsFloatActivation(g, t) || (t >= 0 && !g.tensors[t].is_constant() && g.tensors[t].dtype == DType::kI8);
}

// An INT8 activation as its own op (a 256-entry table: INT8 files do not fuse swish, sigmoid or
// hard-swish into the conv before it).
bool IsInt8Table(const Graph& g, const Node& n) {
  switch (n.type) {
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kSigmoid:
    case OpType::kHardSigmoid:
    case OpType::kSwish:
    case OpType::kHardSwish:
    case OpType::kClamp: break;
    default: return false;
  }
  return n.inputs.size() == 1 && n.outputs.size() == 1 && IsBlockActivation(g, n.inputs[0]) &&
         g.tensors[n.inputs[0]].dtype == DType::kI8 && g.tensors[n.outputs[0]].dtype == DType::kI8;
}

// The activation tensors of block `b` (all but its weights) are of one dtype.
bool OneActivationDType(const Graph& g, const MbconvBlock& b) {
  const DType d = g.tensors[g.nodes[b.depthwise].inputs[0]].dtype;
  auto same = [&](int32_t t) { return t < 0 || g.tensors[t].dtype == d; };
  for (int32_t i : b.nodes())
    if (i >= 0 && (!same(g.nodes[i].inputs[0]) || !same(g.nodes[i].outputs[0]))) return false;
  return same(b.residual) && (b.se_mul < 0 || same(g.nodes[b.se_mul].inputs[1]));
}

bool HasConstantWeights(const Graph& g, const Node& n) {
  if (n.inputs.size() < 2 || n.inputs[1] < 0 || !g.tensors[n.inputs[1]].is_constant()) return false;
  return n.inputs.size() < 3 || n.inputs[2] < 0 || g.tensors[n.inputs[2]].is_constant();
}

// Who reads each tensor; a graph output counts as a reader that is not a node (-1).
struct Readers {
  std::vector<std::vector<int32_t>> of;
  explicit Readers(const Graph& g) : of(g.tensors.size()) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (int32_t t : g.nodes[i].inputs)
        if (t >= 0) of[t].push_back(static_cast<int32_t>(i));
    for (int32_t t : g.outputs) of[t].push_back(-1);
  }
  int32_t sole(int32_t t) const { return of[t].size() == 1 ? of[t][0] : -1; }
};

// Tensor t, or, when t's only reader is an INT8 activation table, that table's output (and
// *table = the table's node).
int32_t ThroughTable(const Graph& g, const Readers& r, int32_t t, int32_t* table) {
  const int32_t a = t >= 0 ? r.sole(t) : -1;
  if (a < 0 || !IsInt8Table(g, g.nodes[a])) return t;
  *table = a;
  return g.nodes[a].outputs[0];
}

bool IsDepthwise(const Graph& g, const Node& d) {
  if (d.type != OpType::kDepthwiseConv2D || !HasConstantWeights(g, d) || !IsBlockActivation(g, d.inputs[0]) ||
      !IsBlockActivation(g, d.outputs[0]))
    return false;
  const Shape& x = g.tensors[d.inputs[0]].shape;
  const Shape& y = g.tensors[d.outputs[0]].shape;
  const Shape& w = g.tensors[d.inputs[1]].shape;
  return x.size() == 4 && y.size() == 4 && x[3] == y[3] && d.conv.depth_multiplier == 1 && w.size() == 4 &&
         w[1] * w[2] <= 64;
}

// The squeeze-and-excitation after depthwise output `d` (read by the pool and the Mul only):
// fills the SE fields of `b` and returns the Mul's output, or -1.
int32_t MatchSqueezeExcitation(const Graph& g, const Readers& r, int32_t d, MbconvBlock* b) {
  if (r.of[d].size() != 2) return -1;
  int32_t pool = -1, mul = -1;
  for (int32_t n : r.of[d]) {
    if (n < 0) return -1;
    if (g.nodes[n].type == OpType::kGlobalAveragePool) pool = n;
    else if (g.nodes[n].type == OpType::kMul) mul = n;
  }
  if (pool < 0 || mul < 0) return -1;
  const Node& p = g.nodes[pool];
  const Shape& ps = g.tensors[p.outputs[0]].shape;
  if (!IsBlockActivation(g, p.outputs[0]) || ps.size() != 4 || ps[1] != 1 || ps[2] != 1) return -1;
  const int32_t fc1 = r.sole(p.outputs[0]);
  if (fc1 < 0 || !IsPointwiseConv(g, g.nodes[fc1])) return -1;
  const int32_t fc2 = r.sole(ThroughTable(g, r, g.nodes[fc1].outputs[0], &b->se_reduce_table));
  if (fc2 < 0 || !IsPointwiseConv(g, g.nodes[fc2]) || g.nodes[fc2].outputs[0] < 0) return -1;
  const int32_t gate = ThroughTable(g, r, g.nodes[fc2].outputs[0], &b->se_gate_table);
  if (r.sole(gate) != mul || g.tensors[gate].shape != ps) return -1;
  const Node& m = g.nodes[mul];
  if (m.activation != Activation::kNone || m.inputs.size() != 2 || !IsBlockActivation(g, m.outputs[0]) ||
      !((m.inputs[0] == d && m.inputs[1] == gate) || (m.inputs[0] == gate && m.inputs[1] == d)) ||
      g.tensors[m.outputs[0]].shape != g.tensors[d].shape)
    return -1;
  b->se_pool = pool;
  b->se_reduce = fc1;
  b->se_expand = fc2;
  b->se_mul = mul;
  return m.outputs[0];
}

// The block whose depthwise is node `d`, or one with depthwise == -1.
MbconvBlock MatchFromDepthwise(const Graph& g, const Readers& r, int32_t d) {
  MbconvBlock b;
  const Node& dw = g.nodes[d];
  if (!IsDepthwise(g, dw)) return b;
  // The expand: a 1x1 whose only reader is this depthwise.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& e = g.nodes[i];
    if (e.outputs.size() == 1 && e.outputs[0] == dw.inputs[0]) {
      if (IsPointwiseConv(g, e) && r.sole(e.outputs[0]) == d) b.expand = static_cast<int32_t>(i);
      // INT8: the expand's activation table between the two (the expand's only reader).
      if (IsInt8Table(g, e) && r.sole(e.outputs[0]) == d)
        for (size_t j = 0; j < i; ++j)
          if (g.nodes[j].outputs.size() == 1 && g.nodes[j].outputs[0] == e.inputs[0]) {
            if (IsPointwiseConv(g, g.nodes[j]) && r.sole(e.inputs[0]) == static_cast<int32_t>(i)) {
              b.expand = static_cast<int32_t>(j);
              b.expand_table = static_cast<int32_t>(i);
            }
            break;
          }
      break;
    }
  }
  int32_t t = ThroughTable(g, r, dw.outputs[0], &b.depthwise_table);
  if (r.of[t].size() == 2) t = MatchSqueezeExcitation(g, r, t, &b);
  if (t < 0) return MbconvBlock();
  const int32_t p = r.sole(t);
  if (p < 0 || !IsPointwiseConv(g, g.nodes[p]) || g.nodes[p].inputs[0] != t) return MbconvBlock();
  b.depthwise = d;
  b.project = p;
  // The residual: an Add without activation of the project output and a tensor of its shape
  // that exists before the block starts.
  const int32_t y = g.nodes[p].outputs[0];
  const int32_t a = r.sole(y);
  if (a >= 0 && g.nodes[a].type == OpType::kAdd && g.nodes[a].activation == Activation::kNone &&
      g.nodes[a].inputs.size() == 2 && IsBlockActivation(g, g.nodes[a].outputs[0])) {
    const int32_t other = g.nodes[a].inputs[0] == y ? g.nodes[a].inputs[1] : g.nodes[a].inputs[0];
    bool early = std::find(g.inputs.begin(), g.inputs.end(), other) != g.inputs.end();
    for (int32_t i = 0; i < b.first() && !early; ++i)
      for (int32_t o : g.nodes[i].outputs) early = early || o == other;
    if (other != y && IsBlockActivation(g, other) && g.tensors[other].shape == g.tensors[y].shape && early) {
      b.add = a;
      b.residual = other;
    }
  }
  return OneActivationDType(g, b) ? b : MbconvBlock();
}

int32_t Input(const Node& n, size_t i) { return i < n.inputs.size() ? n.inputs[i] : -1; }

}  // namespace

Node FusedMbconvNode(const Graph& g, const MbconvBlock& b) {
  auto f = std::make_shared<FusedMbconv>();
  Node n;
  n.type = OpType::kFusedMbconv;
  n.inputs.assign(FusedMbconv::kNumSlots, -1);
  const Node& dw = g.nodes[b.depthwise];
  const Node& pr = g.nodes[b.project];
  if (b.expand >= 0) {
    const Node& e = g.nodes[b.expand];
    n.inputs[FusedMbconv::kInput] = e.inputs[0];
    n.inputs[FusedMbconv::kExpandWeights] = e.inputs[1];
    n.inputs[FusedMbconv::kExpandBias] = Input(e, 2);
    f->expand_act = e.activation;
  } else {
    n.inputs[FusedMbconv::kInput] = dw.inputs[0];
  }
  n.inputs[FusedMbconv::kDepthwiseWeights] = dw.inputs[1];
  n.inputs[FusedMbconv::kDepthwiseBias] = Input(dw, 2);
  f->depthwise_act = dw.activation;
  f->depthwise = dw.conv;
  if (b.se_mul >= 0) {
    const Node& s1 = g.nodes[b.se_reduce];
    const Node& s2 = g.nodes[b.se_expand];
    n.inputs[FusedMbconv::kSeReduceWeights] = s1.inputs[1];
    n.inputs[FusedMbconv::kSeReduceBias] = Input(s1, 2);
    n.inputs[FusedMbconv::kSeExpandWeights] = s2.inputs[1];
    n.inputs[FusedMbconv::kSeExpandBias] = Input(s2, 2);
    f->se_reduce_act = s1.activation;
    f->se_gate_act = s2.activation;
  }
  n.inputs[FusedMbconv::kProjectWeights] = pr.inputs[1];
  n.inputs[FusedMbconv::kProjectBias] = Input(pr, 2);
  f->project_act = pr.activation;
  n.inputs[FusedMbconv::kResidual] = b.residual;
  n.outputs = {g.nodes[b.last()].outputs[0]};
  for (int32_t i : b.nodes())
    if (i >= 0) {
      f->parts.push_back(g.nodes[i].name);
      f->macs += NodeMacs(g, g.nodes[i]);
    }
  if (g.tensors[n.inputs[FusedMbconv::kInput]].dtype == DType::kI8) {
    auto part = [&g](int32_t i) { return i >= 0 ? std::optional<Node>(g.nodes[i]) : std::nullopt; };
    f->int8 = FusedMbconv::Int8Parts{part(b.expand),  part(b.expand_table), part(b.depthwise), part(b.depthwise_table),
                                     part(b.se_pool), part(b.se_reduce),    part(b.se_reduce_table),
                                     part(b.se_expand), part(b.se_gate_table), part(b.se_mul),
                                     part(b.project), part(b.add)};
  }
  n.name = g.nodes[b.first()].name;
  n.fused = std::move(f);
  return n;
}

bool IsPointwiseConv(const Graph& g, const Node& n) {
  if (n.type != OpType::kConv2D || !HasConstantWeights(g, n) || !IsBlockActivation(g, n.inputs[0]) ||
      !IsBlockActivation(g, n.outputs[0]))
    return false;
  const Shape& w = g.tensors[n.inputs[1]].shape;
  const ConvParams& p = n.conv;
  return w.size() == 4 && w[1] == 1 && w[2] == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0;
}

std::vector<MbconvBlock> FindMbconvBlocks(const Graph& g) {
  const Readers r(g);
  std::vector<MbconvBlock> blocks;
  for (size_t d = 0; d < g.nodes.size(); ++d) {
    MbconvBlock b = MatchFromDepthwise(g, r, static_cast<int32_t>(d));
    if (b.depthwise >= 0) blocks.push_back(b);
  }
  return blocks;
}

FusedGraph FuseMbconvBlocks(const Graph& g, const std::function<bool(const Graph&, const MbconvBlock&)>& accept) {
  std::vector<int32_t> block_of(g.nodes.size(), -1);
  std::vector<MbconvBlock> blocks;
  for (MbconvBlock b : FindMbconvBlocks(g)) {
    // In a chain of separable pairs (MobileNetV1) the 1x1 before a depthwise is also the previous
    // pair's project: a node joins one fused block only, so this block starts at its depthwise.
    if (b.expand >= 0 && block_of[b.expand] >= 0) b.expand = b.expand_table = -1;
    bool taken = false;
    for (int32_t i : b.nodes())
      taken = taken || (i >= 0 && block_of[i] >= 0);
    if (taken || !accept(g, b)) continue;
    for (int32_t i : b.nodes())
      if (i >= 0) block_of[i] = static_cast<int32_t>(blocks.size());
    blocks.push_back(b);
  }
  FusedGraph out;
  out.graph.tensors = g.tensors;
  out.graph.inputs = g.inputs;
  out.graph.outputs = g.outputs;
  out.graph.metadata = g.metadata;
  out.node_of.assign(g.nodes.size(), -1);
  std::vector<int32_t> placed(blocks.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const int32_t b = block_of[i];
    if (b < 0) {
      out.node_of[i] = static_cast<int32_t>(out.graph.nodes.size());
      out.graph.nodes.push_back(g.nodes[i]);
    } else {
      if (placed[b] < 0) {
        placed[b] = static_cast<int32_t>(out.graph.nodes.size());
        out.graph.nodes.push_back(FusedMbconvNode(g, blocks[b]));
      }
      out.node_of[i] = placed[b];
    }
  }
  out.fused_blocks = static_cast<int32_t>(blocks.size());
  return out;
}

}  // namespace scalert
