// The FP32 depthwise kernels alone, called the way the backend calls them: every output row in
// one call (`/all`: the unfused step at 1 thread) or in bands of 1 and 2 rows (`/rows1`,
// `/rows2`: the fused MBConv step's bands on 14- and 7-wide maps). Every kernel this CPU runs
// (portable, AVX2, AVX-512), on the depthwise shapes of EfficientNet-B0 and MobileNetV2 at 224:
//   bench_dwconv_f32 --benchmark_filter='5x5.*avx512' --benchmark_min_time=0.2
#include <algorithm>
#include <string>
#include <vector>

#include "bench/bench_values.h"
#include "benchmark/benchmark.h"
#include "kernels/aligned_buffer.h"
#include "kernels/isa.h"
#include "kernels/packing.h"
#include "kernels/registry.h"

namespace scalert {
namespace {

struct DwShape {
  const char* name;
  int32_t h, w, c, kernel, stride;
  Activation act;
};

// Input maps (h x w x c) of the depthwise layers; "same" padding as torchvision's.
const DwShape kShapes[] = {
    {"b0_5x5_28x28x240", 28, 28, 240, 5, 1, Activation::kSwish},
    {"b0_5x5_14x14x480", 14, 14, 480, 5, 1, Activation::kSwish},
    {"b0_5x5_14x14x672", 14, 14, 672, 5, 1, Activation::kSwish},
    {"b0_5x5_7x7x1152", 7, 7, 1152, 5, 1, Activation::kSwish},
    {"b0_3x3_7x7x1152", 7, 7, 1152, 3, 1, Activation::kSwish},
    {"b0_3x3_14x14x480", 14, 14, 480, 3, 1, Activation::kSwish},
    {"b0_5x5_s2_56x56x144", 56, 56, 144, 5, 2, Activation::kSwish},
    {"b0_3x3_s2_28x28x240", 28, 28, 240, 3, 2, Activation::kSwish},
    {"b0_5x5_s2_14x14x672", 14, 14, 672, 5, 2, Activation::kSwish},
    {"v2_3x3_14x14x384", 14, 14, 384, 3, 1, Activation::kRelu6},
    {"v2_3x3_7x7x960", 7, 7, 960, 3, 1, Activation::kRelu6},
    {"v2_3x3_s2_28x28x192", 28, 28, 192, 3, 2, Activation::kRelu6},
    {"v2_3x3_s2_14x14x576", 14, 14, 576, 3, 2, Activation::kRelu6},
};

using bench::Values;

// rows_per_call 0: all output rows in one call.
void BM_DwConv(benchmark::State& state, const DwShape& s, const kernels::KernelEntry* entry, int rows_per_call) {
  const auto k = kernels::KernelFromEntry<kernels::KernelOp::kDwConv, kernels::KernelDType::kF32>(*entry);
  ref::ConvGeometry g;
  g.in_h = s.h;
  g.in_w = s.w;
  g.in_c = g.out_c = s.c;
  g.kernel_h = g.kernel_w = s.kernel;
  g.stride_h = g.stride_w = s.stride;
  g.out_h = (s.h + s.stride - 1) / s.stride;
  g.out_w = (s.w + s.stride - 1) / s.stride;
  // torchvision pads kernel / 2 on every side; TF "same" at stride 2 differs only in where the
  // extra column goes, not in the work.
  g.pad_top = g.pad_left = s.kernel / 2;
  const int32_t taps = s.kernel * s.kernel;
  const std::vector<float> x = Values(static_cast<size_t>(s.h) * s.w * s.c, 2.f);
  const std::vector<float> w = Values(static_cast<size_t>(taps) * s.c, 0.2f), b = Values(s.c, 0.1f);
  const kernels::PackedDwConv packed = k.pack(w.data(), b.data(), s.c, taps, k.tile);
  const kernels::AlignedBuffer zero(static_cast<size_t>(kernels::RoundUp(s.c, k.tile.channel_tile)));
  std::vector<float> y(static_cast<size_t>(g.out_h) * g.out_w * s.c);
  kernels::DwConvArgs a;
  a.geo = g;
  a.input = x.data();
  a.packed = packed.data.data();
  a.zero = zero.data();
  a.output = y.data();
  a.act = s.act;
  const int32_t step = rows_per_call > 0 ? rows_per_call : g.out_h;
  for (auto _ : state) {
    for (int32_t r = 0; r < g.out_h; r += step) k.fn(a, r, std::min(g.out_h, r + step));
    benchmark::DoNotOptimize(y.data());
  }
  const double macs = static_cast<double>(g.out_h) * g.out_w * s.c * taps;
  state.counters["GFLOP/s"] =
      benchmark::Counter(2 * macs, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.SetLabel(k.name);
}

void RegisterAll() {
  for (const kernels::KernelEntry& e : kernels::KernelRegistry::Global().entries()) {
    if (e.op != kernels::KernelOp::kDwConv || e.dtype != kernels::KernelDType::kF32 || !kernels::CpuSupports(e.isa))
      continue;
    for (const DwShape& s : kShapes)
      for (int rows : {0, 1, 2}) {
        const std::string name = std::string(s.name) + "/" + (rows ? "rows" + std::to_string(rows) : "all") + "/" +
                                 kernels::IsaName(e.isa);
        benchmark::RegisterBenchmark(name.c_str(), BM_DwConv, s, &e, rows);
      }
  }
}

}  // namespace
}  // namespace scalert

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  scalert::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
