#include "tools/model_summary.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/dtype_rules.h"
#include "runtime/memory_planner.h"
#include "tools/json.h"

namespace scalert::tools {

std::string WithCommas(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return v < 0 ? "-" + s : s;
}

ModelTotals ComputeTotals(const Graph& g) {
  ModelTotals t;
  t.params_trained = g.metadata.params_trained;
  t.params_stored = GraphParams(g);
  for (const Node& n : g.nodes) t.macs += NodeMacs(g, n);
  for (const Tensor& x : g.tensors)
    if (x.is_constant()) t.weight_bytes += static_cast<int64_t>(x.data_bytes);
  t.peak_activation_bytes = PlanMemory(g).arena_bytes;
  t.num_ops = static_cast<int64_t>(g.nodes.size());
  if (t.params_trained == 0) t.params_trained = t.params_stored;
  return t;
}

std::string FormatOpTable(const Graph& g, const std::vector<std::string>& kernels) {
  std::string s = absl::StrFormat("%4s  %-17s %-28s %-18s %-18s %-12s %10s %12s %10s", "#", "op", "name", "input",
                                  "output", "dtype", "params", "MACs", "out bytes");
  if (!kernels.empty()) absl::StrAppend(&s, "  runs on");
  s += "\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    int64_t params = 0;
    for (int32_t t : n.inputs)
      if (t >= 0 && g.tensors[t].is_constant()) params += g.tensors[t].num_elements();
    std::string name = n.name.size() > 28 ? "…" + n.name.substr(n.name.size() - 27) : n.name;
    const Tensor& out = g.tensors[n.outputs[0]];
    // What the layer computes in: its activation dtype (in->out for conversions), and the
    // stored weights when they differ.
    const DType in = n.inputs.empty() ? out.dtype : g.tensors[n.inputs[0]].dtype;
    std::string dtype = in == out.dtype ? DTypeName(in) : absl::StrCat(DTypeName(in), "->", DTypeName(out.dtype));
    if (n.inputs.size() > 1 && n.inputs[1] >= 0 && g.tensors[n.inputs[1]].is_constant() &&
        g.tensors[n.inputs[1]].dtype != in)
      absl::StrAppend(&dtype, " w:", DTypeName(g.tensors[n.inputs[1]].dtype));
    absl::StrAppend(&s, absl::StrFormat("%4d  %-17s %-28s %-18s %-18s %-12s %10s %12s %10s", i, OpTypeName(n.type), name,
                                        n.inputs.empty() ? "" : ShapeToString(g.tensors[n.inputs[0]].shape),
                                        ShapeToString(out.shape), dtype, WithCommas(params), WithCommas(NodeMacs(g, n)),
                                        WithCommas(out.bytes())));
    if (i < kernels.size()) absl::StrAppend(&s, "  ", kernels[i]);
    s += "\n";
  }
  return s;
}

int32_t OutputStride(const Graph& g, int32_t tensor) {
  if (g.inputs.empty()) return 0;
  const Shape& in = g.tensors[g.inputs[0]].shape;
  const Shape& out = g.tensors[tensor].shape;
  if (in.size() != 4 || out.size() != 4) return 0;
  const bool nchw = g.metadata.input_layout == "NCHW";
  const int64_t ih = in[nchw ? 2 : 1], iw = in[nchw ? 3 : 2], oh = out[nchw ? 2 : 1], ow = out[nchw ? 3 : 2];
  if (oh < 1 || ow < 1) return 0;
  for (int64_t s = 1; s <= ih && s <= iw; s *= 2)
    if ((ih + s - 1) / s == oh && (iw + s - 1) / s == ow) return static_cast<int32_t>(s);
  if (ih % oh == 0 && iw % ow == 0 && ih / oh == iw / ow) return static_cast<int32_t>(ih / oh);
  return 0;
}

std::string FormatTotals(const Graph& g, const ModelTotals& t) {
  const ModelMetadata& m = g.metadata;
  std::string s;
  if (!m.family.empty())
    absl::StrAppend(&s, absl::StrFormat("family %s (%s)  phi=%g alpha=%g beta=%g gamma=%g  width x%g depth x%g\n",
                                        m.family, m.base_config, m.phi, m.alpha, m.beta, m.gamma,
                                        m.width_multiplier, m.depth_multiplier));
  if (m.input_h)
    absl::StrAppend(&s, absl::StrFormat("input %dx%d, %d channels; producer %s %s; source %s\n", m.input_h,
                                        m.input_w, m.in_channels, m.producer, m.producer_version, m.source));
  for (int32_t i : g.inputs)
    absl::StrAppend(&s, "input  '", g.tensors[i].name, "' ", ShapeToString(g.tensors[i].shape), " ",
                    DTypeName(g.tensors[i].dtype), "\n");
  for (int32_t i : g.outputs) {
    absl::StrAppend(&s, "output '", g.tensors[i].name, "' ", ShapeToString(g.tensors[i].shape), " ",
                    DTypeName(g.tensors[i].dtype));
    if (const int32_t stride = OutputStride(g, i); stride > 0) absl::StrAppend(&s, ", stride ", stride);
    s += "\n";
  }
  absl::StrAppend(&s, "operators:             ", t.num_ops, "\n");
  absl::StrAppend(&s, "precision:             ", PrecisionName(GraphPrecision(g)), "\n");
  absl::StrAppend(&s, "params (as trained):   ", WithCommas(t.params_trained), "\n");
  absl::StrAppend(&s, "params (as stored):    ", WithCommas(t.params_stored), "\n");
  absl::StrAppend(&s, absl::StrFormat("MACs:                  %s (%.1f M)\n", WithCommas(t.macs), t.macs / 1e6));
  absl::StrAppend(&s, absl::StrFormat("weight bytes:          %s (%.2f MiB)\n", WithCommas(t.weight_bytes),
                                      t.weight_bytes / 1048576.0));
  absl::StrAppend(&s, absl::StrFormat("peak activation bytes: %s (%.2f MiB, planned arena)\n",
                                      WithCommas(t.peak_activation_bytes), t.peak_activation_bytes / 1048576.0));
  if (t.backend_arena_bytes >= 0)
    absl::StrAppend(&s, absl::StrFormat("backend plan arena:    %s (%.2f MiB, %.0f%% of the above)\n",
                                        WithCommas(t.backend_arena_bytes), t.backend_arena_bytes / 1048576.0,
                                        100.0 * t.backend_arena_bytes / std::max<int64_t>(1, t.peak_activation_bytes)));
  return s;
}

std::string MetadataJson(const ModelMetadata& m) {
  std::vector<std::string> mean, std_, labels;
  for (float v : m.mean) mean.push_back(JsonNumber(static_cast<double>(v)));
  for (float v : m.std) std_.push_back(JsonNumber(static_cast<double>(v)));
  for (const std::string& l : m.labels) labels.push_back(JsonString(l));
  return JsonObject()
      .Str("family", m.family).Str("base_config", m.base_config)
      .Num("phi", m.phi).Num("alpha", m.alpha).Num("beta", m.beta).Num("gamma", m.gamma)
      .Num("width_multiplier", m.width_multiplier).Num("depth_multiplier", m.depth_multiplier)
      .Num("resolution_multiplier", m.resolution_multiplier)
      .Int("input_h", m.input_h).Int("input_w", m.input_w).Int("in_channels", m.in_channels)
      .Int("channel_divisor", m.channel_divisor)
      .Str("producer", m.producer).Str("producer_version", m.producer_version).Str("source", m.source)
      .Str("input_layout", m.input_layout).Str("color_order", m.color_order)
      .Raw("mean", JsonArray(mean)).Raw("std", JsonArray(std_)).Int("num_labels", static_cast<int64_t>(labels.size()))
      .str();
}

std::string TotalsJson(const Graph& g, const ModelTotals& t) {
  std::vector<std::string> outputs;
  for (int32_t i : g.outputs) {
    std::vector<std::string> dims;
    for (int32_t d : g.tensors[i].shape) dims.push_back(std::to_string(d));
    outputs.push_back(JsonObject()
                          .Str("name", g.tensors[i].name).Raw("shape", JsonArray(dims)).Int("stride", OutputStride(g, i))
                          .str());
  }
  JsonObject o;
  o.Int("params_trained", t.params_trained).Int("params_stored", t.params_stored).Int("macs", t.macs)
      .Int("weight_bytes", t.weight_bytes).Int("peak_activation_bytes", t.peak_activation_bytes);
  if (t.backend_arena_bytes >= 0) o.Int("backend_arena_bytes", t.backend_arena_bytes);
  return o.Int("num_ops", t.num_ops).Str("precision", PrecisionName(GraphPrecision(g)))
      .Raw("outputs", JsonArray(outputs)).Raw("metadata", MetadataJson(g.metadata))
      .str();
}

}  // namespace scalert::tools
