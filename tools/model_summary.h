// What `inspect`, `scale --report` and `bench` say about a model: per-op rows and totals.
#ifndef SCALERT_TOOLS_MODEL_SUMMARY_H_
#define SCALERT_TOOLS_MODEL_SUMMARY_H_

#include <string>
#include <vector>

#include "runtime/graph.h"

namespace scalert::tools {

struct ModelTotals {
  int64_t params_trained = 0;  // as papers/torchvision count (batch norm included), from metadata
  int64_t params_stored = 0;   // constant elements in the file (batch norm folded)
  int64_t macs = 0;            // convolutions and fully connected layers
  int64_t weight_bytes = 0;
  int64_t peak_activation_bytes = 0;  // from the memory planner, one arena slot per graph tensor
  int64_t backend_arena_bytes = -1;   // the arena of a backend's plan (fused blocks, scratch); -1: none asked
  int64_t num_ops = 0;
};

ModelTotals ComputeTotals(const Graph& g);

// Fixed-width per-op table: index, op, name, input and output shapes, params, MACs, output
// bytes; `kernels` (optional, one per op) adds the column that says what runs each op.
std::string FormatOpTable(const Graph& g, const std::vector<std::string>& kernels = {});

// The stride of a rank-4 output against the input, by the layout in the metadata (NHWC unless
// "NCHW"): the power of two s with ceil(input / s) == output on both axes (the padding of every
// stride-2 conv here), else the plain ratio when it divides exactly; 0 when there is none.
int32_t OutputStride(const Graph& g, int32_t tensor);

// Human-readable totals and metadata.
std::string FormatTotals(const Graph& g, const ModelTotals& t);

// JSON: {"params_trained", "params_stored", "macs", "weight_bytes", "peak_activation_bytes",
// ["backend_arena_bytes",] "num_ops", "outputs": [{"name", "shape", "stride" (0: not a feature map)}], "metadata": {...}}.
std::string TotalsJson(const Graph& g, const ModelTotals& t);
std::string MetadataJson(const ModelMetadata& m);

// 1234567 -> "1,234,567".
std::string WithCommas(int64_t v);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_MODEL_SUMMARY_H_
