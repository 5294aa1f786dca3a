// General (non-pointwise) convolutions on 16-bit activations, the stem above all: each task turns
// output rows into column patches of the 16-bit input (kernels/im2col.h) in its own scratch and
// multiplies them with the 16-bit GEMM (BF16 dot products where the level has them), so the
// input is never widened to FP32 and the output is rounded once, by the GEMM's store.
#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/aligned_buffer.h"
#include "kernels/im2col.h"
#include "runtime/backends/native/half_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {
namespace {

struct HalfPatchConv {
  kernels::GemmHalfFn fn;
  kernels::ColumnPatchRowHalfFn patches;
  kernels::GemmHalfArgs args;  // a and c are set per row
  ref::ConvGeometry geo;
  const uint16_t* input;
  uint16_t* output;
  Split1D split;  // over batch * out_h rows; task i uses scratch slot i
  std::shared_ptr<kernels::PackedGemm> packed;
  std::shared_ptr<std::vector<kernels::AlignedBuffer>> scratch;
  std::shared_ptr<kernels::ThreadPool> pool;

  void operator()() const {
    const HalfPatchConv& s = *this;
    const int32_t rows = geo.batch * geo.out_h;
    pool->ParallelFor(static_cast<size_t>(split.tasks), [&s, rows](size_t task) {
      kernels::GemmHalfArgs a = s.args;
      uint16_t* buf = reinterpret_cast<uint16_t*>((*s.scratch)[task].data());
      a.a = buf;
      const int32_t r0 = static_cast<int32_t>(task * s.split.chunk);
      const int32_t r1 = static_cast<int32_t>(std::min<int64_t>(rows, r0 + s.split.chunk));
      for (int32_t r = r0; r < r1; ++r) {
        s.patches(s.geo, s.input, r, buf);
        a.c = s.output + static_cast<int64_t>(r) * s.geo.out_w * s.geo.out_c;
        s.fn(a, 0, s.geo.out_w, 0, a.n);
      }
    });
  }
};

template <kernels::KernelDType dt>
absl::StatusOr<PreparedStep> HalfPatchConvOf(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const auto k = FindHalfGemm<dt>(ctx, g, n.inputs[1]);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  if (!k || geo.dilation_w != 1) return ReferenceStep(g, index, p);
  std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  std::vector<float> owhi(w.size());
  kernels::ColumnPatchWeights(geo, w.data(), owhi.data());
  HalfPatchConv s;
  const int32_t patch = static_cast<int32_t>(kernels::Im2ColPatch(geo));
  s.packed = std::make_shared<kernels::PackedGemm>(
      k.pack(owhi.data(), b.empty() ? nullptr : b.data(), geo.out_c, patch, k.tile));
  s.fn = k.fn;
  s.patches = kernels::FindColumnPatchRowHalf(ctx.isa);
  s.args.lda = kernels::ColumnPatchStride(geo);
  s.args.packed_b = s.packed->b.data();
  s.args.bias = s.packed->bias.data();
  s.args.ldc = s.packed->n;
  s.args.k = s.packed->k;
  s.args.n = s.packed->n;
  s.args.act = n.activation;
  s.geo = geo;
  s.input = p.get<uint16_t>(n.inputs[0]);
  s.output = p.get<uint16_t>(n.outputs[0]);
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.scratch = std::make_shared<std::vector<kernels::AlignedBuffer>>();
  // 16-bit elements, two per float of the buffer.
  const int64_t scratch_floats = (kernels::ColumnPatchFloats(geo) + 1) / 2;
  for (int64_t t = 0; t < s.split.tasks; ++t) s.scratch->emplace_back(static_cast<size_t>(scratch_floats));
  s.pool = ctx.pool;
  return PreparedStep{s, absl::StrCat("conv2d_columns_", k.name)};
}

}  // namespace

absl::StatusOr<PreparedStep> HalfPatchConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p) {
  if (g.tensors[g.nodes[index].inputs[0]].dtype == DType::kBF16)
    return HalfPatchConvOf<kernels::KernelDType::kBF16>(ctx, g, index, p);
  return HalfPatchConvOf<kernels::KernelDType::kF16>(ctx, g, index, p);
}

}  // namespace scalert::native
