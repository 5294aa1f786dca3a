// The GEMM step: pointwise convolutions (one GEMM over all pixels); other steps build on MakeGemm.
#include <algorithm>

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::KernelOp;

void GemmStep::operator()() const {
  const GemmStep& s = *this;
  pool->ParallelFor(static_cast<size_t>(split.row_tasks * split.col_tasks), [&s](size_t task) {
    const int64_t rt = static_cast<int64_t>(task) / s.split.col_tasks;
    const int32_t ct = static_cast<int32_t>(static_cast<int64_t>(task) % s.split.col_tasks);
    const int64_t m0 = rt * s.split.row_chunk, m1 = std::min(s.m, m0 + s.split.row_chunk);
    const int32_t n0 = ct * s.split.col_chunk, n1 = std::min(s.args.n, n0 + s.split.col_chunk);
    s.fn(s.args, m0, m1, n0, n1);
  });
}

GemmStep MakeGemm(const NativeContext& ctx, const kernels::Kernel<KernelOp::kGemm>& k,
                  std::shared_ptr<kernels::PackedGemm> packed, const float* a, int64_t m, float* c, Activation act) {
  GemmStep s;
  s.fn = k.fn;
  s.args.a = a;
  s.args.lda = packed->k;
  s.args.packed_b = packed->b.data();
  s.args.bias = packed->bias.data();
  s.args.c = c;
  s.args.ldc = packed->n;
  s.args.k = packed->k;
  s.args.n = packed->n;
  s.args.act = act;
  s.m = m;
  s.split = SplitGemm(m, packed->n, ctx.pool->threads(), packed->nr);
  s.packed = std::move(packed);
  s.pool = ctx.pool;
  return s;
}

absl::StatusOr<PreparedStep> ConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                      const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  const bool pointwise = geo.kernel_h == 1 && geo.kernel_w == 1 && geo.stride_h == 1 && geo.stride_w == 1 &&
                         n.conv.pad_top == 0 && n.conv.pad_bottom == 0 && n.conv.pad_left == 0 &&
                         n.conv.pad_right == 0;
  if (!pointwise) return PatchConvStep(ctx, g, index, p);
  const int64_t m = static_cast<int64_t>(geo.batch) * geo.out_h * geo.out_w;
  return PreparedStep{MakeGemm(ctx, gemm, PackPointwise(gemm, g, n), p.get<float>(n.inputs[0]), m,
                               p.get<float>(n.outputs[0]), n.activation),
                      KernelLabel("conv1x1", gemm.isa)};
}

}  // namespace scalert::native
