// General (non-pointwise) convolutions: patches of output rows times the packed weights.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kernels/aligned_buffer.h"
#include "kernels/im2col.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

// General convolution: each task turns output rows into patches in its own scratch, then
// multiplies them with the packed weights. Column patches (kernels/im2col.h) when dilation_w is
// 1 (every stem), else one im2col patch per pixel.
struct PatchConv {
  kernels::GemmF32Fn fn;
  kernels::GemmArgs args;  // a and c are set per row
  ref::ConvGeometry geo;
  bool column_patches;
  bool input_nchw;  // column patches from an NCHW input (passes/nchw_input.h)
  const float* input;
  float* output;
  Split1D split;  // over batch * out_h rows; task i uses scratch slot i
  std::shared_ptr<kernels::PackedGemm> packed;
  std::shared_ptr<std::vector<kernels::AlignedBuffer>> scratch;
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const PatchConv& s = *this;
    const int32_t rows = geo.batch * geo.out_h;
    pool->ParallelFor(static_cast<size_t>(split.tasks), [&s, rows](size_t task) {
      kernels::GemmArgs a = s.args;
      float* buf = (*s.scratch)[task].data();
      a.a = buf;
      const int32_t r0 = static_cast<int32_t>(task * s.split.chunk);
      const int32_t r1 = static_cast<int32_t>(std::min<int64_t>(rows, r0 + s.split.chunk));
      for (int32_t r = r0; r < r1; ++r) {
        if (s.input_nchw) kernels::ColumnPatchRowNchw(s.geo, s.input, r, buf);
        else if (s.column_patches) kernels::ColumnPatchRow(s.geo, s.input, r, buf);
        else kernels::Im2ColRow(s.geo, s.input, r, buf);
        a.c = s.output + static_cast<int64_t>(r) * s.geo.out_w * s.geo.out_c;
        s.fn(a, 0, s.geo.out_w, 0, a.n);
      }
    });
  }
};

bool PatchConvCanReadNchw(const NativeContext& ctx, const Graph& g, const Node& n) {
  if (n.type != OpType::kConv2D || n.conv.input_nchw || !AllActivationsF32(g, n) || !IsConstant(g, n, 1) ||
      !ctx.registry->Find<KernelOp::kGemm>(ctx.isa))
    return false;
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  const bool pointwise = geo.kernel_h == 1 && geo.kernel_w == 1 && geo.stride_h == 1 && geo.stride_w == 1 &&
                         n.conv.pad_top == 0 && n.conv.pad_bottom == 0 && n.conv.pad_left == 0 &&
                         n.conv.pad_right == 0;
  return !pointwise && ColumnPatchesFit(geo);
}

absl::StatusOr<PreparedStep> PatchConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  const int32_t k = geo.kernel_h * geo.kernel_w * geo.in_c;
  const bool column_patches = ColumnPatchesFit(geo);
  if (n.conv.input_nchw && !column_patches)
    return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": an NCHW input needs column patches"));
  if (column_patches) {
    std::vector<float> owhi(w.size());
    kernels::ColumnPatchWeights(geo, w.data(), owhi.data());
    w.swap(owhi);
  }
  auto packed = std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), geo.out_c, k, gemm.tile));
  PatchConv s;
  s.fn = gemm.fn;
  s.args = MakeGemm(ctx, gemm, packed, nullptr, geo.out_w, nullptr, n.activation).args;
  s.args.cold_weights = false;  // one call per output row: the weights stay in cache after the first
  s.geo = geo;
  s.column_patches = column_patches;
  s.input_nchw = n.conv.input_nchw;
  if (column_patches) s.args.lda = kernels::ColumnPatchStride(geo);
  s.input = p.get<float>(n.inputs[0]);
  s.output = p.get<float>(n.outputs[0]);
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.packed = std::move(packed);
  s.scratch = std::make_shared<std::vector<kernels::AlignedBuffer>>();
  const int64_t scratch_floats =
      column_patches ? kernels::ColumnPatchFloats(geo) : kernels::Im2ColPatch(geo) * geo.out_w;
  for (int64_t t = 0; t < s.split.tasks; ++t) s.scratch->emplace_back(static_cast<size_t>(scratch_floats));
  s.pool = ctx.pool;
  return PreparedStep{s, KernelLabel(n.conv.input_nchw ? "conv2d_columns_nchw" : column_patches ? "conv2d_columns" : "conv2d_im2col", gemm.isa)};
}

}  // namespace scalert::native
