// The GEMM step: pointwise convolutions (one GEMM over all pixels); other steps build on MakeGemm.
#include <algorithm>

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::KernelOp;

void GemmStep::operator()() const {
  const GemmStep& s = *this;
  const int64_t tasks = split.row_tasks * split.col_tasks;
  const WeightPrefetch::Range pf = prefetch ? prefetch->range(prefetch_slot) : WeightPrefetch::Range{};
  pool->ParallelFor(static_cast<size_t>(tasks), [&s, &pf, tasks](size_t task) {
    const GemmSplit::Range r = s.split.Task(static_cast<int64_t>(task), s.m, s.args.n);
    if (!pf.data) return s.fn(s.args, r.m0, r.m1, r.n0, r.n1);
    // Each task touches its share of the prefetch range (whole lines).
    kernels::GemmArgs a = s.args;
    const int64_t share = (pf.bytes / tasks + 63) / 64 * 64;
    const int64_t begin = std::min<int64_t>(pf.bytes, share * static_cast<int64_t>(task));
    a.prefetch = pf.data + begin;
    a.prefetch_bytes = std::min<int64_t>(share, pf.bytes - begin);
    s.fn(a, r.m0, r.m1, r.n0, r.n1);
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
  // The step reads its weights once per run: they were last read a run ago.
  s.args.cold_weights = true;
  s.m = m;
  s.mr = k.tile.mr;
  s.split = SplitGemm(m, packed->n, ctx.pool->threads(), packed->nr);
  s.packed = std::move(packed);
  s.pool = ctx.pool;
  return s;
}

GemmStep WithWeightPrefetch(const NativeContext& ctx, GemmStep s) {
  if (!ctx.prefetch) return s;
  // A GEMM with enough rows hosts prefetches; one with too few streams its weights once per run
  // (bound by memory) and has them prefetched by the hosts before it.
  s.prefetch_slot = ctx.prefetch->AddHost(s.m, s.args.k, s.args.n, s.mr, s.packed->nr);
  const int64_t weight_bytes = static_cast<int64_t>(s.packed->b.size() * sizeof(float));
  if (s.prefetch_slot < 0 && weight_bytes >= WeightPrefetch::kMinTargetBytes)
    ctx.prefetch->AddTarget(s.packed->b.data(), weight_bytes);
  s.prefetch = ctx.prefetch;
  return s;
}

absl::StatusOr<PreparedStep> ConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                      const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  if (n.conv.input_nchw) return PatchConvStep(ctx, g, index, p);  // the pass checked it can
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  const bool pointwise = geo.kernel_h == 1 && geo.kernel_w == 1 && geo.stride_h == 1 && geo.stride_w == 1 &&
                         n.conv.pad_top == 0 && n.conv.pad_bottom == 0 && n.conv.pad_left == 0 &&
                         n.conv.pad_right == 0;
  if (!pointwise) return PatchConvStep(ctx, g, index, p);
  const int64_t m = static_cast<int64_t>(geo.batch) * geo.out_h * geo.out_w;
  return PreparedStep{WithWeightPrefetch(ctx, MakeGemm(ctx, gemm, PackPointwise(gemm, g, n),
                                                      p.get<float>(n.inputs[0]), m, p.get<float>(n.outputs[0]),
                                                      n.activation)),
                      KernelLabel("conv1x1", gemm.isa)};
}

}  // namespace scalert::native
