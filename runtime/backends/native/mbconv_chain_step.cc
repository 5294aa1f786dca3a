#include <algorithm>
#include "kernels/aligned_buffer.h"
#include "runtime/backends/native/mbconv_step.h"

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;


// A fused chain runs at its last node (so every tensor it reads is still live and nothing the
// chain writes early can clobber another tensor); its other nodes are empty steps.
absl::StatusOr<PreparedStep> MbconvChainStep(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p) {
  const MbconvChain& c = ctx.chains[ctx.chain_of[index]];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  auto dw = ctx.registry->Find<KernelOp::kDwConv>(ctx.isa);
  const std::string label = KernelLabel(c.project >= 0 ? "mbconv" : "expand_dwconv", gemm.isa);
  const int32_t last = c.project >= 0 ? c.project : c.depthwise;
  if (static_cast<int32_t>(index) != last) return PreparedStep{[] {}, label};
  const Node& e = g.nodes[c.expand];
  const Node& d = g.nodes[c.depthwise];
  MbconvStep s;
  s.gemm = gemm.fn;
  s.dw = dw.fn;
  s.expand_w = PackPointwise(gemm, g, e);
  s.expand = MakeGemm(ctx, gemm, s.expand_w, nullptr, 0, nullptr, e.activation).args;
  const ref::ConvGeometry geo = ConvGeometryOf(g, d);
  const std::vector<float> dw_w = ConstantAsF32(g.tensors[d.inputs[1]]);
  const std::vector<float> dw_b = OptionalF32(g, d, 2);
  s.dw_w = std::make_shared<kernels::PackedDwConv>(
      dw.pack(dw_w.data(), dw_b.empty() ? nullptr : dw_b.data(), geo.out_c, geo.kernel_h * geo.kernel_w, dw.tile));
  s.zero = std::make_shared<kernels::AlignedBuffer>(
      static_cast<size_t>(kernels::RoundUp(geo.in_c, dw.tile.channel_tile)));
  s.depthwise.geo = geo;
  s.depthwise.packed = s.dw_w->data.data();
  s.depthwise.zero = s.zero->data();
  s.depthwise.act = d.activation;
  s.has_project = c.project >= 0;
  if (s.has_project) {
    const Node& pr = g.nodes[c.project];
    s.project_w = PackPointwise(gemm, g, pr);
    s.project = MakeGemm(ctx, gemm, s.project_w, nullptr, 0, nullptr, pr.activation).args;
  }
  s.input = p.get<float>(e.inputs[0]);
  s.output = p.get<float>(g.nodes[last].outputs[0]);
  // Bands of at least 8 rows keep the halo recomputed at band edges small.
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 8);
  s.pool = ctx.pool;
  s.AllocateScratch();
  return PreparedStep{std::move(s), label};
}

}  // namespace scalert::native
