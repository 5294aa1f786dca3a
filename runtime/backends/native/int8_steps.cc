// INT8 steps: i8 layers of a file from `scalert quantize --mode int8|mixed` on the registry's
// KernelDType::kS8 kernels, bit for bit with the reference backend (kernels/reference/quantized.h).
// Weights are packed, requantization factors computed and tables built here, once; activations
// stay int8 in memory between layers. Transposes share transpose_step.cc; operators without an
// INT8 kernel (reshape, broadcasts other than the squeeze-and-excitation gate) run the
// reference's INT8 kernels.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/aligned_buffer.h"
#include "kernels/dwconv_taps.h"
#include "kernels/im2col_s8.h"
#include "kernels/packing_s8.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/backends/reference/reference_backend.h"

namespace scalert::native {
namespace {

using kernels::Isa;
using kernels::KernelDType;
using kernels::KernelOp;
using kernels::ThreadPool;
constexpr KernelDType kS8 = KernelDType::kS8;

// `isa`: the level of the kernel that runs (for a GEMM, GemmS8RunsAt of its depth).
std::string Int8Label(const std::string& use, Isa isa) { return absl::StrCat(use, "_s8_", kernels::IsaName(isa)); }

// m[c] of the reference's requantization for a layer with weights `w` (per channel or per tensor).
std::vector<float> RequantScales(const Tensor& x, const Tensor& w, const Tensor& y, int32_t out_c) {
  const ref::QParams xq = QParamsOf(x), yq = QParamsOf(y);
  std::vector<float> m(out_c);
  for (int32_t c = 0; c < out_c; ++c)
    m[c] = ref::RequantScale(xq.scale, w.quant.scale[w.quant.scale.size() == 1 ? 0 : c], yq.scale);
  return m;
}

const int32_t* OptionalBias(const Graph& g, const Node& n) {
  return n.inputs.size() > 2 && n.inputs[2] >= 0 ? g.tensors[n.inputs[2]].as<int32_t>() : nullptr;
}

kernels::RequantS8 OutputRequant(const Graph& g, const Node& n) {
  const ref::QParams yq = QParamsOf(g.tensors[n.outputs[0]]);
  return kernels::MakeRequantS8(yq, ref::FusedBounds(n.activation, yq));
}

// C = requant(A * B) over rows [0, m) on the pool, in the row x column-panel tasks of SplitGemm.
struct GemmS8Step {
  kernels::GemmS8Fn fn;
  kernels::GemmS8Args args;
  int64_t m;
  GemmSplit split;
  std::shared_ptr<const kernels::PackedGemmS8> packed;
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const GemmS8Step& s = *this;
    const int32_t n = packed->n;
    pool->ParallelFor(static_cast<size_t>(split.row_tasks * split.col_tasks), [&s, n](size_t task) {
      const GemmSplit::Range r = s.split.Task(static_cast<int64_t>(task), s.m, n);
      s.fn(s.args, r.m0, r.m1, r.n0, r.n1);
    });
  }
};

// Packs weights [n, k] (OHWI or FC) of node `n` for `gemm`, its input zero point folded in.
std::shared_ptr<const kernels::PackedGemmS8> PackInt8Gemm(const kernels::Kernel<KernelOp::kGemm, kS8>& gemm,
                                                          const Graph& g, const Node& n, const int8_t* w, int32_t out_c,
                                                          int32_t k) {
  const Tensor& x = g.tensors[n.inputs[0]];
  const std::vector<float> m = RequantScales(x, g.tensors[n.inputs[1]], g.tensors[n.outputs[0]], out_c);
  return std::make_shared<const kernels::PackedGemmS8>(
      gemm.pack(w, OptionalBias(g, n), m.data(), out_c, k, QParamsOf(x).zero_point, gemm.tile));
}

GemmS8Step MakeGemmS8(const NativeContext& ctx, const kernels::Kernel<KernelOp::kGemm, kS8>& gemm,
                      std::shared_ptr<const kernels::PackedGemmS8> packed, const int8_t* a, int64_t lda, int64_t m,
                      int8_t* c, kernels::RequantS8 out) {
  GemmS8Step s;
  s.fn = gemm.fn;
  s.args.a = a;
  s.args.lda = lda;
  s.args.packed = packed.get();
  s.args.c = c;
  s.args.ldc = packed->n;
  s.args.out = out;
  s.m = m;
  s.split = SplitGemm(m, packed->n, ctx.pool->threads(), gemm.tile.nr);
  s.packed = std::move(packed);
  s.pool = ctx.pool;
  return s;
}

// General convolutions (the stem): each task extracts the patches of up to `rows_per_call` of its
// output rows at a time into its own scratch (padding taps hold the input zero point; patches k
// bytes apart) and multiplies them with the packed weights in one GEMM call.
struct PatchConvS8 {
  kernels::GemmS8Fn fn;
  kernels::GemmS8Args args;  // a and c are set per call
  ref::ConvGeometry geo;
  const int8_t* input;
  int8_t zero_point;
  int8_t* output;
  int64_t patch_row_bytes;  // one output row's patches
  int32_t rows_per_call;
  Split1D split;  // over batch * out_h rows; task i uses scratch slot i
  std::shared_ptr<const kernels::PackedGemmS8> packed;
  std::shared_ptr<std::vector<std::vector<int8_t>>> scratch;
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const PatchConvS8& s = *this;
    const int32_t rows = geo.batch * geo.out_h;
    pool->ParallelFor(static_cast<size_t>(split.tasks), [&s, rows](size_t task) {
      kernels::GemmS8Args a = s.args;
      int8_t* buf = (*s.scratch)[task].data();
      a.a = buf;
      const int32_t r0 = static_cast<int32_t>(task * s.split.chunk);
      const int32_t r1 = static_cast<int32_t>(std::min<int64_t>(rows, r0 + s.split.chunk));
      for (int32_t r = r0; r < r1; r += s.rows_per_call) {
        const int32_t n = std::min(s.rows_per_call, r1 - r);
        for (int32_t i = 0; i < n; ++i) kernels::Im2ColRowS8(s.geo, s.input, s.zero_point, r + i, buf + i * s.patch_row_bytes);
        a.c = s.output + static_cast<int64_t>(r) * s.geo.out_w * s.geo.out_c;  // rows r.. are contiguous
        s.fn(a, 0, static_cast<int64_t>(n) * s.geo.out_w, 0, s.packed->n);
      }
    });
  }
};

// The weights [n, k] with zeros appended to depth k_to (> k).
std::vector<int8_t> PadDepth(const int8_t* w, int32_t n, int32_t k, int32_t k_to) {
  std::vector<int8_t> padded(static_cast<size_t>(n) * k_to, 0);
  for (int32_t i = 0; i < n; ++i) std::copy_n(w + int64_t{i} * k, k, padded.begin() + int64_t{i} * k_to);
  return padded;
}

absl::StatusOr<PreparedStep> ConvS8(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm, kS8>(ctx.isa);
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  const int32_t k = geo.kernel_h * geo.kernel_w * geo.in_c;
  const int8_t* w = g.tensors[n.inputs[1]].as<int8_t>();
  const int8_t* x = p.get<int8_t>(n.inputs[0]);
  int8_t* y = p.get<int8_t>(n.outputs[0]);
  const bool pointwise = geo.kernel_h == 1 && geo.kernel_w == 1 && geo.stride_h == 1 && geo.stride_w == 1 &&
                         n.conv.pad_top == 0 && n.conv.pad_bottom == 0 && n.conv.pad_left == 0 &&
                         n.conv.pad_right == 0;
  // A depth that is not a multiple of 4 (an RGB stem's 27) goes to the amx kernel as the next
  // multiple (zero weights appended; the patches stay k bytes apart, so each row's extra byte is
  // the next patch's first, times zero) where that level runs it, instead of the avx512vnni kernel
  // (a pointwise conv keeps k: its rows are the tensor's pixels).
  const int32_t k4 = (k + 3) / 4 * 4;
  const bool pad_depth = !pointwise && k4 != k && kernels::GemmS8RunsAt(gemm.isa, k4) == Isa::kAmx &&
                         kernels::GemmS8RunsAt(gemm.isa, k) != Isa::kAmx;
  auto packed = pad_depth ? PackInt8Gemm(gemm, g, n, PadDepth(w, geo.out_c, k, k4).data(), geo.out_c, k4)
                          : PackInt8Gemm(gemm, g, n, w, geo.out_c, k);
  if (pointwise) {
    const int64_t m = static_cast<int64_t>(geo.batch) * geo.out_h * geo.out_w;
    return PreparedStep{MakeGemmS8(ctx, gemm, std::move(packed), x, geo.in_c, m, y, OutputRequant(g, n)),
                        Int8Label("conv1x1", kernels::GemmS8RunsAt(gemm.isa, k))};
  }
  PatchConvS8 s;
  s.fn = gemm.fn;
  s.args = MakeGemmS8(ctx, gemm, packed, nullptr, k, geo.out_w, nullptr, OutputRequant(g, n)).args;
  s.geo = geo;
  s.input = x;
  s.zero_point = static_cast<int8_t>(QParamsOf(g.tensors[n.inputs[0]]).zero_point);
  s.output = y;
  s.patch_row_bytes = static_cast<int64_t>(k) * geo.out_w;
  // Output rows per GEMM call: patches of about 16 KiB (stay in L1 between the copy and the
  // multiply), so the amx kernel's steps pipeline over many rows (one 112-pixel row per call
  // left it 4 steps; the MobileNetV2 stem then ran slower on amx than on avx512vnni).
  s.rows_per_call = static_cast<int32_t>(std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.patch_row_bytes)));
  s.split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  s.packed = std::move(packed);
  // 64 bytes of slack: the padded depth reads up to k4 - k bytes past the last patch.
  s.scratch = std::make_shared<std::vector<std::vector<int8_t>>>(
      static_cast<size_t>(s.split.tasks),
      std::vector<int8_t>(static_cast<size_t>(s.patch_row_bytes * s.rows_per_call + 64)));
  s.pool = ctx.pool;
  return PreparedStep{s, Int8Label("conv2d_im2col", kernels::GemmS8RunsAt(gemm.isa, s.packed->k))};
}

absl::StatusOr<PreparedStep> FullyConnectedS8(const NativeContext& ctx, const Graph& g, size_t index,
                                              const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto gemm = ctx.registry->Find<KernelOp::kGemm, kS8>(ctx.isa);
  if (!gemm || !IsConstant(g, n, 1)) return ReferenceStep(g, index, p);
  const Shape& ws = g.tensors[n.inputs[1]].shape;  // [out, in]
  auto packed = PackInt8Gemm(gemm, g, n, g.tensors[n.inputs[1]].as<int8_t>(), ws[0], ws[1]);
  const int64_t m = g.tensors[n.outputs[0]].shape[0];
  return PreparedStep{MakeGemmS8(ctx, gemm, std::move(packed), p.get<int8_t>(n.inputs[0]), ws[1], m,
                                 p.get<int8_t>(n.outputs[0]), OutputRequant(g, n)),
                      Int8Label("fc", kernels::GemmS8RunsAt(gemm.isa, ws[1]))};
}

// Rows split over the pool, or, when that leaves a task too few rows (each task interleaves the
// kernel_h - stride input rows above its first row again: on 14x14 and 7x7 maps that was most of
// the work at 2 threads), channels: one slice of whole channel tiles per thread, each slice
// packed on its own and run over every row (channels are independent: the same bytes).
struct DwConvS8Step {
  struct Slice {
    kernels::DwConvS8Args args;
    std::shared_ptr<const kernels::PackedDwConvS8> packed;
  };
  kernels::DwConvS8Fn fn;
  std::vector<Slice> slices;  // one (all channels, rows split) or one per task (rows whole)
  Split1D split;
  std::shared_ptr<const std::vector<int8_t>> zero;
  std::shared_ptr<ThreadPool> pool;

  void operator()() const {
    const DwConvS8Step& s = *this;
    const int32_t rows = slices[0].args.geo.batch * slices[0].args.geo.out_h;
    if (slices.size() > 1) {
      pool->ParallelFor(slices.size(), [&s, rows](size_t task) { s.fn(s.slices[task].args, 0, rows); });
      return;
    }
    pool->ParallelFor(static_cast<size_t>(split.tasks), [&s, rows](size_t task) {
      const int32_t r0 = static_cast<int32_t>(task * s.split.chunk);
      s.fn(s.slices[0].args, r0, static_cast<int32_t>(std::min<int64_t>(rows, r0 + s.split.chunk)));
    });
  }
};

absl::StatusOr<PreparedStep> DepthwiseS8(const NativeContext& ctx, const Graph& g, size_t index,
                                         const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto dw = ctx.registry->Find<KernelOp::kDwConv, kS8>(ctx.isa);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  if (!dw || !IsConstant(g, n, 1) || geo.depth_multiplier != 1 || geo.in_c != geo.out_c ||
      geo.kernel_h * geo.kernel_w > kernels::kMaxDwTaps)
    return ReferenceStep(g, index, p);
  const Tensor& x = g.tensors[n.inputs[0]];
  const std::vector<float> m = RequantScales(x, g.tensors[n.inputs[1]], g.tensors[n.outputs[0]], geo.out_c);
  const int8_t* w = g.tensors[n.inputs[1]].as<int8_t>();
  const int32_t* bias = OptionalBias(g, n);
  const int32_t taps = geo.kernel_h * geo.kernel_w, channels = geo.out_c;
  const int32_t x_zp = QParamsOf(x).zero_point;
  DwConvS8Step s;
  s.fn = dw.fn;
  const int32_t rows = geo.batch * geo.out_h, threads = ctx.pool->threads();
  s.split = SplitRange(rows, threads, 1, 1);
  const int32_t tile = std::max(1, dw.tile.channel_tile), tiles = (channels + tile - 1) / tile;
  const int32_t n_slices = threads > 1 && s.split.chunk < 2 * geo.kernel_h ? std::min(threads, tiles) : 1;
  s.zero = std::make_shared<const std::vector<int8_t>>(static_cast<size_t>(tiles) * tile, static_cast<int8_t>(x_zp));
  for (int32_t i = 0; i < n_slices; ++i) {
    const int32_t c0 = tiles * i / n_slices * tile, c1 = std::min(channels, tiles * (i + 1) / n_slices * tile);
    std::vector<int8_t> ws(static_cast<size_t>(taps) * (c1 - c0));  // weights are (1, kh, kw, channels)
    for (int32_t t = 0; t < taps; ++t)
      std::copy(w + static_cast<int64_t>(t) * channels + c0, w + static_cast<int64_t>(t) * channels + c1,
                ws.begin() + static_cast<int64_t>(t) * (c1 - c0));
    DwConvS8Step::Slice slice;
    slice.packed = std::make_shared<const kernels::PackedDwConvS8>(
        dw.pack(ws.data(), bias ? bias + c0 : nullptr, m.data() + c0, c1 - c0, taps, x_zp, dw.tile));
    slice.args.geo = geo;
    slice.args.input = p.get<int8_t>(n.inputs[0]) + c0;
    slice.args.zero = s.zero->data() + c0;
    slice.args.packed = slice.packed.get();
    slice.args.output = p.get<int8_t>(n.outputs[0]) + c0;
    slice.args.out = OutputRequant(g, n);
    s.slices.push_back(std::move(slice));
  }
  s.pool = ctx.pool;
  return PreparedStep{s, Int8Label("dwconv", dw.isa)};
}

// Splits n elements over the pool in chunks of at least 16K.
Split1D ElementSplit(const NativeContext& ctx, int64_t n) { return SplitRange(n, ctx.pool->threads(), 64, 1 << 14); }

absl::StatusOr<PreparedStep> GlobalAvgPoolS8(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto k = ctx.registry->Find<KernelOp::kGlobalAvgPool, kS8>(ctx.isa);
  if (!k) return ReferenceStep(g, index, p);
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const int32_t batch = xs[0], c = xs[3];
  const int64_t pixels = static_cast<int64_t>(xs[1]) * xs[2];
  const ref::QParams xq = QParamsOf(g.tensors[n.inputs[0]]), yq = QParamsOf(g.tensors[n.outputs[0]]);
  // The factor exactly as ref::GlobalAveragePoolS8 computes it; no fused clamp.
  const float m = static_cast<float>(static_cast<double>(xq.scale) /
                                     (static_cast<double>(yq.scale) * xs[1] * static_cast<double>(xs[2])));
  const kernels::RequantS8 out = kernels::MakeRequantS8(yq, ref::Int8Bounds{});
  const int8_t* x = p.get<int8_t>(n.inputs[0]);
  int8_t* y = p.get<int8_t>(n.outputs[0]);
  const Split1D split = SplitRange(c, pixels * c >= (1 << 16) ? ctx.pool->threads() : 1, 16, 64);
  auto pool = ctx.pool;
  auto fn = k.fn;
  const int32_t x_zp = xq.zero_point;
  return PreparedStep{[=] {
                        for (int32_t b = 0; b < batch; ++b) {
                          const int8_t* xb = x + b * pixels * c;
                          int8_t* yb = y + static_cast<int64_t>(b) * c;
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int32_t c0 = static_cast<int32_t>(t * split.chunk);
                            fn(pixels, c, xb, x_zp, m, out, yb, c0,
                               static_cast<int32_t>(std::min<int64_t>(c, c0 + split.chunk)));
                          });
                        }
                      },
                      Int8Label("global_avg_pool", k.isa)};
}

// Add of equal shapes (residuals) and Mul by a [N or 1, 1, 1, C] gate (squeeze-and-excitation).
absl::StatusOr<PreparedStep> BinaryS8(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const bool add = n.type == OpType::kAdd;
  const Tensor& at = g.tensors[n.inputs[0]];
  const Tensor& bt = g.tensors[n.inputs[1]];
  const Tensor& yt = g.tensors[n.outputs[0]];
  if (at.is_constant() || bt.is_constant()) return ReferenceStep(g, index, p);
  const ref::QParams aq = QParamsOf(at), bq = QParamsOf(bt), yq = QParamsOf(yt);
  const kernels::RequantS8 out = OutputRequant(g, n);
  auto pool = ctx.pool;
  if (add && at.shape == yt.shape && bt.shape == yt.shape) {
    auto k = ctx.registry->Find<KernelOp::kAdd, kS8>(ctx.isa);
    if (!k) return ReferenceStep(g, index, p);
    const kernels::BinaryS8Params params{aq.zero_point, bq.zero_point,
                                         ref::BinaryFactors(ref::BinaryOp::kAdd, aq, bq, yq), out};
    const int8_t* a = p.get<int8_t>(n.inputs[0]);
    const int8_t* b = p.get<int8_t>(n.inputs[1]);
    int8_t* y = p.get<int8_t>(n.outputs[0]);
    const int64_t count = yt.num_elements();
    const Split1D split = ElementSplit(ctx, count);
    auto fn = k.fn;
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                            fn(std::min(count, i0 + split.chunk) - i0, a + i0, b + i0, y + i0, params);
                          });
                        },
                        Int8Label("add", k.isa)};
  }
  const Shape& ys = yt.shape;
  if (!add && ys.size() == 4 && at.shape == ys && bt.shape.size() == 4 && bt.shape[1] == 1 && bt.shape[2] == 1 &&
      bt.shape[3] == ys[3] && (bt.shape[0] == ys[0] || bt.shape[0] == 1)) {
    auto k = ctx.registry->Find<KernelOp::kMulChannel, kS8>(ctx.isa);
    if (!k) return ReferenceStep(g, index, p);
    // Mul's factor is a_scale * b_scale / y_scale with a the full tensor, as ref::BinaryS8.
    const kernels::BinaryS8Params params{aq.zero_point, bq.zero_point,
                                         ref::BinaryFactors(ref::BinaryOp::kMul, aq, bq, yq), out};
    const int8_t* x = p.get<int8_t>(n.inputs[0]);
    const int8_t* s = p.get<int8_t>(n.inputs[1]);
    int8_t* y = p.get<int8_t>(n.outputs[0]);
    const int32_t batch = ys[0], c = ys[3];
    const int64_t pixels = static_cast<int64_t>(ys[1]) * ys[2];
    const int64_t s_stride = bt.shape[0] == 1 ? 0 : c;
    const Split1D split = SplitRange(pixels, ctx.pool->threads(), 1, std::max<int64_t>(1, 16384 / c));
    auto fn = k.fn;
    return PreparedStep{[=] {
                          for (int32_t bi = 0; bi < batch; ++bi) {
                            const int64_t base = bi * pixels * c;
                            pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                              const int64_t p0 = static_cast<int64_t>(t) * split.chunk;
                              const int64_t p1 = std::min(pixels, p0 + split.chunk);
                              fn(p1 - p0, c, x + base + p0 * c, s + bi * s_stride, y + base + p0 * c, params);
                            });
                          }
                        },
                        Int8Label("mul_channel", k.isa)};
  }
  return ReferenceStep(g, index, p);
}

// Unary operators as the reference's 256-entry table (exact by construction: the same table).
absl::StatusOr<PreparedStep> TableS8(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  auto k = ctx.registry->Find<KernelOp::kActivation, kS8>(ctx.isa);
  auto table = std::make_shared<ref::Int8Table>();
  if (!k || !Int8UnaryTable(g, n, table.get())) return ReferenceStep(g, index, p);
  const int8_t* x = p.get<int8_t>(n.inputs[0]);
  int8_t* y = p.get<int8_t>(n.outputs[0]);
  const int64_t count = g.tensors[n.outputs[0]].num_elements();
  const Split1D split = ElementSplit(ctx, count);
  auto pool = ctx.pool;
  auto fn = k.fn;
  std::string name = OpTypeName(n.type);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                          fn(std::min(count, i0 + split.chunk) - i0, x + i0, table->data(), y + i0);
                        });
                      },
                      Int8Label(absl::StrCat(name, "_table"), k.isa)};
}

// f32 <-> i8 at the boundaries the quantizer chose.
absl::StatusOr<PreparedStep> ConvertS8(const NativeContext& ctx, const Graph& g, size_t index,
                                       const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const Tensor& x = g.tensors[n.inputs[0]];
  const Tensor& y = g.tensors[n.outputs[0]];
  const int64_t count = y.num_elements();
  const Split1D split = ElementSplit(ctx, count);
  auto pool = ctx.pool;
  if (n.type == OpType::kQuantize && x.dtype == DType::kF32 && y.dtype == DType::kI8) {
    auto k = ctx.registry->Find<KernelOp::kQuantize, kS8>(ctx.isa);
    if (!k) return ReferenceStep(g, index, p);
    const ref::QParams q = QParamsOf(y);
    const float* in = p.get<float>(n.inputs[0]);
    int8_t* out = p.get<int8_t>(n.outputs[0]);
    auto fn = k.fn;
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                            fn(std::min(count, i0 + split.chunk) - i0, in + i0, q.scale, q.zero_point, out + i0);
                          });
                        },
                        k.name};
  }
  if (n.type == OpType::kDequantize && x.dtype == DType::kI8 && y.dtype == DType::kF32) {
    auto k = ctx.registry->Find<KernelOp::kDequantize, kS8>(ctx.isa);
    if (!k) return ReferenceStep(g, index, p);
    const ref::QParams q = QParamsOf(x);
    const int8_t* in = p.get<int8_t>(n.inputs[0]);
    float* out = p.get<float>(n.outputs[0]);
    auto fn = k.fn;
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                            fn(std::min(count, i0 + split.chunk) - i0, in + i0, q.scale, q.zero_point, out + i0);
                          });
                        },
                        k.name};
  }
  return ReferenceStep(g, index, p);
}

}  // namespace

bool IsInt8Step(const Graph& g, const Node& n) {
  if (n.type == OpType::kQuantize) return g.tensors[n.outputs[0]].dtype == DType::kI8;
  return g.tensors[n.inputs[0]].dtype == DType::kI8;
}

absl::StatusOr<PreparedStep> Int8Step(const NativeContext& ctx, const Graph& g, size_t index,
                                      const TensorPointers& p) {
  const Node& n = g.nodes[index];
  switch (n.type) {
    case OpType::kQuantize:
    case OpType::kDequantize: return ConvertS8(ctx, g, index, p);
    case OpType::kConv2D: return ConvS8(ctx, g, index, p);
    case OpType::kDepthwiseConv2D: return DepthwiseS8(ctx, g, index, p);
    case OpType::kFullyConnected: return FullyConnectedS8(ctx, g, index, p);
    case OpType::kGlobalAveragePool: return GlobalAvgPoolS8(ctx, g, index, p);
    case OpType::kAdd:
    case OpType::kMul: return BinaryS8(ctx, g, index, p);
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kSigmoid:
    case OpType::kHardSigmoid:
    case OpType::kSwish:
    case OpType::kHardSwish:
    case OpType::kClamp: return TableS8(ctx, g, index, p);
    case OpType::kTranspose: return TransposeStep(ctx, g, index, p);  // bytes, as in FP32
    default: return ReferenceStep(g, index, p);
  }
}

}  // namespace scalert::native
