// Native kernels on MBConv-typical layers, beside the reference backend and XNNPACK's operator
// API on the same shapes. Each case is one operator prepared as a one-node graph (so the numbers
// include the backend's thread split), or one XNNPACK operator. Compare ratios within one run:
//   bench_native_kernels --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//     --benchmark_min_time=0.05 --benchmark_report_aggregates_only=true
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_values.h"
#include "benchmark/benchmark.h"
#include "kernels/isa.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/graph_builder.h"
#ifdef SCALERT_WITH_XNNPACK
#include <xnnpack.h>
#endif

namespace scalert {
namespace {

struct LayerSpec {
  const char* name;
  bool depthwise;
  int32_t h, w, in_c, out_c, kernel, stride;
  Activation act;
};

// Layers of EfficientNet-B0 / MobileNetV2 at 224x224.
const LayerSpec kLayers[] = {
    {"stem_224x224x3_32_k3s2", false, 224, 224, 3, 32, 3, 2, Activation::kRelu6},
    {"expand_112x112x16_96", false, 112, 112, 16, 96, 1, 1, Activation::kRelu6},
    {"expand_112x112x16_96_swish", false, 112, 112, 16, 96, 1, 1, Activation::kSwish},
    {"expand_28x28x40_240", false, 28, 28, 40, 240, 1, 1, Activation::kRelu6},
    {"expand_28x28x40_240_swish", false, 28, 28, 40, 240, 1, 1, Activation::kSwish},
    {"project_56x56x144_24", false, 56, 56, 144, 24, 1, 1, Activation::kNone},
    {"project_14x14x672_112", false, 14, 14, 672, 112, 1, 1, Activation::kNone},
    {"head_7x7x320_1280", false, 7, 7, 320, 1280, 1, 1, Activation::kRelu6},
    {"dw3x3_56x56x144", true, 56, 56, 144, 144, 3, 1, Activation::kRelu6},
    {"dw3x3_112x112x96_s2", true, 112, 112, 96, 96, 3, 2, Activation::kRelu6},
    // Depthwise on bands that stay in L2, as the fused blocks run them (compute, not memory).
    {"dw3x3_8x56x144_l2", true, 8, 56, 144, 144, 3, 1, Activation::kRelu6},
    {"dw3x3_8x112x96_s2_l2", true, 8, 112, 96, 96, 3, 2, Activation::kRelu6},
    {"dw3x3_14x14x384_l2", true, 14, 14, 384, 384, 3, 1, Activation::kRelu6},
    {"dw3x3_7x7x960_l2", true, 7, 7, 960, 960, 3, 1, Activation::kRelu6},
    {"dw5x5_14x14x672", true, 14, 14, 672, 672, 5, 1, Activation::kRelu6},
    {"dw5x5_14x14x672_swish", true, 14, 14, 672, 672, 5, 1, Activation::kSwish},
};

using bench::Values;

struct Layer {
  Graph graph;
  std::vector<float> weights, bias;
  ConvParams params;
};

Layer BuildLayer(const LayerSpec& s) {
  Layer l;
  Graph& g = l.graph;
  const int32_t x = g.AddTensor("x", {1, s.h, s.w, s.in_c});
  g.inputs = {x};
  SamePadding(s.h, s.kernel, s.stride, 1, &l.params.pad_top, &l.params.pad_bottom);
  SamePadding(s.w, s.kernel, s.stride, 1, &l.params.pad_left, &l.params.pad_right);
  l.params.stride_h = l.params.stride_w = s.stride;
  const Shape ws = s.depthwise ? Shape{1, s.kernel, s.kernel, s.in_c} : Shape{s.out_c, s.kernel, s.kernel, s.in_c};
  l.weights = Values(static_cast<size_t>(ws[0]) * ws[1] * ws[2] * ws[3], 0.2f);
  l.bias = Values(static_cast<size_t>(s.out_c), 0.1f);
  const int32_t w = g.AddConstantF32("w", ws, l.weights), b = g.AddConstantF32("b", {s.out_c}, l.bias);
  auto y = s.depthwise ? AddDepthwiseConv2D(&g, x, w, b, l.params, s.act, "dw")
                       : AddConv2D(&g, x, w, b, l.params, s.act, "conv");
  g.outputs = {*y};
  return l;
}

void SetCounters(benchmark::State& state, const Layer& l) {
  state.counters["MACs"] = static_cast<double>(NodeMacs(l.graph, l.graph.nodes[0]));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * NodeMacs(l.graph, l.graph.nodes[0]),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void RunExecutable(benchmark::State& state, const Layer& l, std::unique_ptr<Executable> e) {
  const std::vector<float> x = Values(static_cast<size_t>(l.graph.tensors[l.graph.inputs[0]].num_elements()), 2.f);
  std::memcpy(e->input_buffer(0), x.data(), x.size() * sizeof(float));
  for (auto _ : state) {
    if (!e->Invoke().ok()) state.SkipWithError("invoke failed");
    benchmark::DoNotOptimize(e->output_buffer(0));
  }
  state.SetLabel(e->op_descriptions()[0]);
  SetCounters(state, l);
}

void BM_Native(benchmark::State& state, const LayerSpec& spec, kernels::Isa isa, int threads) {
  const Layer l = BuildLayer(spec);
  BackendOptions o;
  o.threads = threads;
  auto e = PrepareNativeAtIsa(l.graph, o, isa);
  if (!e.ok()) return state.SkipWithError(std::string(e.status().message()).c_str());
  RunExecutable(state, l, std::move(e).value());
}

void BM_Reference(benchmark::State& state, const LayerSpec& spec) {
  const Layer l = BuildLayer(spec);
  auto e = PrepareReference(l.graph, BackendOptions());
  if (!e.ok()) return state.SkipWithError(std::string(e.status().message()).c_str());
  RunExecutable(state, l, std::move(e).value());
}

#ifdef SCALERT_WITH_XNNPACK
// XNNPACK's convolution operator on the same layer; activations it cannot fuse (swish) are
// skipped rather than measured unfairly.
void BM_Xnnpack(benchmark::State& state, const LayerSpec& spec) {
  if (spec.act != Activation::kNone && spec.act != Activation::kRelu && spec.act != Activation::kRelu6)
    return state.SkipWithError("activation not fusable in XNNPACK's operator API");
  static const bool initialized = xnn_initialize(nullptr) == xnn_status_success;
  if (!initialized) return state.SkipWithError("xnn_initialize failed");
  const Layer l = BuildLayer(spec);
  const Tensor& y = l.graph.tensors[l.graph.outputs[0]];
  const float lo = spec.act == Activation::kNone ? -INFINITY : 0.f;
  const float hi = spec.act == Activation::kRelu6 ? 6.f : INFINITY;
  const ConvParams& p = l.params;
  xnn_operator_t op = nullptr;
  const xnn_status st =
      spec.depthwise
          ? xnn_create_convolution2d_nhwc_f32(p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, spec.kernel,
                                              spec.kernel, spec.stride, spec.stride, 1, 1, spec.in_c, 1, 1,
                                              spec.in_c, spec.in_c, l.weights.data(), l.bias.data(), lo, hi,
                                              XNN_FLAG_DEPTHWISE_CONVOLUTION, &op)
          : xnn_create_convolution2d_nhwc_f32(p.pad_top, p.pad_right, p.pad_bottom, p.pad_left, spec.kernel,
                                              spec.kernel, spec.stride, spec.stride, 1, 1, 1, spec.in_c,
                                              spec.out_c, spec.in_c, spec.out_c, l.weights.data(),
                                              l.bias.data(), lo, hi, 0, &op);
  if (st != xnn_status_success) return state.SkipWithError("xnn_create_convolution2d_nhwc_f32 failed");
  std::unique_ptr<xnn_operator, decltype(&xnn_delete_operator)> holder(op, xnn_delete_operator);
  const std::vector<float> x = Values(static_cast<size_t>(spec.h) * spec.w * spec.in_c, 2.f);
  std::vector<float> out(static_cast<size_t>(y.num_elements()));
  if (xnn_setup_convolution2d_nhwc_f32(op, 1, spec.h, spec.w, x.data(), out.data(), nullptr) != xnn_status_success)
    return state.SkipWithError("xnn_setup_convolution2d_nhwc_f32 failed");
  for (auto _ : state) {
    xnn_run_operator(op, nullptr);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel("xnnpack");
  SetCounters(state, l);
}
#endif

void RegisterAll(bool with_reference) {
  for (const LayerSpec& spec : kLayers) {
    const std::string base = spec.name;
    for (kernels::Isa isa : kernels::SupportedIsas())
      benchmark::RegisterBenchmark((base + "/native_" + kernels::IsaName(isa)).c_str(), BM_Native, spec, isa, 1)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
#ifdef SCALERT_WITH_XNNPACK
    benchmark::RegisterBenchmark((base + "/xnnpack").c_str(), BM_Xnnpack, spec)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
#endif
    if (with_reference)
      benchmark::RegisterBenchmark((base + "/reference").c_str(), BM_Reference, spec)
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
  }
}

}  // namespace
}  // namespace scalert

int main(int argc, char** argv) {
  // --with_reference adds the (slow) reference kernels.
  bool with_reference = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--with_reference") == 0) with_reference = true;
    else args.push_back(argv[i]);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  scalert::RegisterAll(with_reference);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
