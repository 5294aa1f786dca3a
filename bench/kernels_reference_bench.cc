// The reference kernels (kernels/reference/, the oracle) on MBConv-typical shapes: how slow the
// oracle is, so a test budget can be planned, and the floor every optimized kernel is compared
// with. Counters: FLOP/s (2 x MACs) for convolutions, bytes/s for elementwise ops.
//   bench_kernels_reference --benchmark_min_time=0.2
#include <algorithm>
#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"

namespace scalert {
namespace {

std::vector<float> Values(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<float>(seed >> 8) / static_cast<float>(1 << 24) - 0.5f;
  }
  return v;
}

// args: in_h, in_w, in_c, out_c, kernel, stride, depthwise (0/1).
void BM_RefConv(benchmark::State& state) {
  const int32_t h = static_cast<int32_t>(state.range(0)), w = static_cast<int32_t>(state.range(1));
  const int32_t in_c = static_cast<int32_t>(state.range(2)), out_c = static_cast<int32_t>(state.range(3));
  const int32_t k = static_cast<int32_t>(state.range(4)), stride = static_cast<int32_t>(state.range(5));
  const bool depthwise = state.range(6) != 0;
  ref::ConvGeometry g;
  g.in_h = h; g.in_w = w; g.in_c = in_c; g.out_c = out_c;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.out_h = (h + stride - 1) / stride;  // 'same' padding
  g.out_w = (w + stride - 1) / stride;
  g.pad_top = g.pad_left = std::max(0, ((g.out_h - 1) * stride + k - h) / 2);
  const int64_t weights = depthwise ? int64_t{k} * k * out_c : int64_t{out_c} * k * k * in_c;
  std::vector<float> x = Values(static_cast<size_t>(h) * w * in_c, 1), wt = Values(static_cast<size_t>(weights), 2),
                     b = Values(static_cast<size_t>(out_c), 3);
  std::vector<float> y(static_cast<size_t>(g.out_h) * g.out_w * out_c);
  for (auto _ : state) {
    if (depthwise) ref::DepthwiseConv2D(g, x.data(), wt.data(), b.data(), y.data(), Activation::kRelu6);
    else ref::Conv2D(g, x.data(), wt.data(), b.data(), y.data(), Activation::kRelu6);
    benchmark::DoNotOptimize(y.data());
  }
  const double macs = static_cast<double>(g.out_h) * g.out_w * out_c * k * k * (depthwise ? 1 : in_c);
  state.counters["FLOP/s"] = benchmark::Counter(2 * macs, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MACs"] = macs;
}
BENCHMARK(BM_RefConv)
    ->ArgNames({"h", "w", "in_c", "out_c", "k", "s", "dw"})
    ->Args({224, 224, 3, 32, 3, 2, 0})     // stem
    ->Args({56, 56, 24, 144, 1, 1, 0})     // expand 1x1
    ->Args({56, 56, 144, 24, 1, 1, 0})     // project 1x1
    ->Args({56, 56, 144, 144, 3, 1, 1})    // depthwise 3x3
    ->Args({14, 14, 672, 672, 5, 1, 1})    // depthwise 5x5
    ->Args({7, 7, 320, 1280, 1, 1, 0})     // head 1x1
    ->Unit(benchmark::kMillisecond);

void BM_RefFullyConnected(benchmark::State& state) {
  const int32_t in_c = static_cast<int32_t>(state.range(0)), out_c = static_cast<int32_t>(state.range(1));
  std::vector<float> x = Values(static_cast<size_t>(in_c), 1), w = Values(static_cast<size_t>(in_c) * out_c, 2),
                     b = Values(static_cast<size_t>(out_c), 3), y(static_cast<size_t>(out_c));
  for (auto _ : state) {
    ref::FullyConnected(1, in_c, out_c, x.data(), w.data(), b.data(), y.data(), Activation::kNone);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * in_c * out_c, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_RefFullyConnected)->ArgNames({"in", "out"})->Args({1280, 1000})->Unit(benchmark::kMicrosecond);

void BM_RefGlobalAveragePool(benchmark::State& state) {
  const int32_t hw = static_cast<int32_t>(state.range(0)), c = static_cast<int32_t>(state.range(1));
  std::vector<float> x = Values(static_cast<size_t>(hw) * hw * c, 1), y(static_cast<size_t>(c));
  for (auto _ : state) {
    ref::GlobalAveragePool(1, hw, hw, c, x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(x.size()) * 4);
}
BENCHMARK(BM_RefGlobalAveragePool)->ArgNames({"hw", "c"})->Args({56, 144})->Args({7, 1280});

void BM_RefSwish(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> x = Values(static_cast<size_t>(n), 1), y(static_cast<size_t>(n));
  for (auto _ : state) {
    ref::Unary(n, x.data(), y.data(), Activation::kSwish);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 8);
}
BENCHMARK(BM_RefSwish)->Arg(112 * 112 * 32);

// Squeeze-and-excitation scale: [1,H,W,C] * [1,1,1,C] with broadcasting.
void BM_RefSeBroadcastMul(benchmark::State& state) {
  const int32_t hw = static_cast<int32_t>(state.range(0)), c = static_cast<int32_t>(state.range(1));
  std::vector<float> x = Values(static_cast<size_t>(hw) * hw * c, 1), s = Values(static_cast<size_t>(c), 2),
                     y(x.size());
  const std::vector<int32_t> xs = {1, hw, hw, c}, ss = {1, 1, 1, c};
  for (auto _ : state) {
    ref::Binary(ref::BinaryOp::kMul, xs, x.data(), ss, s.data(), xs, y.data(), Activation::kNone);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(x.size()) * 8);
}
BENCHMARK(BM_RefSeBroadcastMul)->ArgNames({"hw", "c"})->Args({56, 144});

}  // namespace
}  // namespace scalert

BENCHMARK_MAIN();
