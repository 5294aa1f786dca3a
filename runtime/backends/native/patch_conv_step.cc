// General (non-pointwise) convolutions: patches of output rows times the packed weights.
#include <algorithm>

#include "kernels/aligned_buffer.h"
#include "kernels/im2col.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

namespace {

bool ColumnPatches(const ref::ConvGeometry& geo) { return geo.dilation_w == 1 && geo.kernel_h <= 64; }

// The nodes reading tensor `t` (and one more if it is a graph output).
int Readers(const Graph& g, int32_t t) {
  int r = static_cast<int>(std::count(g.outputs.begin(), g.outputs.end(), t));
  for (const Node& n : g.nodes) r += static_cast<int>(std::count(n.inputs.begin(), n.inputs.end(), t));
  return r;
}

}  // namespace

int FoldedInputTranspose(const Graph& g, size_t conv_index) {
  const Node& conv = g.nodes[conv_index];
  if (conv.type != OpType::kConv2D || conv.inputs.empty() || conv.inputs[0] < 0) return -1;
  const int32_t nhwc = conv.inputs[0];
  const Tensor& x = g.tensors[nhwc];
  if (x.dtype != DType::kF32 || x.shape.size() != 4 || x.shape[3] > 4 || Readers(g, nhwc) != 1) return -1;
  const ref::ConvGeometry geo = ConvGeometryOf(g, conv);
  if (!ColumnPatches(geo) || (geo.kernel_h == 1 && geo.kernel_w == 1)) return -1;
  for (size_t i = 0; i < conv_index; ++i) {
    const Node& t = g.nodes[i];
    if (std::find(t.outputs.begin(), t.outputs.end(), nhwc) == t.outputs.end()) continue;
    // The NCHW tensor must be a graph input: those live to the end of the plan, so it is still
    // intact when the convolution runs after the Transpose (MemoryPlan would otherwise let the
    // convolution's output take its place).
    const bool to_nhwc = t.type == OpType::kTranspose && t.ints == std::vector<int32_t>{0, 2, 3, 1} &&
                         t.inputs.size() == 1 && g.tensors[t.inputs[0]].dtype == DType::kF32 &&
                         std::find(g.inputs.begin(), g.inputs.end(), t.inputs[0]) != g.inputs.end();
    return to_nhwc ? static_cast<int>(i) : -1;
  }
  return -1;
}

bool TransposeFoldedIntoConv(const Graph& g, size_t transpose_index) {
  const Node& t = g.nodes[transpose_index];
  if (t.type != OpType::kTranspose || t.outputs.size() != 1) return false;
  for (size_t i = transpose_index + 1; i < g.nodes.size(); ++i) {
    const auto& in = g.nodes[i].inputs;
    if (std::find(in.begin(), in.end(), t.outputs[0]) != in.end())
      return FoldedInputTranspose(g, i) == static_cast<int>(transpose_index);
  }
  return false;
}

// General convolution: each task turns output rows into patches in its own scratch, then
// multiplies them with the packed weights. Column patches (kernels/im2col.h) when dilation_w is
// 1 (every stem), else one im2col patch per pixel.
struct PatchConv {
  kernels::GemmF32Fn fn;
  kernels::GemmArgs args;  // a and c are set per row
  ref::ConvGeometry geo;
  bool column_patches;
  bool nchw_input;  // column patches from the NCHW tensor of a folded input transpose
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
        if (s.nchw_input) kernels::ColumnPatchRowNchw(s.geo, s.input, r, buf);
        else if (s.column_patches) kernels::ColumnPatchRow(s.geo, s.input, r, buf);
        else kernels::Im2ColRow(s.geo, s.input, r, buf);
        a.c = s.output + static_cast<int64_t>(r) * s.geo.out_w * s.geo.out_c;
        s.fn(a, 0, s.geo.out_w, 0, a.n);
      }
    });
  }
};

absl::StatusOr<PreparedStep> PatchConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  const int32_t k = geo.kernel_h * geo.kernel_w * geo.in_c;
  const bool column_patches = ColumnPatches(geo);
  const int folded = FoldedInputTranspose(g, index);
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
  s.geo = geo;
  s.column_patches = column_patches;
  if (column_patches) s.args.lda = kernels::ColumnPatchStride(geo);
  s.nchw_input = folded >= 0;
  s.input = p.get<float>(s.nchw_input ? g.nodes[static_cast<size_t>(folded)].inputs[0] : n.inputs[0]);
  s.output = p.get<float>(n.outputs[0]);
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.packed = std::move(packed);
  s.scratch = std::make_shared<std::vector<kernels::AlignedBuffer>>();
  const int64_t scratch_floats =
      column_patches ? kernels::ColumnPatchFloats(geo) : kernels::Im2ColPatch(geo) * geo.out_w;
  for (int64_t t = 0; t < s.split.tasks; ++t) s.scratch->emplace_back(static_cast<size_t>(scratch_floats));
  s.pool = ctx.pool;
  return PreparedStep{s, KernelLabel(s.nchw_input ? "conv2d_nchw_columns" : column_patches ? "conv2d_columns" : "conv2d_im2col",
                                     gemm.isa)};
}

}  // namespace scalert::native
