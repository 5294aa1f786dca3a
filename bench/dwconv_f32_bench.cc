// The FP32 and BF16 depthwise kernels alone, called the way the backend calls them: every output row in
// one call (`/all`: the unfused step at 1 thread) or in bands of 1 and 2 rows (`/rows1`,
// `/rows2`: the fused MBConv step's bands on 14- and 7-wide maps). Every kernel this CPU runs
// (portable, AVX2, AVX-512, ...; BF16 ones named bf16/...), on the depthwise shapes of
// EfficientNet-B0 and MobileNetV2 at 224:
//   bench_dwconv_f32 --benchmark_filter='5x5.*avx512' --benchmark_min_time=0.2
#include <algorithm>
#include <string>
#include <vector>

#include "bench/bench_values.h"
#include "benchmark/benchmark.h"
#include "kernels/aligned_buffer.h"
#include "kernels/isa.h"
#include "kernels/packing.h"
#include "kernels/reference/float_formats.h"
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
    {"v2_3x3_112x112x32", 112, 112, 32, 3, 1, Activation::kRelu6},
    {"v2_3x3_56x56x144", 56, 56, 144, 3, 1, Activation::kRelu6},
    {"v2_3x3_28x28x192", 28, 28, 192, 3, 1, Activation::kRelu6},
    {"v2_3x3_14x14x384", 14, 14, 384, 3, 1, Activation::kRelu6},
    {"v2_3x3_7x7x960", 7, 7, 960, 3, 1, Activation::kRelu6},
    {"v2_3x3_s2_28x28x192", 28, 28, 192, 3, 2, Activation::kRelu6},
    {"v2_3x3_s2_14x14x576", 14, 14, 576, 3, 2, Activation::kRelu6},
};

using bench::Values;

// Activations as the kernel of dtype dt takes them: FP32, or BF16 bits.
template <kernels::KernelDType dt> struct DwIo {
  using T = float;
  using Args = kernels::DwConvArgs;
  static std::vector<T> From(const std::vector<float>& v) { return v; }
};
template <> struct DwIo<kernels::KernelDType::kBF16> {
  using T = uint16_t;
  using Args = kernels::DwConvHalfArgs;
  static std::vector<T> From(const std::vector<float>& v) {
    std::vector<T> out(v.size());
    std::transform(v.begin(), v.end(), out.begin(), ref::F32ToBf16);
    return out;
  }
};

// rows_per_call 0: all output rows in one call.
template <kernels::KernelDType dt>
void BM_DwConv(benchmark::State& state, const DwShape& s, const kernels::KernelEntry* entry, int rows_per_call) {
  using Io = DwIo<dt>;
  const auto k = kernels::KernelFromEntry<kernels::KernelOp::kDwConv, dt>(*entry);
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
  const std::vector<typename Io::T> x = Io::From(Values(static_cast<size_t>(s.h) * s.w * s.c, 2.f));
  const std::vector<float> w = Values(static_cast<size_t>(taps) * s.c, 0.2f), b = Values(s.c, 0.1f);
  const kernels::PackedDwConv packed = k.pack(w.data(), b.data(), s.c, taps, k.tile);
  const std::vector<typename Io::T> zero(static_cast<size_t>(kernels::RoundUp(s.c, k.tile.channel_tile)));
  std::vector<typename Io::T> y(static_cast<size_t>(g.out_h) * g.out_w * s.c);
  typename Io::Args a;
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
  using kernels::KernelDType;
  for (const kernels::KernelEntry& e : kernels::KernelRegistry::Global().entries()) {
    const bool bf16 = e.dtype == KernelDType::kBF16;
    if (e.op != kernels::KernelOp::kDwConv || (e.dtype != KernelDType::kF32 && !bf16) || !kernels::CpuSupports(e.isa))
      continue;
    for (const DwShape& s : kShapes)
      for (int rows : {0, 1, 2}) {
        const std::string name = std::string(bf16 ? "bf16/" : "") + s.name + "/" +
                                 (rows ? "rows" + std::to_string(rows) : "all") + "/" + kernels::IsaName(e.isa);
        benchmark::RegisterBenchmark(name.c_str(), bf16 ? BM_DwConv<KernelDType::kBF16> : BM_DwConv<KernelDType::kF32>,
                                     s, &e, rows);
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
