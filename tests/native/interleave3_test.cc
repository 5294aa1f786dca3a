// The Interleave3 kernels (three planes to interleaved pixels: an RGB input's NCHW -> NHWC)
// against ref::Interleave3 over pixel counts around their vector widths and plane gaps, and the
// transpose steps that run them (FP32, and INT8 after a Quantize) against the reference backend at
// every level this CPU runs, batch 1 and 2, 1 to 3 threads.
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
}

// input [n, 3, h, w] -> [Quantize ->] Transpose {0, 2, 3, 1} [-> Dequantize].
Graph PlanesGraph(int32_t n, int32_t h, int32_t w, bool int8) {
  Graph g;
  const int32_t x = g.AddTensor("input", {n, 3, h, w});
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
    const int32_t t = g.AddTensor(name, std::move(shape), int8 ? DType::kI8 : DType::kF32);
    if (int8) {
      g.tensors[t].quant.scale = {1.f / 64};
      g.tensors[t].quant.zero_point = {-5};
    }
    return t;
  };
  int32_t t = int8 ? add(OpType::kQuantize, x, tensor("q", {n, 3, h, w})) : x;
  t = add(OpType::kTranspose, t, tensor("nhwc", {n, h, w, 3}));
  g.nodes.back().ints = {0, 2, 3, 1};
  g.outputs = {int8 ? add(OpType::kDequantize, t, g.AddTensor("out", {n, h, w, 3})) : t};
  return g;
}

TEST(NativeInterleave3, TransposeStepsMatchTheReferenceAtEveryLevel) {
  for (bool int8 : {false, true})
    for (auto [n, h, w] : {std::tuple{1, 5, 7}, std::tuple{2, 9, 70}, std::tuple{1, 31, 64}}) {
      const Graph g = PlanesGraph(n, h, w, int8);
      const std::vector<float> x = testing::RandomVector(static_cast<size_t>(n) * 3 * h * w, 8);
      const std::vector<float> want = testing::RunGraph(g, x, "reference");
      for (float v : want) ASSERT_TRUE(std::isfinite(v));
      for (kernels::Isa isa : kernels::SupportedIsas())
        for (int threads : {1, 2, 3}) {
          SCOPED_TRACE(::testing::Message() << (int8 ? "int8 " : "f32 ") << n << "x" << h << "x" << w << " "
                                            << kernels::IsaName(isa) << " threads " << threads);
          BackendOptions o;
          o.threads = threads;
          auto e = PrepareNativeAtIsa(g, o, isa);
          ASSERT_TRUE(e.ok()) << e.status();
          EXPECT_EQ(testing::RunOnce(**e, g, x), want);
          // The label names the kernel: the level's Interleave3 where it has one.
          const kernels::KernelEntry* k = kernels::KernelRegistry::Global().FindEntry(
              kernels::KernelOp::kInterleave3, int8 ? kernels::KernelDType::kS8 : kernels::KernelDType::kF32, isa);
          const std::string label = k ? "transpose_" + k->name : int8 ? "transpose_s8" : "transpose_f32";
          const std::vector<std::string> ops = (*e)->op_descriptions();
          EXPECT_NE(std::find(ops.begin(), ops.end(), label), ops.end()) << label;
        }
    }
}

}  // namespace
}  // namespace scalert
