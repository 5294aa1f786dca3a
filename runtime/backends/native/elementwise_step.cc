// Binary ops (equal shapes, or the squeeze-and-excitation channel broadcast) and activations.
#include <algorithm>

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

// Splits n elements over the pool in chunks of at least 16K (multiples of 8).
Split1D ElementwiseSplit(const NativeContext& ctx, int64_t n) {
  return SplitRange(n, ctx.pool->threads(), 8, 1 << 14);
}

// Shape as rank 4, right-aligned with leading ones (NumPy broadcasting).
Shape AsRank4(const Shape& s) {
  Shape r(4, 1);
  for (size_t i = 0; i < s.size() && i < 4; ++i) r[4 - s.size() + i] = s[i];
  return r;
}

absl::StatusOr<PreparedStep> BinaryStep(const NativeContext& ctx, const Graph& g, size_t index,
                                        const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const bool add = n.type == OpType::kAdd;
  const Shape& as = g.tensors[n.inputs[0]].shape;
  const Shape& bs = g.tensors[n.inputs[1]].shape;
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  // Constant operands may be stored in another dtype: use them only when already FP32.
  for (int32_t t : n.inputs)
    if (g.tensors[t].is_constant() && g.tensors[t].dtype != DType::kF32) return ReferenceStep(g, index, p);
  const float* a = p.get<float>(n.inputs[0]);
  const float* b = p.get<float>(n.inputs[1]);
  float* y = p.get<float>(n.outputs[0]);
  const Activation act = n.activation;
  auto pool = ctx.pool;
  if (as == ys && bs == ys) {
    auto add_k = ctx.registry->Find<KernelOp::kAdd>(ctx.isa);
    auto mul_k = ctx.registry->Find<KernelOp::kMul>(ctx.isa);
    const kernels::BinaryF32Fn fn = add ? add_k.fn : mul_k.fn;
    const Isa isa = add ? add_k.isa : mul_k.isa;
    if (!fn) return ReferenceStep(g, index, p);
    const int64_t count = g.tensors[n.outputs[0]].num_elements();
    const Split1D split = ElementwiseSplit(ctx, count);
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                            fn(std::min(count, i0 + split.chunk) - i0, a + i0, b + i0, y + i0, act);
                          });
                        },
                        KernelLabel(add ? "add" : "mul", isa)};
  }
  // Squeeze-and-excitation: [N, H, W, C] * [N or 1, 1, 1, C], in either order.
  if (!add && ys.size() == 4) {
    const bool a_full = as == ys;
    const Shape small = AsRank4(a_full ? bs : as);
    const bool channel_broadcast = (a_full || bs == ys) && small[1] == 1 && small[2] == 1 && small[3] == ys[3] &&
                                   (small[0] == ys[0] || small[0] == 1);
    auto k = ctx.registry->Find<KernelOp::kMulChannel>(ctx.isa);
    if (channel_broadcast && k) {
      const float* x = a_full ? a : b;
      const float* s = a_full ? b : a;
      const int32_t batch = ys[0], c = ys[3];
      const int64_t pixels = static_cast<int64_t>(ys[1]) * ys[2];
      const int64_t s_stride = small[0] == 1 ? 0 : c;
      const Split1D split = SplitRange(pixels, ctx.pool->threads(), 1, std::max<int64_t>(1, 16384 / c));
      auto fn = k.fn;
      return PreparedStep{[=] {
                            for (int32_t bi = 0; bi < batch; ++bi) {
                              const int64_t base = bi * pixels * c;
                              pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                                const int64_t p0 = static_cast<int64_t>(t) * split.chunk;
                                const int64_t p1 = std::min(pixels, p0 + split.chunk);
                                fn(p1 - p0, c, x + base + p0 * c, s + bi * s_stride, y + base + p0 * c, act);
                              });
                            }
                          },
                          KernelLabel("mul_channel", k.isa)};
    }
  }
  return ReferenceStep(g, index, p);
}

absl::StatusOr<PreparedStep> ActivationStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p, Activation act) {
  const Node& n = g.nodes[index];
  auto k = ctx.registry->Find<KernelOp::kActivation>(ctx.isa);
  if (!k) return ReferenceStep(g, index, p);
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  const int64_t count = g.tensors[n.outputs[0]].num_elements();
  const Split1D split = ElementwiseSplit(ctx, count);
  auto pool = ctx.pool;
  auto fn = k.fn;
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                          fn(std::min(count, i0 + split.chunk) - i0, x + i0, y + i0, act);
                        });
                      },
                      KernelLabel(ActivationName(act), k.isa)};
}

}  // namespace scalert::native
