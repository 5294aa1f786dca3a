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
  const DType dtype = g.tensors[n.inputs[0]].dtype;
  const bool s8 = dtype == DType::kI8;  // bytes move unchanged (same parameters)
  const bool half = dtype == DType::kF16 || dtype == DType::kBF16;  // so do 16-bit floats
  const uint8_t* x = p.get<uint8_t>(n.inputs[0]);
  uint8_t* y = p.get<uint8_t>(n.outputs[0]);
  const int64_t rows = plan.rows();
  const int64_t row_elems = plan.out_shape[2] * plan.out_shape[3];
  const Split1D split =
      SplitRange(rows, ctx.pool->threads(), 1, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(row_elems, 1)));
  auto pool = ctx.pool;
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t r0 = static_cast<int64_t>(t) * split.chunk;
                          const int64_t r1 = std::min(rows, r0 + split.chunk);
                          if (s8)
                            kernels::TransposeS8(plan, reinterpret_cast<const int8_t*>(x), reinterpret_cast<int8_t*>(y),
                                                 r0, r1);
                          else if (half)
                            kernels::Transpose16(plan, reinterpret_cast<const uint16_t*>(x),
                                                 reinterpret_cast<uint16_t*>(y), r0, r1);
                          else
                            kernels::TransposeF32(plan, reinterpret_cast<const float*>(x), reinterpret_cast<float*>(y),
                                                  r0, r1);
                        });
                      },
                      s8 ? "transpose_s8" : half ? "transpose_16bit" : "transpose_f32"};
}

}  // namespace scalert::native
