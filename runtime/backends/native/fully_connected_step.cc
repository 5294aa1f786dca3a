// Fully connected layers: one GEMM, split by columns when there is one row. FP32 activations
// with BF16 weights (a BF16 file's classifier) keep the weights 16-bit where a kernel reads them
// so (gemm_f32_bf16w), else widen them to FP32 (the same values, twice the bytes).
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
  std::string use = "fc";
  if (g.tensors[n.inputs[1]].dtype == DType::kBF16) {
    // Same function type as the FP32 GEMM: only the packing differs.
    if (const kernels::KernelEntry* e = ctx.registry->FindEntry(KernelOp::kGemm, kernels::KernelDType::kF32Bf16W, ctx.isa)) {
      gemm = kernels::KernelFromEntry<KernelOp::kGemm, kernels::KernelDType::kF32>(*e);
      use = "fc_bf16w";
    }
  }
  const Shape& ws = g.tensors[n.inputs[1]].shape;  // [out, in]
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  auto packed = std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws[1], gemm.tile));
  const int64_t m = g.tensors[n.outputs[0]].shape[0];
  return PreparedStep{WithWeightPrefetch(ctx, MakeGemm(ctx, gemm, std::move(packed), p.get<float>(n.inputs[0]), m,
                                                      p.get<float>(n.outputs[0]), n.activation)),
                      KernelLabel(use, gemm.isa)};
}

}  // namespace scalert::native
