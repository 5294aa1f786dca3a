// Fully connected layers: one GEMM, split by columns when there is one row.
#include <algorithm>

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

absl::StatusOr<PreparedStep> FullyConnectedStep(const NativeContext& ctx, const Graph& g, size_t index,
                                                const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const Shape& ws = g.tensors[n.inputs[1]].shape;  // [out, in]
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  auto packed = std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws[1], gemm.tile));
  const int64_t m = g.tensors[n.outputs[0]].shape[0];
  return PreparedStep{WithWeightPrefetch(ctx, MakeGemm(ctx, gemm, std::move(packed), p.get<float>(n.inputs[0]), m,
                                                      p.get<float>(n.outputs[0]), n.activation)),
                      KernelLabel("fc", gemm.isa)};
}

}  // namespace scalert::native
