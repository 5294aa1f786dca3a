// Global average pooling split by channels.
#include <algorithm>

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

absl::StatusOr<PreparedStep> GlobalAvgPoolStep(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto k = ctx.registry->Find<KernelOp::kGlobalAvgPool>(ctx.isa);
  if (!k) return ReferenceStep(g, index, p);
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const int32_t batch = xs[0], c = xs[3];
  const int64_t pixels = static_cast<int64_t>(xs[1]) * xs[2];
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  // Channels split in multiples of 8; small pools stay on one thread.
  const Split1D split =
      SplitRange(c, pixels * c >= (1 << 16) ? ctx.pool->threads() : 1, 8, 32);
  auto pool = ctx.pool;
  auto fn = k.fn;
  return PreparedStep{[=] {
                        for (int32_t b = 0; b < batch; ++b) {
                          const float* xb = x + b * pixels * c;
                          float* yb = y + static_cast<int64_t>(b) * c;
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int32_t c0 = static_cast<int32_t>(t * split.chunk);
                            fn(pixels, c, xb, yb, c0, static_cast<int32_t>(std::min<int64_t>(c, c0 + split.chunk)));
                          });
                        }
                      },
                      KernelLabel("global_avg_pool", k.isa)};
}

}  // namespace scalert::native
