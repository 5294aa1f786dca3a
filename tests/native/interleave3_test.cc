// The Interleave3 kernels (three planes to interleaved pixels: an RGB input's NCHW -> NHWC)
// against ref::Interleave3 over pixel counts around their vector widths and plane gaps, and the
// transpose steps that run them (FP32, and INT8, BF16 or FP16 after a Quantize) against the
// reference backend at every level this CPU runs, batch 1 and 2, 1 to 3 threads.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/reference/elementwise.h"
#include "tests/native/int8_parity.h"
#include "tests/native/kernel_list.h"

namespace scalert {
namespace {

constexpr int64_t kPixels[] = {0, 1, 2, 15, 16, 17, 33, 63, 64, 65, 127, 129, 200, 224, 449};

template <typename T, typename K>
void CheckKernel(const K& k, const std::vector<T>& x_all) {
  for (int64_t pixels : kPixels)
    for (int64_t gap : {int64_t{0}, int64_t{5}}) {
      const int64_t plane = pixels + gap;
      const std::vector<T> x(x_all.begin(), x_all.begin() + 3 * plane);
      std::vector<T> want(static_cast<size_t>(3 * pixels)), got(static_cast<size_t>(3 * pixels + 7), T{7});
      ref::Interleave3(pixels, x.data(), plane, want.data());
      k.fn(pixels, x.data(), plane, got.data());
      for (size_t i = want.size(); i < got.size(); ++i) ASSERT_EQ(got[i], T{7}) << k.name << ": wrote past the end";
      got.resize(want.size());
      ASSERT_EQ(got, want) << k.name << " pixels " << pixels << " plane " << plane;
    }
}

TEST(NativeInterleave3, KernelsMatchTheReference) {
  const std::vector<float> xf = testing::RandomVector(3 * 460, 3);
  for (float v : xf) ASSERT_TRUE(std::isfinite(v));
  for (const auto& k : kernels::testing::RunnableKernels<kernels::KernelOp::kInterleave3>()) CheckKernel(k, xf);
  const std::vector<int8_t> x8 = testing::RandomInt8(3 * 460, 4);
  for (const auto& k : kernels::testing::RunnableKernels<kernels::KernelOp::kInterleave3, kernels::KernelDType::kS8>())
    CheckKernel(k, x8);
  // 16-bit values are moved as bits: every pattern, NaNs and infinities included.
  std::vector<uint16_t> x16(3 * 460);
  for (size_t i = 0; i < x16.size(); ++i) x16[i] = static_cast<uint16_t>(i * 40503u + 7u);
  for (const auto& k : kernels::testing::RunnableKernels<kernels::KernelOp::kInterleave3, kernels::KernelDType::kBF16>())
    CheckKernel(k, x16);
  for (const auto& k : kernels::testing::RunnableKernels<kernels::KernelOp::kInterleave3, kernels::KernelDType::kF16>())
    CheckKernel(k, x16);
}

// input [n, c, h, w] -> [Quantize ->] Transpose {0, 2, 3, 1} [-> Dequantize], quantized to `dtype`
// (kF32: no Quantize).
Graph PlanesGraph(int32_t n, int32_t c, int32_t h, int32_t w, DType dtype) {
  const bool int8 = dtype == DType::kI8, quantized = dtype != DType::kF32;
  Graph g;
  const int32_t x = g.AddTensor("input", {n, c, h, w});
  g.inputs = {x};
  auto add = [&g](OpType type, int32_t in, int32_t out) {
    Node node;
    node.type = type;
    node.inputs = {in};
    node.outputs = {out};
    node.name = "op" + std::to_string(g.nodes.size());
    g.nodes.push_back(node);
    return out;
  };
  auto tensor = [&](const char* name, Shape shape) {
    const int32_t t = g.AddTensor(name, std::move(shape), dtype);
    if (int8) {
      g.tensors[t].quant.scale = {1.f / 64};
      g.tensors[t].quant.zero_point = {-5};
    }
    return t;
  };
  int32_t t = quantized ? add(OpType::kQuantize, x, tensor("q", {n, c, h, w})) : x;
  t = add(OpType::kTranspose, t, tensor("nhwc", {n, h, w, c}));
  g.nodes.back().ints = {0, 2, 3, 1};
  g.outputs = {quantized ? add(OpType::kDequantize, t, g.AddTensor("out", {n, h, w, c})) : t};
  return g;
}

TEST(NativeInterleave3, TransposeStepsMatchTheReferenceAtEveryLevel) {
  for (DType dtype : {DType::kF32, DType::kI8, DType::kBF16, DType::kF16})
    for (auto [n, c, h, w] : {std::tuple{1, 3, 5, 7}, std::tuple{2, 3, 9, 70}, std::tuple{1, 3, 31, 64},
                              std::tuple{2, 3, 1, 33}, std::tuple{1, 1, 6, 5}, std::tuple{1, 4, 7, 9},
                              std::tuple{2, 5, 3, 17}}) {
      const Graph g = PlanesGraph(n, c, h, w, dtype);
      const std::vector<float> x = testing::RandomVector(static_cast<size_t>(n) * c * h * w, 8);
      const std::vector<float> want = testing::RunGraph(g, x, "reference");
      for (float v : want) ASSERT_TRUE(std::isfinite(v));
      for (kernels::Isa isa : kernels::SupportedIsas())
        for (int threads : {1, 2, 3}) {
          SCOPED_TRACE(::testing::Message() << DTypeName(dtype) << " " << n << "x" << c << "x" << h << "x" << w << " "
                                            << kernels::IsaName(isa) << " threads " << threads);
          BackendOptions o;
          o.threads = threads;
          auto e = PrepareNativeAtIsa(g, o, isa);
          ASSERT_TRUE(e.ok()) << e.status();
          EXPECT_EQ(testing::RunOnce(**e, g, x), want);
          // The label names the kernel: the level's Interleave3 where it has one (three channels).
          const kernels::KernelDType kd = dtype == DType::kI8     ? kernels::KernelDType::kS8
                                          : dtype == DType::kBF16 ? kernels::KernelDType::kBF16
                                          : dtype == DType::kF16  ? kernels::KernelDType::kF16
                                                                  : kernels::KernelDType::kF32;
          const kernels::KernelEntry* k =
              c == 3 ? kernels::KernelRegistry::Global().FindEntry(kernels::KernelOp::kInterleave3, kd, isa) : nullptr;
          const std::string label = k                      ? "transpose_" + k->name
                                    : dtype == DType::kI8  ? "transpose_s8"
                                    : dtype == DType::kF32 ? "transpose_f32"
                                                           : "transpose_16bit";
          const std::vector<std::string> ops = (*e)->op_descriptions();
          EXPECT_NE(std::find(ops.begin(), ops.end(), label), ops.end()) << label;
        }
    }
}

}  // namespace
}  // namespace scalert
