#include <algorithm>
#include "kernels/aligned_buffer.h"

#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {

using kernels::Isa;
using kernels::KernelOp;
using kernels::ThreadPool;

// A project 1x1 that reads x * s (the squeeze-and-excitation scale): each task scales a block
// of rows of x into its scratch (in L2, about 256 KiB) and multiplies that block, so the scaled
// tensor is never written to memory and read back. The Mul itself is an empty step.
struct ScaledGemmStep {
  kernels::GemmF32Fn fn;
  kernels::MulChannelF32Fn scale;
  kernels::GemmArgs args;  // a and c set per block
  const float* x;
  const float* s;
  int64_t s_stride;  // floats between images' scales (0 when shared)
  int64_t pixels;    // rows per image
  int64_t m;         // rows in all
  int64_t block_rows;
  GemmSplit split;
  std::shared_ptr<kernels::PackedGemm> packed;
  std::shared_ptr<std::vector<kernels::AlignedBuffer>> scratch;  // one per task
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const ScaledGemmStep& st = *this;
    pool->ParallelFor(static_cast<size_t>(split.row_tasks * split.col_tasks), [&st](size_t task) {
      const int64_t rt = static_cast<int64_t>(task) / st.split.col_tasks;
      const int32_t ct = static_cast<int32_t>(static_cast<int64_t>(task) % st.split.col_tasks);
      const int64_t m0 = rt * st.split.row_chunk, m1 = std::min(st.m, m0 + st.split.row_chunk);
      const int32_t n0 = ct * st.split.col_chunk, n1 = std::min(st.args.n, n0 + st.split.col_chunk);
      const int32_t k = st.args.k;
      float* buf = (*st.scratch)[task].data();
      kernels::GemmArgs a = st.args;
      a.a = buf;
      for (int64_t b0 = m0; b0 < m1; b0 += st.block_rows) {
        const int64_t b1 = std::min(m1, b0 + st.block_rows);
        for (int64_t r = b0; r < b1;) {  // a block may span images
          const int64_t image = r / st.pixels, r_end = std::min(b1, (image + 1) * st.pixels);
          st.scale(r_end - r, k, st.x + r * k, st.s + image * st.s_stride, buf + (r - b0) * k, Activation::kNone);
          r = r_end;
        }
        a.c = st.args.c + b0 * a.ldc;
        st.fn(a, 0, b1 - b0, n0, n1);
      }
    });
  }
};

absl::StatusOr<PreparedStep> ScaledPointwiseStep(const NativeContext& ctx, const Graph& g, size_t index,
                                                 const TensorPointers& p) {
  const ScaledPointwise& sp = ctx.scaled[ctx.scaled_of[index]];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  auto scale = ctx.registry->Find<KernelOp::kMulChannel>(ctx.isa);
  const std::string label = KernelLabel("conv1x1_se_scaled", gemm.isa);
  if (static_cast<int32_t>(index) == sp.mul) return PreparedStep{[] {}, label};
  const Node& n = g.nodes[index];
  const Shape& xs = g.tensors[sp.x].shape;
  const Shape& ss = g.tensors[sp.scale].shape;
  int64_t s_images = 1;
  if (ss.size() == 4 || ss.size() == 2) s_images = ss[0];
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  auto packed = std::make_shared<kernels::PackedGemm>(gemm.pack(
      w.data(), b.empty() ? nullptr : b.data(), g.tensors[n.inputs[1]].shape[0], xs[3], gemm.tile));
  ScaledGemmStep st;
  st.fn = gemm.fn;
  st.scale = scale.fn;
  st.pixels = static_cast<int64_t>(xs[1]) * xs[2];
  st.m = st.pixels * xs[0];
  GemmStep base = MakeGemm(ctx, gemm, packed, nullptr, st.m, p.get<float>(n.outputs[0]), n.activation);
  st.args = base.args;
  st.split = base.split;
  st.x = p.get<float>(sp.x);
  st.s = p.get<float>(sp.scale);
  st.s_stride = s_images > 1 ? xs[3] : 0;
  // Rows per block: about 256 KiB of scaled A, a multiple of the 6-row tile.
  st.block_rows = std::max<int64_t>(6, (int64_t{256 * 1024} / 4 / std::max(xs[3], 1)) / 6 * 6);
  st.packed = std::move(packed);
  st.scratch = std::make_shared<std::vector<kernels::AlignedBuffer>>();
  const int64_t rows = std::min(st.block_rows, st.split.row_chunk);
  for (int64_t t = 0; t < st.split.row_tasks * st.split.col_tasks; ++t)
    st.scratch->emplace_back(static_cast<size_t>(rows * xs[3]));
  st.pool = ctx.pool;
  return PreparedStep{std::move(st), label};
}

}  // namespace scalert::native
