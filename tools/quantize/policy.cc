#include "tools/quantize/policy.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kernels/reference/quantized.h"

namespace scalert::quantize {

std::string BaseLayerName(const std::string& name) {
  const std::string suffix = ".act";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    return name.substr(0, name.size() - suffix.size());
  return name;
}

absl::StatusOr<Policy> ParsePolicy(const std::string& text, const std::string& origin) {
  Policy p;
  std::istringstream in(text);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string name, precision, extra;
    if (!(words >> name)) continue;
    Precision v;
    if (!(words >> precision) || (words >> extra) || !ParsePrecision(precision, &v) || v == Precision::kMixed)
      return absl::InvalidArgumentError(absl::StrCat(origin, ":", line_no, ": expected `<operator name> fp32|fp16|bf16|int8`, found '",
                                                     line, "'"));
    if (name == "default") p.default_precision = v;
    else p.by_name[name] = v;
  }
  return p;
}

absl::StatusOr<Policy> ReadPolicyFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open the policy file"));
  std::stringstream ss;
  ss << f.rdbuf();
  return ParsePolicy(ss.str(), path);
}

std::string PolicyText(const Policy& p, const std::string& header_comment) {
  std::string s;
  std::istringstream in(header_comment);
  for (std::string line; std::getline(in, line);) s += "# " + line + "\n";
  s += absl::StrCat("default ", PrecisionName(p.default_precision), "\n");
  for (const auto& [name, v] : p.by_name) s += absl::StrCat(name, " ", PrecisionName(v), "\n");
  return s;
}

bool CanLower(const Graph& g, size_t index, Precision p) {
  const Node& n = g.nodes[index];
  if (n.type == OpType::kQuantize || n.type == OpType::kDequantize) return false;
  if (p != Precision::kI8) return true;
  auto constant = [&](size_t i) { return i < n.inputs.size() && n.inputs[i] >= 0 && g.tensors[n.inputs[i]].is_constant(); };
  const bool clamp_only = n.activation == Activation::kNone || n.activation == Activation::kRelu ||
                          n.activation == Activation::kRelu6;
  switch (n.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
    case OpType::kFullyConnected: {
      if (!clamp_only || !constant(1)) return false;
      const Shape& w = g.tensors[n.inputs[1]].shape;
      const int64_t terms = n.type == OpType::kConv2D ? int64_t{w[1]} * w[2] * w[3]
                            : n.type == OpType::kDepthwiseConv2D ? int64_t{w[1]} * w[2] : int64_t{w[1]};
      return terms <= ref::kMaxInt8ReductionTerms;
    }
    case OpType::kAdd:
    case OpType::kMul: return clamp_only;
    case OpType::kGlobalAveragePool: {
      const Shape& x = g.tensors[n.inputs[0]].shape;
      return int64_t{x[1]} * x[2] <= (int64_t{1} << 31) / 256;
    }
    case OpType::kSoftmax: return false;
    default: return true;
  }
}

absl::StatusOr<std::vector<Precision>> ResolvePolicy(const Graph& g, const Policy& p) {
  std::set<std::string> names;
  for (const Node& n : g.nodes) names.insert(n.name);
  for (const auto& [name, v] : p.by_name)
    if (!names.count(name))
      return absl::InvalidArgumentError(absl::StrCat("policy names operator '", name, "', which the model does not have"));
  std::vector<Precision> r(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const std::string& name = g.nodes[i].name;
    Precision want = p.default_precision;
    if (auto it = p.by_name.find(name); it != p.by_name.end()) want = it->second;
    else if (auto base = p.by_name.find(BaseLayerName(name)); base != p.by_name.end()) want = base->second;
    r[i] = CanLower(g, i, want) ? want : Precision::kF32;
  }
  return r;
}

}  // namespace scalert::quantize
