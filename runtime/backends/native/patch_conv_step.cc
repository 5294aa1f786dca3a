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
// An NCHW input, where the level has a kGemmOffsets kernel, builds no patch for the pixels whose
// window lies inside the image: the kernel reads their taps from the planes in place (building
// the patches took a fifth of MobileNetV2's stem; in its profile on a Sapphire Rapids Xeon, 1
// thread: 0.22 -> 0.16 ms). Border pixels still go through column patches, on the same kernel
// and weights with offsets 0..k-1, so every pixel's products are added in the same order (the
// outputs are the column GEMM's bits).
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
  // NCHW input on a kGemmOffsets kernel (`fn`): the taps' offsets in a plane-major image, in the
  // column patches' (kx, ky, c) order, and 0..k-1 (the patches themselves); output columns
  // [ox_lo, ox_hi) have their window inside the image horizontally.
  bool in_place = false;
  std::shared_ptr<const std::vector<int64_t>> taps, patch_taps;
  int32_t ox_lo = 0, ox_hi = 0;

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
        a.c = s.output + static_cast<int64_t>(r) * s.geo.out_w * s.geo.out_c;
        if (s.in_place && s.InPlaceRow(r, buf, a)) continue;
        if (s.input_nchw) kernels::ColumnPatchRowNchw(s.geo, s.input, r, buf);
        else if (s.column_patches) kernels::ColumnPatchRow(s.geo, s.input, r, buf);
        else kernels::Im2ColRow(s.geo, s.input, r, buf);
        s.fn(a, 0, s.geo.out_w, 0, a.n);
      }
    });
  }

  // Output row r when its window rows lie inside the image: border pixels from column patches
  // (only as many columns as the left ones need when there are none on the right), the rest in
  // place. False: the row has padding rows (the caller patches it whole).
  bool InPlaceRow(int32_t r, float* buf, const kernels::GemmArgs& patches) const {
    const ref::ConvGeometry& g = geo;
    const int32_t n = r / g.out_h, iy0 = r % g.out_h * g.stride_h - g.pad_top;
    if (iy0 < 0 || iy0 + (g.kernel_h - 1) * g.dilation_h >= g.in_h || ox_lo >= ox_hi) return false;
    if (ox_hi < g.out_w) {
      kernels::ColumnPatchRowNchw(g, input, r, buf);
      fn(patches, ox_hi, g.out_w, 0, patches.n);
    } else if (ox_lo > 0) {
      kernels::ColumnPatchColumnsNchw(g, input, r, int64_t{ox_lo - 1} * g.stride_w + g.kernel_w, buf);
    }
    if (ox_lo > 0) fn(patches, 0, ox_lo, 0, patches.n);
    kernels::GemmArgs a = patches;
    const int64_t plane = int64_t{g.in_h} * g.in_w;
    a.a = input + (int64_t{n} * g.in_c * plane + int64_t{iy0} * g.in_w) + (int64_t{ox_lo} * g.stride_w - g.pad_left);
    a.lda = g.stride_w;
    a.a_offsets = taps->data();
    a.c = patches.c + int64_t{ox_lo} * g.out_c;
    fn(a, 0, ox_hi - ox_lo, 0, a.n);
    return true;
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
  // An NCHW input reads interior pixels in place where the level has the kernel for it.
  const auto offsets = ctx.registry->Find<KernelOp::kGemmOffsets>(ctx.isa);
  const bool in_place = n.conv.input_nchw && offsets && offsets.tile.nr == gemm.tile.nr &&
                        offsets.tile.nr_min == gemm.tile.nr_min && offsets.pack == gemm.pack;
  auto packed = std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), geo.out_c, k, gemm.tile));
  PatchConv s;
  s.fn = in_place ? offsets.fn : gemm.fn;
  if (in_place) {
    s.in_place = true;
    const int64_t plane = int64_t{geo.in_h} * geo.in_w;
    auto taps = std::make_shared<std::vector<int64_t>>(), patch_taps = std::make_shared<std::vector<int64_t>>();
    for (int32_t kx = 0; kx < geo.kernel_w; ++kx)  // ColumnPatchWeights' (kx, ky, c) order
      for (int32_t ky = 0; ky < geo.kernel_h; ++ky)
        for (int32_t c = 0; c < geo.in_c; ++c) {
          taps->push_back(c * plane + int64_t{ky} * geo.dilation_h * geo.in_w + int64_t{kx} * geo.dilation_w);
          patch_taps->push_back(static_cast<int64_t>(patch_taps->size()));
        }
    s.taps = std::move(taps);
    s.patch_taps = std::move(patch_taps);
    // Columns whose window lies inside [0, in_w): ox * stride_w - pad_left >= 0 and its last tap < in_w.
    s.ox_lo = std::min(geo.out_w, (geo.pad_left + geo.stride_w - 1) / geo.stride_w);
    const int32_t last = geo.in_w - geo.kernel_w + geo.pad_left;  // largest ox * stride_w inside
    s.ox_hi = std::max(s.ox_lo, std::min(geo.out_w, last < 0 ? 0 : last / geo.stride_w + 1));
  }
  s.args = MakeGemm(ctx, gemm, packed, nullptr, geo.out_w, nullptr, n.activation).args;
  s.args.cold_weights = false;  // one call per output row: the weights stay in cache after the first
  s.geo = geo;
  s.column_patches = column_patches;
  s.input_nchw = n.conv.input_nchw;
  if (column_patches) s.args.lda = kernels::ColumnPatchStride(geo);
  if (in_place) s.args.a_offsets = s.patch_taps->data();
  s.input = p.get<float>(n.inputs[0]);
  s.output = p.get<float>(n.outputs[0]);
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.packed = std::move(packed);
  s.scratch = std::make_shared<std::vector<kernels::AlignedBuffer>>();
  const int64_t scratch_floats =
      column_patches ? kernels::ColumnPatchFloats(geo) : kernels::Im2ColPatch(geo) * geo.out_w;
  for (int64_t t = 0; t < s.split.tasks; ++t) s.scratch->emplace_back(static_cast<size_t>(scratch_floats));
  s.pool = ctx.pool;
  const char* use = in_place            ? "conv2d_nchw_in_place"
                    : n.conv.input_nchw ? "conv2d_columns_nchw"
                    : column_patches    ? "conv2d_columns"
                                        : "conv2d_im2col";
  return PreparedStep{s, KernelLabel(use, gemm.isa)};
}

}  // namespace scalert::native
