// Transpose split by output rows; an RGB input's NCHW -> NHWC (FP32, 16-bit or INT8) on the level's
// Interleave3 kernel.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kernels/registry.h"
#include "kernels/transpose.h"

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

namespace {

// True when the plan turns three planes into interleaved pixels (NCHW -> NHWC of an RGB image) with
// the rows of each image contiguous in its planes, so a run of output rows is one Interleave3 call.
bool IsPlanesToPixels(const kernels::TransposePlan& plan) {
  return plan.out_shape[3] == 3 && plan.in_stride[2] == 1 && plan.in_stride[1] == plan.out_shape[2] &&
         plan.in_stride[3] >= plan.out_shape[1] * plan.out_shape[2];
}

// Output rows [r0, r1) of an Interleave3 plan, one call per image the range touches.
template <typename T, typename Fn>
void InterleaveRows(const kernels::TransposePlan& plan, Fn fn, const T* x, T* y, int64_t r0, int64_t r1) {
  const int64_t h = plan.out_shape[1], w = plan.out_shape[2];
  while (r0 < r1) {
    const int64_t image = r0 / h, end = std::min(r1, (image + 1) * h);
    fn((end - r0) * w, x + image * plan.in_stride[0] + (r0 - image * h) * w, plan.in_stride[3], y + r0 * w * 3);
    r0 = end;
  }
}

}  // namespace

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
  // An RGB input's NCHW -> NHWC: the registry's vector kernel where the level has one.
  auto f32_planes = ctx.registry->Find<KernelOp::kInterleave3>(ctx.isa);
  auto s8_planes = ctx.registry->Find<KernelOp::kInterleave3, kernels::KernelDType::kS8>(ctx.isa);
  if (IsPlanesToPixels(plan) && dtype == DType::kF32 && f32_planes) {
    auto fn = f32_planes.fn;
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t r0 = static_cast<int64_t>(t) * split.chunk;
                            InterleaveRows(plan, fn, reinterpret_cast<const float*>(x), reinterpret_cast<float*>(y), r0,
                                           std::min(rows, r0 + split.chunk));
                          });
                        },
                        absl::StrCat("transpose_", f32_planes.name)};
  }
  if (IsPlanesToPixels(plan) && s8 && s8_planes) {
    auto fn = s8_planes.fn;
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t r0 = static_cast<int64_t>(t) * split.chunk;
                            InterleaveRows(plan, fn, reinterpret_cast<const int8_t*>(x), reinterpret_cast<int8_t*>(y),
                                           r0, std::min(rows, r0 + split.chunk));
                          });
                        },
                        absl::StrCat("transpose_", s8_planes.name)};
  }
  // FP16 and BF16 bits move alike: either dtype's entry (the same kernel).
  const kernels::KernelEntry* half_planes =
      half ? ctx.registry->FindEntry(KernelOp::kInterleave3,
                                     dtype == DType::kBF16 ? kernels::KernelDType::kBF16 : kernels::KernelDType::kF16, ctx.isa)
           : nullptr;
  if (IsPlanesToPixels(plan) && half_planes) {
    auto fn = kernels::KernelFromEntry<KernelOp::kInterleave3, kernels::KernelDType::kF16>(*half_planes).fn;
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t r0 = static_cast<int64_t>(t) * split.chunk;
                            InterleaveRows(plan, fn, reinterpret_cast<const uint16_t*>(x), reinterpret_cast<uint16_t*>(y),
                                           r0, std::min(rows, r0 + split.chunk));
                          });
                        },
                        absl::StrCat("transpose_", half_planes->name)};
  }
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
