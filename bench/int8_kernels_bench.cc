// The registered INT8 kernels (1x1 GEMM, depthwise; one per level this CPU runs: avx512vnni and amx
// side by side on a Sapphire Rapids) beside the
// native FP32 backend on the same MBConv layers of EfficientNet-B0 / MobileNetV2 at 224x224, one
// thread, and the SE block's gate Mul and the residual Add alone. The INT8 side is the kernel alone, the FP32 side includes the backend's step. Compare
// within one run:
//   bench_int8_kernels --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//     --benchmark_min_time=0.05 --benchmark_report_aggregates_only=true
#include <cstring>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/backends/native/native_backend.h"
#include "runtime/graph_builder.h"
#include "kernels/registry.h"

namespace scalert {
namespace {

struct LayerSpec {
  const char* name;
  bool depthwise;
  int32_t h, w, in_c, out_c, kernel, stride;
};

const LayerSpec kLayers[] = {
    {"expand_112x112x16_96", false, 112, 112, 16, 96, 1, 1},
    {"expand_56x56x24_144", false, 56, 56, 24, 144, 1, 1},
    {"expand_28x28x40_240", false, 28, 28, 40, 240, 1, 1},
    {"expand_14x14x64_384", false, 14, 14, 64, 384, 1, 1},
    {"expand_14x14x96_576", false, 14, 14, 96, 576, 1, 1},
    {"project_112x112x32_16", false, 112, 112, 32, 16, 1, 1},
    {"project_56x56x144_24", false, 56, 56, 144, 24, 1, 1},
    {"project_14x14x672_112", false, 14, 14, 672, 112, 1, 1},
    {"project_7x7x1152_320", false, 7, 7, 1152, 320, 1, 1},
    {"head_7x7x320_1280", false, 7, 7, 320, 1280, 1, 1},
    // The 224x224 stem's GEMM per call: one output row at depth 27, five at the padded 28.
    {"stem_gemm_1x112x27_32", false, 1, 112, 27, 32, 1, 1},
    {"stem_gemm_5x112x28_32", false, 5, 112, 28, 32, 1, 1},
    {"dw3x3_56x56x144", true, 56, 56, 144, 144, 3, 1},
    {"dw3x3_112x112x96_s2", true, 112, 112, 96, 96, 3, 2},
    {"dw5x5_14x14x672", true, 14, 14, 672, 672, 5, 1},
    {"dw3x3_112x112x32", true, 112, 112, 32, 32, 3, 1},
    {"dw5x5_56x56x144_s2", true, 56, 56, 144, 144, 5, 2},
};

std::vector<int8_t> Bytes(size_t n) {
  std::vector<int8_t> v(n);
  uint32_t s = 12345;
  for (int8_t& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<int8_t>(s >> 24);
  }
  return v;
}

void Counters(benchmark::State& state, const LayerSpec& s, int32_t oh, int32_t ow) {
  const double macs = static_cast<double>(oh) * ow * s.out_c * s.kernel * s.kernel * (s.depthwise ? 1 : s.in_c);
  state.counters["GMAC/s"] = benchmark::Counter(macs * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void Fp32Native(benchmark::State& state, const LayerSpec& s) {
  Graph g;
  const int32_t x = g.AddTensor("x", {1, s.h, s.w, s.in_c});
  g.inputs = {x};
  ConvParams p;
  SamePadding(s.h, s.kernel, s.stride, 1, &p.pad_top, &p.pad_bottom);
  SamePadding(s.w, s.kernel, s.stride, 1, &p.pad_left, &p.pad_right);
  p.stride_h = p.stride_w = s.stride;
  const Shape ws = s.depthwise ? Shape{1, s.kernel, s.kernel, s.in_c} : Shape{s.out_c, s.kernel, s.kernel, s.in_c};
  const int32_t w = g.AddConstantF32("w", ws, std::vector<float>(static_cast<size_t>(ws[0]) * ws[1] * ws[2] * ws[3], 0.01f));
  const int32_t b = g.AddConstantF32("b", {s.out_c}, std::vector<float>(s.out_c, 0.f));
  auto y = s.depthwise ? AddDepthwiseConv2D(&g, x, w, b, p, Activation::kRelu6, "dw")
                       : AddConv2D(&g, x, w, b, p, Activation::kRelu6, "conv");
  g.outputs = {*y};
  auto e = PrepareNative(g, BackendOptions{});
  if (!e.ok()) { state.SkipWithError(std::string(e.status().message()).c_str()); return; }
  std::memset((*e)->input_buffer(0), 0, static_cast<size_t>(g.tensors[x].bytes()));
  for (auto _ : state) benchmark::DoNotOptimize((*e)->Invoke());
  Counters(state, s, g.tensors[*y].shape[1], g.tensors[*y].shape[2]);
}

// One registered INT8 kernel (GEMM or depthwise, as the layer needs) at level `isa`.
void Int8Kernel(benchmark::State& state, const LayerSpec& s, kernels::Isa isa) {
  const int32_t oh = (s.h + s.stride - 1) / s.stride, ow = (s.w + s.stride - 1) / s.stride;
  const std::vector<int8_t> x = Bytes(static_cast<size_t>(s.h) * s.w * s.in_c);
  std::vector<int8_t> y(static_cast<size_t>(oh) * ow * s.out_c);
  const std::vector<int32_t> bias(s.out_c, 100);
  const std::vector<float> m(s.out_c, 0.001f);
  const ref::QParams out{0.05f, -10};
  const kernels::RequantS8 requant = kernels::MakeRequantS8(out, ref::FusedBounds(Activation::kRelu6, out));
  const auto& registry = kernels::KernelRegistry::Global();
  if (s.depthwise) {
    auto k = registry.Find<kernels::KernelOp::kDwConv, kernels::KernelDType::kS8>(isa);
    const std::vector<int8_t> w = Bytes(static_cast<size_t>(s.kernel) * s.kernel * s.in_c);
    const kernels::PackedDwConvS8 p = k.pack(w.data(), bias.data(), m.data(), s.in_c, s.kernel * s.kernel, 3, k.tile);
    const std::vector<int8_t> zero(static_cast<size_t>(p.padded), 3);
    kernels::DwConvS8Args a;
    a.geo.in_h = s.h; a.geo.in_w = s.w; a.geo.in_c = s.in_c; a.geo.out_c = s.out_c; a.geo.out_h = oh; a.geo.out_w = ow;
    a.geo.kernel_h = a.geo.kernel_w = s.kernel;
    a.geo.stride_h = a.geo.stride_w = s.stride;
    a.geo.pad_top = a.geo.pad_left = (s.kernel - 1) / 2;
    a.input = x.data();
    a.zero = zero.data();
    a.packed = &p;
    a.output = y.data();
    a.out = requant;
    for (auto _ : state) {
      k.fn(a, 0, oh);
      benchmark::DoNotOptimize(y.data());
    }
  } else {
    auto k = registry.Find<kernels::KernelOp::kGemm, kernels::KernelDType::kS8>(isa);
    const std::vector<int8_t> w = Bytes(static_cast<size_t>(s.out_c) * s.in_c);
    const kernels::PackedGemmS8 p = k.pack(w.data(), bias.data(), m.data(), s.out_c, s.in_c, 3, k.tile);
    kernels::GemmS8Args a;
    a.a = x.data();
    a.lda = s.in_c;
    a.packed = &p;
    a.c = y.data();
    a.ldc = s.out_c;
    a.out = requant;
    for (auto _ : state) {
      k.fn(a, 0, static_cast<int64_t>(oh) * ow, 0, s.out_c);
      benchmark::DoNotOptimize(y.data());
    }
  }
  Counters(state, s, oh, ow);
}

// The elementwise INT8 kernels of the SE block and the residual: Mul by a per-channel gate and Add
// (GB/s counts the bytes read and written).
struct ElementwiseSpec {
  const char* name;
  bool mul;
  int32_t pixels, channels;
};

const ElementwiseSpec kElementwise[] = {
    {"se_mul_112x112x32", true, 112 * 112, 32},
    {"se_mul_56x56x144", true, 56 * 56, 144},
    {"se_mul_14x14x672", true, 14 * 14, 672},
    {"add_28x28x40", false, 28 * 28, 40},
};

void Int8Elementwise(benchmark::State& state, const ElementwiseSpec& s, kernels::Isa isa) {
  const int64_t n = static_cast<int64_t>(s.pixels) * s.channels;
  const std::vector<int8_t> x = Bytes(static_cast<size_t>(n)), b = Bytes(static_cast<size_t>(n));
  std::vector<int8_t> y(static_cast<size_t>(n));
  const ref::QParams out{0.05f, -10};
  const kernels::BinaryS8Params p{3, -7, {0.002f, 0.003f}, kernels::MakeRequantS8(out, ref::Int8Bounds{})};
  const auto& registry = kernels::KernelRegistry::Global();
  if (s.mul) {
    auto k = registry.Find<kernels::KernelOp::kMulChannel, kernels::KernelDType::kS8>(isa);
    for (auto _ : state) {
      k.fn(s.pixels, s.channels, x.data(), b.data(), y.data(), p);
      benchmark::DoNotOptimize(y.data());
    }
  } else {
    auto k = registry.Find<kernels::KernelOp::kAdd, kernels::KernelDType::kS8>(isa);
    for (auto _ : state) {
      k.fn(n, x.data(), b.data(), y.data(), p);
      benchmark::DoNotOptimize(y.data());
    }
  }
  const double bytes = static_cast<double>(n) * (s.mul ? 2 : 3);
  state.counters["GB/s"] = benchmark::Counter(bytes * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

const bool kRegistered = [] {
  for (const ElementwiseSpec& s : kElementwise)
    for (kernels::Isa isa : kernels::SupportedIsas()) {
      const kernels::KernelOp op = s.mul ? kernels::KernelOp::kMulChannel : kernels::KernelOp::kAdd;
      const kernels::KernelEntry* e = kernels::KernelRegistry::Global().FindEntry(op, kernels::KernelDType::kS8, isa);
      if (!e || e->isa != isa) continue;
      benchmark::RegisterBenchmark((std::string(s.name) + "/" + e->name).c_str(), Int8Elementwise, s, isa)
          ->Unit(benchmark::kMicrosecond);
    }
  for (const LayerSpec& s : kLayers) {
    benchmark::RegisterBenchmark((std::string(s.name) + "/fp32_native").c_str(), Fp32Native, s)->Unit(benchmark::kMicrosecond);
    for (kernels::Isa isa : kernels::SupportedIsas()) {
      const kernels::KernelOp op = s.depthwise ? kernels::KernelOp::kDwConv : kernels::KernelOp::kGemm;
      const kernels::KernelEntry* e = kernels::KernelRegistry::Global().FindEntry(op, kernels::KernelDType::kS8, isa);
      if (!e || e->isa != isa) continue;  // one benchmark per kernel, at its own level
      benchmark::RegisterBenchmark((std::string(s.name) + "/" + e->name).c_str(), Int8Kernel, s, isa)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return true;
}();

}  // namespace
}  // namespace scalert

BENCHMARK_MAIN();
