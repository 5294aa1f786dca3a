// Transpose split by output rows.
#include <algorithm>
#include "kernels/transpose.h"

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

absl::StatusOr<PreparedStep> TransposeStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  if (xs.size() > 4 || n.ints.size() != xs.size()) return ReferenceStep(g, index, p);
  const kernels::TransposePlan plan = kernels::MakeTransposePlan(xs, n.ints);
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  const int64_t rows = plan.rows();
  const int64_t row_elems = plan.out_shape[2] * plan.out_shape[3];
  const Split1D split =
      SplitRange(rows, ctx.pool->threads(), 1, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(row_elems, 1)));
  auto pool = ctx.pool;
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t r0 = static_cast<int64_t>(t) * split.chunk;
                          kernels::TransposeF32(plan, x, y, r0, std::min(rows, r0 + split.chunk));
                        });
                      },
                      "transpose_f32"};
}

}  // namespace scalert::native
