#include "tools/quantize/half_scaling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/weights.h"

namespace scalert::quantize {
namespace {

// Largest calibrated magnitude FP16 holds without a scale (16x headroom below 65504).
constexpr float kHalfUnscaledCeiling = 4096.f;

class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  int32_t Find(int32_t t) {
    while (parent_[t] != t) t = parent_[t] = parent_[parent_[t]];
    return t;
  }
  void Join(int32_t a, int32_t b) { parent_[Find(a)] = Find(b); }

 private:
  std::vector<int32_t> parent_;
};

bool Homogeneous(Activation a) {  // f(s x) = s f(x) for s > 0 (relu6 up to its bound)
  return a == Activation::kNone || a == Activation::kRelu || a == Activation::kRelu6;
}

bool HasRelu6(const Node& n) { return n.activation == Activation::kRelu6 || n.type == OpType::kRelu6; }

bool IsGate(const Node& n) {  // real values in [0, 1]
  return n.activation == Activation::kSigmoid || n.activation == Activation::kHardSigmoid ||
         n.type == OpType::kSigmoid || n.type == OpType::kHardSigmoid;
}

float Magnitude(const std::optional<Range>& r) { return r ? std::max(std::abs(r->lo), std::abs(r->hi)) : INFINITY; }

}  // namespace

HalfScaling HalfExponents(const Graph& g, const std::vector<Precision>& precision, const Ranges& ranges,
                          const Ranges& pre_activation) {
  const size_t count = g.tensors.size();
  Groups groups(count);
  std::vector<bool> pinned(count, false), relu6(count, false), halved(count, false);
  std::vector<int32_t> producer(count, -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t t : g.nodes[i].outputs) producer[t] = static_cast<int32_t>(i);
  auto gate = [&](int32_t t) { return t >= 0 && producer[t] >= 0 && IsGate(g.nodes[producer[t]]); };
  auto variable = [&](int32_t t) { return t >= 0 && !g.tensors[t].is_constant(); };
  auto pin = [&](const std::vector<int32_t>& ts) {
    for (int32_t t : ts)
      if (variable(t)) pinned[t] = true;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (precision[i] != Precision::kF16) continue;
    const Node& n = g.nodes[i];
    const int32_t y = n.outputs[0];
    const bool weighted = n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D ||
                          n.type == OpType::kFullyConnected;
    const bool swish = n.activation == Activation::kSwish || n.activation == Activation::kHardSwish;
    if (weighted && swish && static_cast<size_t>(y) < pre_activation.size() && Magnitude(pre_activation[y]) < kHalfLinearSwish) {
      halved[y] = true;
    } else if (!Homogeneous(n.activation)) {
      pin(n.outputs);
    }
    if (HasRelu6(n)) relu6[y] = true;
    switch (n.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D:
      case OpType::kFullyConnected:
        break;  // the weights take the ratio of the exponents
      case OpType::kMul:  // an SE multiply: x * gate has x's exponent
        if (variable(n.inputs[0]) && variable(n.inputs[1]) && gate(n.inputs[0]) != gate(n.inputs[1])) {
          const int32_t x = gate(n.inputs[0]) ? n.inputs[1] : n.inputs[0];
          pin({gate(n.inputs[0]) ? n.inputs[0] : n.inputs[1]});
          groups.Join(x, y);
        } else {
          pin(n.inputs);
          pin(n.outputs);
        }
        break;
      case OpType::kAdd: {
        const bool constant_operand = !variable(n.inputs[0]) || !variable(n.inputs[1]);
        if (constant_operand) {
          pin(n.inputs);
          pin(n.outputs);
        } else {
          groups.Join(n.inputs[0], y);
          groups.Join(n.inputs[1], y);
        }
        break;
      }
      case OpType::kGlobalAveragePool:
      case OpType::kReshape:
      case OpType::kTranspose:
      case OpType::kRelu:
      case OpType::kRelu6:
      case OpType::kClamp:  // its bounds take the exponent
        groups.Join(n.inputs[0], y);
        break;
      default:  // sigmoid, swish, softmax, an SE multiply...: real values in and out
        pin(n.inputs);
        pin(n.outputs);
    }
  }

  // Per group: the largest calibrated magnitude, and whether any member must stay unscaled.
  std::vector<float> magnitude(count, 0.f), relu6_magnitude(count, 0.f);
  std::vector<bool> group_pinned(count, false);
  for (size_t t = 0; t < count; ++t) {
    if (!variable(static_cast<int32_t>(t))) continue;
    const int32_t r = groups.Find(static_cast<int32_t>(t));
    if (pinned[t] || t >= ranges.size() || !ranges[t]) {
      group_pinned[r] = true;
      continue;
    }
    const float m = std::max(std::abs(ranges[t]->lo), std::abs(ranges[t]->hi));
    if (!std::isfinite(m)) group_pinned[r] = true;
    magnitude[r] = std::max(magnitude[r], m);
    if (relu6[t]) relu6_magnitude[r] = std::max(relu6_magnitude[r], m);
  }
  std::vector<int> group_exponent(count, 0);
  for (size_t r = 0; r < count; ++r) {
    const float m = magnitude[r];
    if (group_pinned[r] || !(m > 0) || (m >= kHalfUnscaledFloor && m <= kHalfUnscaledCeiling)) continue;
    const int e = static_cast<int>(std::floor(std::log2(kHalfTarget / m)));
    // relu6 lowers as relu only when scaled up and far from its bound.
    if (relu6_magnitude[r] > 0 && (e < 0 || relu6_magnitude[r] >= 6 * kHalfUnscaledFloor)) continue;
    group_exponent[r] = e;
  }

  // The weights take 2^(e_out - e_in): keep the largest in [2^-4, 2^12] so no weight overflows
  // and the small ones stay normal, by lowering a scaled side's exponent (never below 0, where the
  // weights are as unscaled lowering had them). Exponents only fall, so this ends. A layer whose
  // output holds real values (an SE gate's sigmoid, a swish) may take flushed weights: what they
  // lose is under 2^-24 of its scaled input in absolute terms, far below what those functions see.
  struct Layer { int32_t in, out; float weight_max; int shift; bool real_output; };
  std::vector<Layer> layers;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const bool weighted = n.type == OpType::kConv2D || n.type == OpType::kDepthwiseConv2D ||
                          n.type == OpType::kFullyConnected;
    if (precision[i] != Precision::kF16 || !weighted || n.inputs.size() < 2 || !g.tensors[n.inputs[1]].is_constant()) continue;
    float w = 0;
    for (float x : ConstantAsF32(g.tensors[n.inputs[1]])) w = std::max(w, std::abs(x));
    if (w > 0 && std::isfinite(w))
      layers.push_back({groups.Find(n.inputs[0]), groups.Find(n.outputs[0]), w, halved[n.outputs[0]] ? -1 : 0,
                        static_cast<bool>(group_pinned[groups.Find(n.outputs[0])])});
  }
  constexpr int kWeightHigh = 12, kWeightLow = -4;
  for (bool changed = true; changed;) {
    changed = false;
    for (const Layer& l : layers) {
      const int w = static_cast<int>(std::ceil(std::log2(l.weight_max))) + l.shift;  // max < 2^w
      int& out = group_exponent[l.out];
      int& in = group_exponent[l.in];
      if (w + out - in > kWeightHigh && out > 0) {
        out = std::max(0, kWeightHigh - w + in);
        changed = true;
      }
      if (w + out - in < kWeightLow && in > 0 && !l.real_output) {
        in = std::max(0, w + out - kWeightLow);
        changed = true;
      }
    }
  }
  HalfScaling r;
  r.exponent.assign(count, 0);
  r.halved.assign(count, false);
  for (size_t t = 0; t < count; ++t) {
    if (!variable(static_cast<int32_t>(t))) continue;
    r.exponent[t] = group_exponent[groups.Find(static_cast<int32_t>(t))];
    r.halved[t] = halved[t] && r.exponent[t] != 0;  // unscaled, the swish stays as it is
  }
  return r;
}

}  // namespace scalert::quantize
