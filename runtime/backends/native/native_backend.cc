#include "runtime/backends/native/native_backend.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kernels/aligned_buffer.h"
#include "kernels/dwconv_taps.h"
#include "kernels/im2col.h"
#include "kernels/packing.h"
#include "kernels/registry.h"
#include "kernels/thread_pool.h"
#include "kernels/transpose.h"
#include "runtime/backends/native/mbconv_step.h"
#include "runtime/backends/native/native_precision.h"
#include "runtime/backends/native/work_split.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/passes/mbconv_fusion.h"
#include "runtime/planned_executable.h"
#include "runtime/weights.h"

namespace scalert {
namespace {

using kernels::Isa;
using kernels::KernelDType;
using kernels::KernelOp;
using kernels::ThreadPool;
using native::CeilDiv;

// What every step of one executable shares.
struct NativeContext {
  Isa isa = Isa::kPortable;
  std::shared_ptr<ThreadPool> pool;
  const kernels::KernelRegistry* registry = nullptr;
  std::vector<MbconvChain> chains;
  std::vector<int32_t> chain_of;  // per node: index into chains, or -1
  std::vector<ScaledPointwise> scaled;
  std::vector<int32_t> scaled_of;  // per node: index into scaled (its Mul or its conv), or -1
};

std::vector<float> OptionalF32(const Graph& g, const Node& n, size_t input) {
  if (input >= n.inputs.size() || n.inputs[input] < 0 || !g.tensors[n.inputs[input]].is_constant()) return {};
  return ConstantAsF32(g.tensors[n.inputs[input]]);
}

// Kernel name in op descriptions: the use (conv1x1, fc, ...) and the level that actually runs.
std::string KernelLabel(const std::string& use, Isa isa) { return absl::StrCat(use, "_f32_", kernels::IsaName(isa)); }

// The native kernels read and write FP32 activations; anything else goes to the reference.
bool AllActivationsF32(const Graph& g, const Node& n) {
  for (int32_t t : n.inputs)
    if (t >= 0 && !g.tensors[t].is_constant() && g.tensors[t].dtype != DType::kF32) return false;
  for (int32_t t : n.outputs)
    if (g.tensors[t].dtype != DType::kF32) return false;
  return true;
}

bool IsConstant(const Graph& g, const Node& n, size_t input) {
  return input < n.inputs.size() && n.inputs[input] >= 0 && g.tensors[n.inputs[input]].is_constant();
}

// Runs C = act(A * B + bias) for rows [0, m) over the pool.
struct GemmStep {
  kernels::GemmF32Fn fn;
  kernels::GemmArgs args;
  int64_t m;
  native::GemmSplit split;
  std::shared_ptr<kernels::PackedGemm> packed;  // keeps packed_b / bias alive
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const GemmStep& s = *this;
    pool->ParallelFor(static_cast<size_t>(split.row_tasks * split.col_tasks), [&s](size_t task) {
      const int64_t rt = static_cast<int64_t>(task) / s.split.col_tasks;
      const int32_t ct = static_cast<int32_t>(static_cast<int64_t>(task) % s.split.col_tasks);
      const int64_t m0 = rt * s.split.row_chunk, m1 = std::min(s.m, m0 + s.split.row_chunk);
      const int32_t n0 = ct * s.split.col_chunk, n1 = std::min(s.args.n, n0 + s.split.col_chunk);
      s.fn(s.args, m0, m1, n0, n1);
    });
  }
};

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
  s.split = native::SplitGemm(m, packed->n, ctx.pool->threads(), packed->nr);
  s.packed = std::move(packed);
  s.pool = ctx.pool;
  return s;
}

// General convolution: each task turns output rows into patches in its own scratch, then
// multiplies them with the packed weights. Column patches (kernels/im2col.h) when dilation_w is
// 1 (every stem), else one im2col patch per pixel.
struct PatchConvStep {
  kernels::GemmF32Fn fn;
  kernels::GemmArgs args;  // a and c are set per row
  ref::ConvGeometry geo;
  bool column_patches;
  const float* input;
  float* output;
  native::Split1D split;  // over batch * out_h rows; task i uses scratch slot i
  std::shared_ptr<kernels::PackedGemm> packed;
  std::shared_ptr<std::vector<kernels::AlignedBuffer>> scratch;
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const PatchConvStep& s = *this;
    const int32_t rows = geo.batch * geo.out_h;
    pool->ParallelFor(static_cast<size_t>(split.tasks), [&s, rows](size_t task) {
      kernels::GemmArgs a = s.args;
      float* buf = (*s.scratch)[task].data();
      a.a = buf;
      const int32_t r0 = static_cast<int32_t>(task * s.split.chunk);
      const int32_t r1 = static_cast<int32_t>(std::min<int64_t>(rows, r0 + s.split.chunk));
      for (int32_t r = r0; r < r1; ++r) {
        if (s.column_patches) kernels::ColumnPatchRow(s.geo, s.input, r, buf);
        else kernels::Im2ColRow(s.geo, s.input, r, buf);
        a.c = s.output + static_cast<int64_t>(r) * s.geo.out_w * s.geo.out_c;
        s.fn(a, 0, s.geo.out_w, 0, a.n);
      }
    });
  }
};

absl::StatusOr<PreparedStep> ConvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                      const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  const int32_t k = geo.kernel_h * geo.kernel_w * geo.in_c;
  const bool column_patches = geo.dilation_w == 1 && geo.kernel_h <= 64;
  if (column_patches) {
    std::vector<float> owhi(w.size());
    kernels::ColumnPatchWeights(geo, w.data(), owhi.data());
    w.swap(owhi);
  }
  auto packed = std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), geo.out_c, k, gemm.tile));
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  const bool pointwise = geo.kernel_h == 1 && geo.kernel_w == 1 && geo.stride_h == 1 && geo.stride_w == 1 &&
                         n.conv.pad_top == 0 && n.conv.pad_bottom == 0 && n.conv.pad_left == 0 &&
                         n.conv.pad_right == 0;
  if (pointwise) {
    const int64_t m = static_cast<int64_t>(geo.batch) * geo.out_h * geo.out_w;
    return PreparedStep{MakeGemm(ctx, gemm, std::move(packed), x, m, y, n.activation),
                        KernelLabel("conv1x1", gemm.isa)};
  }
  PatchConvStep s;
  s.fn = gemm.fn;
  s.args = MakeGemm(ctx, gemm, packed, nullptr, geo.out_w, nullptr, n.activation).args;
  s.geo = geo;
  s.column_patches = column_patches;
  if (column_patches) s.args.lda = kernels::ColumnPatchStride(geo);
  s.input = x;
  s.output = y;
  s.split = native::SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.packed = std::move(packed);
  s.scratch = std::make_shared<std::vector<kernels::AlignedBuffer>>();
  const int64_t scratch_floats =
      column_patches ? kernels::ColumnPatchFloats(geo) : kernels::Im2ColPatch(geo) * geo.out_w;
  for (int64_t t = 0; t < s.split.tasks; ++t) s.scratch->emplace_back(static_cast<size_t>(scratch_floats));
  s.pool = ctx.pool;
  return PreparedStep{s, KernelLabel(column_patches ? "conv2d_columns" : "conv2d_im2col", gemm.isa)};
}

struct DwConvStep {
  kernels::DwConvF32Fn fn;
  kernels::DwConvArgs args;
  native::Split1D split;
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
  s.split = native::SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.pool = ctx.pool;
  return PreparedStep{s, KernelLabel("dwconv", dw.isa)};
}

absl::StatusOr<PreparedStep> FullyConnectedStep(const NativeContext& ctx, const Graph& g, size_t index,
                                                const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const Shape& ws = g.tensors[n.inputs[1]].shape;  // [out, in]
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  auto packed = std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws[1], gemm.tile));
  const int64_t m = g.tensors[n.outputs[0]].shape[0];
  return PreparedStep{MakeGemm(ctx, gemm, std::move(packed), p.get<float>(n.inputs[0]), m,
                               p.get<float>(n.outputs[0]), n.activation),
                      KernelLabel("fc", gemm.isa)};
}

absl::StatusOr<PreparedStep> GlobalAvgPoolStep(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto k = ctx.registry->Find<KernelOp::kGlobalAvgPool>(ctx.isa);
  if (!k) return ReferenceStep(g, index, p);
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const int32_t batch = xs[0], c = xs[3];
  const int64_t pixels = static_cast<int64_t>(xs[1]) * xs[2];
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  // Channels split in multiples of 8; small pools stay on one thread.
  const native::Split1D split =
      native::SplitRange(c, pixels * c >= (1 << 16) ? ctx.pool->threads() : 1, 8, 32);
  auto pool = ctx.pool;
  auto fn = k.fn;
  return PreparedStep{[=] {
                        for (int32_t b = 0; b < batch; ++b) {
                          const float* xb = x + b * pixels * c;
                          float* yb = y + static_cast<int64_t>(b) * c;
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int32_t c0 = static_cast<int32_t>(t * split.chunk);
                            fn(pixels, c, xb, yb, c0, static_cast<int32_t>(std::min<int64_t>(c, c0 + split.chunk)));
                          });
                        }
                      },
                      KernelLabel("global_avg_pool", k.isa)};
}

// Splits n elements over the pool in chunks of at least 16K (multiples of 8).
native::Split1D ElementwiseSplit(const NativeContext& ctx, int64_t n) {
  return native::SplitRange(n, ctx.pool->threads(), 8, 1 << 14);
}

// Shape as rank 4, right-aligned with leading ones (NumPy broadcasting).
Shape AsRank4(const Shape& s) {
  Shape r(4, 1);
  for (size_t i = 0; i < s.size() && i < 4; ++i) r[4 - s.size() + i] = s[i];
  return r;
}

absl::StatusOr<PreparedStep> BinaryStep(const NativeContext& ctx, const Graph& g, size_t index,
                                        const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const bool add = n.type == OpType::kAdd;
  const Shape& as = g.tensors[n.inputs[0]].shape;
  const Shape& bs = g.tensors[n.inputs[1]].shape;
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  // Constant operands may be stored in another dtype: use them only when already FP32.
  for (int32_t t : n.inputs)
    if (g.tensors[t].is_constant() && g.tensors[t].dtype != DType::kF32) return ReferenceStep(g, index, p);
  const float* a = p.get<float>(n.inputs[0]);
  const float* b = p.get<float>(n.inputs[1]);
  float* y = p.get<float>(n.outputs[0]);
  const Activation act = n.activation;
  auto pool = ctx.pool;
  if (as == ys && bs == ys) {
    auto add_k = ctx.registry->Find<KernelOp::kAdd>(ctx.isa);
    auto mul_k = ctx.registry->Find<KernelOp::kMul>(ctx.isa);
    const kernels::BinaryF32Fn fn = add ? add_k.fn : mul_k.fn;
    const Isa isa = add ? add_k.isa : mul_k.isa;
    if (!fn) return ReferenceStep(g, index, p);
    const int64_t count = g.tensors[n.outputs[0]].num_elements();
    const native::Split1D split = ElementwiseSplit(ctx, count);
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                            fn(std::min(count, i0 + split.chunk) - i0, a + i0, b + i0, y + i0, act);
                          });
                        },
                        KernelLabel(add ? "add" : "mul", isa)};
  }
  // Squeeze-and-excitation: [N, H, W, C] * [N or 1, 1, 1, C], in either order.
  if (!add && ys.size() == 4) {
    const bool a_full = as == ys;
    const Shape small = AsRank4(a_full ? bs : as);
    const bool channel_broadcast = (a_full || bs == ys) && small[1] == 1 && small[2] == 1 && small[3] == ys[3] &&
                                   (small[0] == ys[0] || small[0] == 1);
    auto k = ctx.registry->Find<KernelOp::kMulChannel>(ctx.isa);
    if (channel_broadcast && k) {
      const float* x = a_full ? a : b;
      const float* s = a_full ? b : a;
      const int32_t batch = ys[0], c = ys[3];
      const int64_t pixels = static_cast<int64_t>(ys[1]) * ys[2];
      const int64_t s_stride = small[0] == 1 ? 0 : c;
      const native::Split1D split = native::SplitRange(pixels, ctx.pool->threads(), 1, std::max<int64_t>(1, 16384 / c));
      auto fn = k.fn;
      return PreparedStep{[=] {
                            for (int32_t bi = 0; bi < batch; ++bi) {
                              const int64_t base = bi * pixels * c;
                              pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                                const int64_t p0 = static_cast<int64_t>(t) * split.chunk;
                                const int64_t p1 = std::min(pixels, p0 + split.chunk);
                                fn(p1 - p0, c, x + base + p0 * c, s + bi * s_stride, y + base + p0 * c, act);
                              });
                            }
                          },
                          KernelLabel("mul_channel", k.isa)};
    }
  }
  return ReferenceStep(g, index, p);
}

absl::StatusOr<PreparedStep> ActivationStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p, Activation act) {
  const Node& n = g.nodes[index];
  auto k = ctx.registry->Find<KernelOp::kActivation>(ctx.isa);
  if (!k) return ReferenceStep(g, index, p);
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  const int64_t count = g.tensors[n.outputs[0]].num_elements();
  const native::Split1D split = ElementwiseSplit(ctx, count);
  auto pool = ctx.pool;
  auto fn = k.fn;
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                          fn(std::min(count, i0 + split.chunk) - i0, x + i0, y + i0, act);
                        });
                      },
                      KernelLabel(ActivationName(act), k.isa)};
}

absl::StatusOr<PreparedStep> TransposeStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  if (xs.size() > 4 || n.ints.size() != xs.size()) return ReferenceStep(g, index, p);
  const kernels::TransposePlan plan = kernels::MakeTransposePlan(xs, n.ints);
  const float* x = p.get<float>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  const int64_t rows = plan.rows();
  const int64_t row_elems = plan.out_shape[2] * plan.out_shape[3];
  const native::Split1D split =
      native::SplitRange(rows, ctx.pool->threads(), 1, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(row_elems, 1)));
  auto pool = ctx.pool;
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t r0 = static_cast<int64_t>(t) * split.chunk;
                          kernels::TransposeF32(plan, x, y, r0, std::min(rows, r0 + split.chunk));
                        });
                      },
                      "transpose_f32"};
}

std::shared_ptr<kernels::PackedGemm> PackPointwise(const kernels::Kernel<KernelOp::kGemm>& gemm, const Graph& g,
                                                   const Node& n) {
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  return std::make_shared<kernels::PackedGemm>(
      gemm.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws[3], gemm.tile));
}

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
  native::MbconvStep s;
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
  s.split = native::SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 8);
  s.pool = ctx.pool;
  s.AllocateScratch();
  return PreparedStep{std::move(s), label};
}

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
  native::GemmSplit split;
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

absl::StatusOr<PreparedStep> MakeNativeStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p) {
  const Node& n = g.nodes[index];
  if (!ctx.chain_of.empty() && ctx.chain_of[index] >= 0) return MbconvChainStep(ctx, g, index, p);
  if (!ctx.scaled_of.empty() && ctx.scaled_of[index] >= 0) return ScaledPointwiseStep(ctx, g, index, p);
  if (!AllActivationsF32(g, n)) return ReferenceStep(g, index, p);
  switch (n.type) {
    case OpType::kConv2D: return ConvStep(ctx, g, index, p);
    case OpType::kDepthwiseConv2D: return DepthwiseStep(ctx, g, index, p);
    case OpType::kFullyConnected: return FullyConnectedStep(ctx, g, index, p);
    case OpType::kGlobalAveragePool: return GlobalAvgPoolStep(ctx, g, index, p);
    case OpType::kTranspose: return TransposeStep(ctx, g, index, p);
    case OpType::kAdd:
    case OpType::kMul: return BinaryStep(ctx, g, index, p);
    case OpType::kRelu: return ActivationStep(ctx, g, index, p, Activation::kRelu);
    case OpType::kRelu6: return ActivationStep(ctx, g, index, p, Activation::kRelu6);
    case OpType::kSigmoid: return ActivationStep(ctx, g, index, p, Activation::kSigmoid);
    case OpType::kSwish: return ActivationStep(ctx, g, index, p, Activation::kSwish);
    case OpType::kHardSwish: return ActivationStep(ctx, g, index, p, Activation::kHardSwish);
    case OpType::kHardSigmoid:
      // The fused activation is PyTorch's x/6 + 1/2; other slopes run the reference.
      if (std::abs(n.alpha - 1.f / 6) < 1e-7f && n.beta == 0.5f)
        return ActivationStep(ctx, g, index, p, Activation::kHardSigmoid);
      return ReferenceStep(g, index, p);
    default: return ReferenceStep(g, index, p);
  }
}

}  // namespace

Isa UsableIsa(Isa requested) {
  while (!kernels::CpuSupports(requested)) requested = kernels::IsaFallback(requested);
  return requested;
}

absl::StatusOr<Isa> NativeIsa(const std::string& max_isa) {
  Isa isa = kernels::DetectedIsa();
  for (const auto& [source, value] : {std::pair<const char*, const char*>{"max_isa", max_isa.c_str()},
                                      {kernels::kIsaEnvVar, std::getenv(kernels::kIsaEnvVar)}}) {
    if (!value || !*value) continue;
    Isa requested;
    if (!kernels::ParseIsa(value, &requested)) {
      std::vector<std::string> names;
      for (Isa l : kernels::AllIsas()) names.push_back(kernels::IsaName(l));
      return absl::InvalidArgumentError(absl::StrCat(source, "='", value, "' is not an ISA level; expected one of ",
                                                     absl::StrJoin(names, ", ")));
    }
    // A level this CPU lacks (or of the other architecture) falls back to one it has; then the
    // cap only lowers the level (supported levels are ordered within one architecture).
    requested = UsableIsa(requested);
    if (static_cast<int>(requested) < static_cast<int>(isa)) isa = requested;
  }
  return UsableIsa(isa);
}

absl::StatusOr<Isa> NativeIsaFromEnvironment() { return NativeIsa(""); }

absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeWith(const Graph& g, const BackendOptions& options,
                                                              const NativeOptions& native) {
  NativeContext ctx;
  ctx.isa = UsableIsa(native.max_isa);
  ctx.pool = std::make_shared<ThreadPool>(options.threads);
  if (!ctx.pool->ok()) return absl::ResourceExhaustedError(ctx.pool->start_error());
  ctx.registry = &kernels::KernelRegistry::Global();
  if (absl::Status s = CheckNativePrecision(g, options.precision); !s.ok()) return s;  // never run another precision
  BackendOptions o = options;
  // The plan sees each fused chain's input as read by the chain's last node, where the chain
  // runs, so the arena keeps it alive until then (the graph itself is not changed).
  Graph planned = g;
  if (native.fuse_mbconv) {
    for (const MbconvChain& c : FindMbconvChains(g))
      if (g.tensors[g.nodes[c.expand].outputs[0]].num_elements() * 4 >= native.fuse_min_expanded_bytes)
        ctx.chains.push_back(c);
    ctx.chain_of.assign(g.nodes.size(), -1);
    for (size_t i = 0; i < ctx.chains.size(); ++i) {
      const MbconvChain& c = ctx.chains[i];
      for (int32_t node : {c.expand, c.depthwise, c.project})
        if (node >= 0) ctx.chain_of[node] = static_cast<int32_t>(i);
      const int32_t last = c.project >= 0 ? c.project : c.depthwise;
      std::vector<int32_t>& inputs = planned.nodes[last].inputs;
      if (inputs.size() < 3) inputs.resize(3, -1);  // after the optional bias slot
      inputs.push_back(g.nodes[c.expand].inputs[0]);
    }
  }
  if (native.fuse_se_scale) {
    ctx.scaled_of.assign(g.nodes.size(), -1);
    auto in_chain = [&](int32_t node) { return !ctx.chain_of.empty() && ctx.chain_of[node] >= 0; };
    for (const ScaledPointwise& sp : FindScaledPointwise(g)) {
      if (in_chain(sp.mul) || in_chain(sp.conv)) continue;
      ctx.scaled_of[sp.mul] = ctx.scaled_of[sp.conv] = static_cast<int32_t>(ctx.scaled.size());
      ctx.scaled.push_back(sp);
      // The conv reads x and s in place of the Mul's output: keep them live until it runs.
      std::vector<int32_t>& inputs = planned.nodes[sp.conv].inputs;
      if (inputs.size() < 3) inputs.resize(3, -1);
      inputs.push_back(sp.x);
      inputs.push_back(sp.scale);
    }
  }
  auto e = PlannedExecutable::Create(planned, o, [&ctx](const Graph& graph, size_t index, const TensorPointers& p) {
    return MakeNativeStep(ctx, graph, index, p);
  });
  if (!e.ok()) return e.status();
  return std::unique_ptr<Executable>(std::move(e).value());
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeAtIsa(const Graph& g, const BackendOptions& options,
                                                               Isa max_isa) {
  NativeOptions n;
  n.max_isa = max_isa;
  return PrepareNativeWith(g, options, n);
}

absl::StatusOr<std::unique_ptr<Executable>> PrepareNative(const Graph& g, const BackendOptions& options) {
  auto isa = NativeIsa(options.max_isa);
  if (!isa.ok()) return isa.status();
  NativeOptions n;
  n.max_isa = *isa;
  FusionPolicy fusion = options.fusion;
  // SCALERT_NATIVE_FUSE overrides the option (experiments): 0|off, 1|on, all (every chain), auto.
  if (const char* env = std::getenv(kNativeFuseEnvVar); env && *env) {
    const std::string v = env;
    if (v == "0" || v == "off") fusion = FusionPolicy::kOff;
    else if (v == "1" || v == "on" || v == "all") fusion = FusionPolicy::kOn;
    else if (v == "auto") fusion = FusionPolicy::kAuto;
    else
      return absl::InvalidArgumentError(
          absl::StrCat(kNativeFuseEnvVar, "='", v, "' is not a fusion policy; expected 0, 1, all, off, on or auto"));
    if (v == "all") n.fuse_min_expanded_bytes = 0;
  }
  // No cost model yet: auto keeps the measured-faster unfused plan.
  n.fuse_mbconv = fusion == FusionPolicy::kOn;
  const char* se = std::getenv(kNativeSeFuseEnvVar);
  n.fuse_se_scale = se && std::string(se) == "1";
  return PrepareNativeWith(g, options, n);
}

}  // namespace scalert
