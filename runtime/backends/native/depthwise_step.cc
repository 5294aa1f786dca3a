// Depthwise convolution split by output rows.
#include <algorithm>
#include "kernels/aligned_buffer.h"
#include "kernels/dwconv_taps.h"

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

struct DwConvStep {
  kernels::DwConvF32Fn fn;
  kernels::DwConvArgs args;
  Split1D split;
  std::shared_ptr<kernels::PackedDwConv> packed;
  std::shared_ptr<kernels::AlignedBuffer> zero;
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const DwConvStep& s = *this;
    const int32_t rows = args.geo.batch * args.geo.out_h;
    pool->ParallelFor(static_cast<size_t>(split.tasks), [&s, rows](size_t task) {
      const int32_t r0 = static_cast<int32_t>(task * s.split.chunk);
      s.fn(s.args, r0, static_cast<int32_t>(std::min<int64_t>(rows, r0 + s.split.chunk)));
    });
  }
};

absl::StatusOr<PreparedStep> DepthwiseStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto dw = ctx.registry->Find<KernelOp::kDwConv>(ctx.isa);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  if (!dw || !IsConstant(g, n, 1) || geo.depth_multiplier != 1 || geo.in_c != geo.out_c ||
      geo.kernel_h * geo.kernel_w > kernels::kMaxDwTaps)
    return ReferenceStep(g, index, p);
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  DwConvStep s;
  s.fn = dw.fn;
  s.packed = std::make_shared<kernels::PackedDwConv>(
      dw.pack(w.data(), b.empty() ? nullptr : b.data(), geo.out_c, geo.kernel_h * geo.kernel_w, dw.tile));
  s.zero = std::make_shared<kernels::AlignedBuffer>(
      static_cast<size_t>(kernels::RoundUp(geo.in_c, dw.tile.channel_tile)));
  s.args.geo = geo;
  s.args.input = p.get<float>(n.inputs[0]);
  s.args.packed = s.packed->data.data();
  s.args.zero = s.zero->data();
  s.args.output = p.get<float>(n.outputs[0]);
  s.args.act = n.activation;
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.pool = ctx.pool;
  return PreparedStep{s, KernelLabel("dwconv", dw.isa)};
}

}  // namespace scalert::native
