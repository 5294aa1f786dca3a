#include "runtime/backends/native/half_steps.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kernels/aligned_buffer.h"
#include "kernels/half_convert.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/weights.h"

namespace scalert::native {
namespace {

using kernels::Isa;
using kernels::KernelDType;
using kernels::KernelOp;

bool IsHalf(DType d) { return d == DType::kF16 || d == DType::kBF16; }
KernelDType KernelDTypeOf(DType d) { return d == DType::kBF16 ? KernelDType::kBF16 : KernelDType::kF16; }

// Elementwise work split: chunks of at least 16K values, multiples of 64.
Split1D ConvertSplit(const NativeContext& ctx, int64_t n) { return SplitRange(n, ctx.pool->threads(), 64, 1 << 14); }

struct HalfGemmStep {
  kernels::GemmHalfFn fn;
  kernels::GemmHalfArgs args;
  int64_t m;
  GemmSplit split;
  std::shared_ptr<kernels::PackedGemm> packed;
  std::shared_ptr<kernels::ThreadPool> pool;
  void operator()() const {
    const HalfGemmStep& s = *this;
    pool->ParallelFor(static_cast<size_t>(split.row_tasks * split.col_tasks), [&s](size_t task) {
      const GemmSplit::Range r = s.split.Task(static_cast<int64_t>(task), s.m, s.args.n);
      s.fn(s.args, r.m0, r.m1, r.n0, r.n1);
    });
  }
};

// C[m, n] = act(A W^T + bias) for a pointwise convolution or a fully connected layer.
template <KernelDType dt>
absl::StatusOr<PreparedStep> GemmStepOf(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                        int64_t m, const char* use) {
  const Node& n = g.nodes[index];
  const auto k = FindHalfGemm<dt>(ctx, g, n.inputs[1]);
  if (!k) return ReferenceStep(g, index, p);
  const Shape& ws = g.tensors[n.inputs[1]].shape;
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  HalfGemmStep s;
  s.packed = std::make_shared<kernels::PackedGemm>(k.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws.back(), k.tile));
  s.fn = k.fn;
  s.args.a = p.get<uint16_t>(n.inputs[0]);
  s.args.lda = s.packed->k;
  s.args.packed_b = s.packed->b.data();
  s.args.bias = s.packed->bias.data();
  s.args.c = p.get<uint16_t>(n.outputs[0]);
  s.args.ldc = s.packed->n;
  s.args.k = s.packed->k;
  s.args.n = s.packed->n;
  s.args.act = n.activation;
  s.m = m;
  s.split = SplitGemm(m, s.packed->n, ctx.pool->threads(), s.packed->nr);
  s.pool = ctx.pool;
  return PreparedStep{s, absl::StrCat(use, "_", k.name)};
}

template <KernelDType dt>
absl::StatusOr<PreparedStep> DepthwiseStepOf(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const auto k = FindHalfDwConv<dt>(ctx, g, n.inputs[1]);
  const ref::ConvGeometry geo = ConvGeometryOf(g, n);
  if (!k || geo.depth_multiplier != 1 || geo.in_c != geo.out_c || geo.kernel_h * geo.kernel_w > 64)
    return ReferenceStep(g, index, p);
  const std::vector<float> w = ConstantAsF32(g.tensors[n.inputs[1]]);
  const std::vector<float> b = OptionalF32(g, n, 2);
  auto packed = std::make_shared<kernels::PackedDwConv>(
      k.pack(w.data(), b.empty() ? nullptr : b.data(), geo.out_c, geo.kernel_h * geo.kernel_w, k.tile));
  // 16-bit zeros for padding taps: RoundUp(c, tile) halves fit in half as many floats.
  auto zero = std::make_shared<kernels::AlignedBuffer>(static_cast<size_t>(kernels::RoundUp(geo.in_c, k.tile.channel_tile)));
  kernels::DwConvHalfArgs args;
  args.geo = geo;
  args.input = p.get<uint16_t>(n.inputs[0]);
  args.packed = packed->data.data();
  args.zero = reinterpret_cast<const uint16_t*>(zero->data());
  args.output = p.get<uint16_t>(n.outputs[0]);
  args.act = n.activation;
  const Split1D split = SplitRange(static_cast<int64_t>(geo.batch) * geo.out_h, ctx.pool->threads(), 1, 1);
  const int32_t rows = geo.batch * geo.out_h;
  auto pool = ctx.pool;
  auto fn = k.fn;
  return PreparedStep{[=] {
                        (void)packed;
                        (void)zero;
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t task) {
                          const int32_t r0 = static_cast<int32_t>(task * split.chunk);
                          fn(args, r0, static_cast<int32_t>(std::min<int64_t>(rows, r0 + split.chunk)));
                        });
                      },
                      absl::StrCat("dwconv_", k.name)};
}

// Quantize / Dequantize between FP32 and FP16 or BF16.
absl::StatusOr<PreparedStep> ConvertStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const DType from = g.tensors[n.inputs[0]].dtype, to = g.tensors[n.outputs[0]].dtype;
  if (!((from == DType::kF32 && IsHalf(to)) || (IsHalf(from) && to == DType::kF32))) return ReferenceStep(g, index, p);
  const kernels::HalfConverters cv = kernels::FindHalfConverters(KernelDTypeOf(IsHalf(from) ? from : to), ctx.isa);
  const int64_t count = g.tensors[n.outputs[0]].num_elements();
  const Split1D split = ConvertSplit(ctx, count);
  auto pool = ctx.pool;
  const std::string label = absl::StrCat(OpTypeName(n.type), "_", DTypeName(from), "_", DTypeName(to), "_",
                                         kernels::IsaName(cv.isa));
  if (from == DType::kF32) {
    const float* x = p.get<float>(n.inputs[0]);
    uint16_t* y = p.get<uint16_t>(n.outputs[0]);
    return PreparedStep{[=] {
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                            cv.from_f32(std::min(count, i0 + split.chunk) - i0, x + i0, y + i0);
                          });
                        },
                        label};
  }
  const uint16_t* x = p.get<uint16_t>(n.inputs[0]);
  float* y = p.get<float>(n.outputs[0]);
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                          cv.to_f32(std::min(count, i0 + split.chunk) - i0, x + i0, y + i0);
                        });
                      },
                      label};
}

absl::StatusOr<PreparedStep> StagedStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                        StepFn f32_step);

// Add of two 16-bit activations of the same shape (the residual connection).
absl::StatusOr<PreparedStep> AddStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                     KernelDType dt, StepFn f32_step) {
  const Node& n = g.nodes[index];
  const Tensor& a = g.tensors[n.inputs[0]];
  const Tensor& b = g.tensors[n.inputs[1]];
  const Tensor& y = g.tensors[n.outputs[0]];
  if (a.is_constant() || b.is_constant() || a.shape != y.shape || b.shape != y.shape || a.dtype != b.dtype)
    return StagedStep(ctx, g, index, p, f32_step);
  const kernels::HalfConverters k = kernels::FindHalfConverters(dt, ctx.isa);
  const uint16_t* x0 = p.get<uint16_t>(n.inputs[0]);
  const uint16_t* x1 = p.get<uint16_t>(n.inputs[1]);
  uint16_t* out = p.get<uint16_t>(n.outputs[0]);
  const int64_t count = y.num_elements();
  const Activation act = n.activation;
  const Split1D split = ConvertSplit(ctx, count);
  auto pool = ctx.pool;
  return PreparedStep{[=] {
                        pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                          const int64_t i0 = static_cast<int64_t>(t) * split.chunk;
                          k.add(std::min(count, i0 + split.chunk) - i0, x0 + i0, x1 + i0, out + i0, act);
                        });
                      },
                      absl::StrCat("add_", KernelDTypeName(dt), "s_f32acc_", kernels::IsaName(k.isa))};
}

// Global average pooling [N, H, W, C] -> [N, 1, 1, C], split by channels.
absl::StatusOr<PreparedStep> PoolStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                      KernelDType dt) {
  const Node& n = g.nodes[index];
  const Shape& xs = g.tensors[n.inputs[0]].shape;
  const kernels::HalfConverters k = kernels::FindHalfConverters(dt, ctx.isa);
  const int32_t batch = xs[0], c = xs[3];
  const int64_t pixels = static_cast<int64_t>(xs[1]) * xs[2];
  const uint16_t* x = p.get<uint16_t>(n.inputs[0]);
  uint16_t* y = p.get<uint16_t>(n.outputs[0]);
  const Split1D split = SplitRange(c, pixels * c >= (1 << 16) ? ctx.pool->threads() : 1, 16, 32);
  auto pool = ctx.pool;
  return PreparedStep{[=] {
                        for (int32_t b = 0; b < batch; ++b)
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int32_t c0 = static_cast<int32_t>(t * split.chunk);
                            k.global_avg_pool(pixels, c, x + b * pixels * c, y + static_cast<int64_t>(b) * c, c0,
                                              static_cast<int32_t>(std::min<int64_t>(c, c0 + split.chunk)));
                          });
                      },
                      absl::StrCat("global_avg_pool_", KernelDTypeName(dt), "s_f32acc_", kernels::IsaName(k.isa))};
}

// The squeeze-and-excitation scale [N, H, W, C] * [N or 1, 1, 1, C] (either order); the gate is
// widened to FP32 once per run, into a buffer made here.
absl::StatusOr<PreparedStep> MulChannelStep(const NativeContext& ctx, const Graph& g, size_t index,
                                            const TensorPointers& p, KernelDType dt, StepFn f32_step) {
  const Node& n = g.nodes[index];
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  const bool a_full = g.tensors[n.inputs[0]].shape == ys;
  const int32_t full_t = a_full ? n.inputs[0] : n.inputs[1], gate_t = a_full ? n.inputs[1] : n.inputs[0];
  const Tensor& gate = g.tensors[gate_t];
  const Shape& gs = gate.shape;
  if (ys.size() != 4 || g.tensors[full_t].shape != ys || gate.is_constant() || gate.dtype != g.tensors[full_t].dtype ||
      gs.size() != 4 || gs[1] != 1 || gs[2] != 1 || gs[3] != ys[3] || (gs[0] != 1 && gs[0] != ys[0]))
    return StagedStep(ctx, g, index, p, f32_step);
  const kernels::HalfConverters k = kernels::FindHalfConverters(dt, ctx.isa);
  const int32_t batch = ys[0], c = ys[3];
  const int64_t pixels = static_cast<int64_t>(ys[1]) * ys[2];
  const int64_t s_stride = gs[0] == 1 ? 0 : c;
  auto gate_f32 = std::make_shared<kernels::AlignedBuffer>(static_cast<size_t>(gate.num_elements()));
  const uint16_t* x = p.get<uint16_t>(full_t);
  const uint16_t* sh = p.get<uint16_t>(gate_t);
  uint16_t* y = p.get<uint16_t>(n.outputs[0]);
  const int64_t gate_n = gate.num_elements();
  const Activation act = n.activation;
  const Split1D split = SplitRange(pixels, ctx.pool->threads(), 1, std::max<int64_t>(1, 16384 / c));
  auto pool = ctx.pool;
  return PreparedStep{[=] {
                        float* s = gate_f32->data();
                        k.to_f32(gate_n, sh, s);
                        for (int32_t b = 0; b < batch; ++b) {
                          const int64_t base = b * pixels * c;
                          pool->ParallelFor(static_cast<size_t>(split.tasks), [&](size_t t) {
                            const int64_t p0 = static_cast<int64_t>(t) * split.chunk;
                            const int64_t p1 = std::min(pixels, p0 + split.chunk);
                            k.mul_channel(p1 - p0, c, x + base + p0 * c, s + b * s_stride, y + base + p0 * c, act);
                          });
                        }
                      },
                      absl::StrCat("mul_channel_", KernelDTypeName(dt), "s_f32acc_", kernels::IsaName(k.isa))};
}

// Any other operator: its native FP32 step on FP32 copies of the 16-bit activations (buffers made
// here, at Prepare), inputs widened before and outputs rounded after, in parallel chunks.
absl::StatusOr<PreparedStep> StagedStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                        StepFn f32_step) {
  const Node& n = g.nodes[index];
  struct Shadow {
    const uint8_t* half;  // the tensor in the arena
    uint8_t* half_out;
    int64_t count;
    std::shared_ptr<kernels::AlignedBuffer> f32;
    kernels::HalfConverters cv;
    Split1D split;
  };
  TensorPointers shadowed = p;
  std::vector<Shadow> inputs, outputs;
  auto shadow = [&](int32_t t) {
    const Tensor& x = g.tensors[t];
    Shadow s{p.ptr[t], p.ptr[t], x.num_elements(),
             std::make_shared<kernels::AlignedBuffer>(static_cast<size_t>(x.num_elements())),
             kernels::FindHalfConverters(KernelDTypeOf(x.dtype), ctx.isa), ConvertSplit(ctx, x.num_elements())};
    shadowed.ptr[t] = reinterpret_cast<uint8_t*>(s.f32->data());
    return s;
  };
  for (int32_t t : n.inputs)
    if (t >= 0 && !g.tensors[t].is_constant() && IsHalf(g.tensors[t].dtype) &&
        shadowed.ptr[t] == p.ptr[t])  // an operand read twice is widened once
      inputs.push_back(shadow(t));
  for (int32_t t : n.outputs)
    if (IsHalf(g.tensors[t].dtype)) outputs.push_back(shadow(t));
  auto f32 = f32_step(ctx, g, index, shadowed);
  if (!f32.ok()) return f32.status();
  // An operator the native FP32 kernels do not cover would reach the reference through the
  // copies, which it would then read as 16-bit: it runs on the 16-bit tensors directly instead.
  if (absl::EndsWith(f32->kernel, "_reference")) return ReferenceStep(g, index, p);
  auto pool = ctx.pool;
  const std::string dtype = DTypeName(g.tensors[n.outputs[0]].dtype);
  return PreparedStep{[inputs, outputs, pool, run = std::move(f32->run)] {
                        for (const Shadow& s : inputs)
                          pool->ParallelFor(static_cast<size_t>(s.split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * s.split.chunk;
                            s.cv.to_f32(std::min(s.count, i0 + s.split.chunk) - i0,
                                        reinterpret_cast<const uint16_t*>(s.half) + i0, s.f32->data() + i0);
                          });
                        run();
                        for (const Shadow& s : outputs)
                          pool->ParallelFor(static_cast<size_t>(s.split.tasks), [&](size_t t) {
                            const int64_t i0 = static_cast<int64_t>(t) * s.split.chunk;
                            s.cv.from_f32(std::min(s.count, i0 + s.split.chunk) - i0, s.f32->data() + i0,
                                          reinterpret_cast<uint16_t*>(s.half_out) + i0);
                          });
                      },
                      absl::StrCat(f32->kernel, "_on_", dtype, "_copies")};
}

template <KernelDType dt>
absl::StatusOr<PreparedStep> HalfStepOf(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                        StepFn f32_step) {
  const Node& n = g.nodes[index];
  if (n.type == OpType::kConv2D && IsConstant(g, n, 1)) {
    const ref::ConvGeometry geo = ConvGeometryOf(g, n);
    const bool pointwise = geo.kernel_h == 1 && geo.kernel_w == 1 && geo.stride_h == 1 && geo.stride_w == 1 &&
                           n.conv.pad_top == 0 && n.conv.pad_bottom == 0 && n.conv.pad_left == 0 &&
                           n.conv.pad_right == 0;
    if (pointwise) return GemmStepOf<dt>(ctx, g, index, p, static_cast<int64_t>(geo.batch) * geo.out_h * geo.out_w, "conv1x1");
    if (geo.dilation_w == 1 && g.tensors[n.outputs[0]].dtype == g.tensors[n.inputs[0]].dtype)
      return HalfPatchConvStep(ctx, g, index, p);
  }
  if (n.type == OpType::kFullyConnected && IsConstant(g, n, 1))
    return GemmStepOf<dt>(ctx, g, index, p, g.tensors[n.outputs[0]].shape[0], "fc");
  if (n.type == OpType::kDepthwiseConv2D && IsConstant(g, n, 1)) return DepthwiseStepOf<dt>(ctx, g, index, p);
  if (n.type == OpType::kGlobalAveragePool && g.tensors[n.inputs[0]].shape.size() == 4) return PoolStep(ctx, g, index, p, dt);
  if (n.type == OpType::kMul) return MulChannelStep(ctx, g, index, p, dt, f32_step);
  if (n.type == OpType::kAdd) return AddStep(ctx, g, index, p, dt, f32_step);
  // Bits move unchanged: no FP32 copies (the same dtype in and out).
  if (n.type == OpType::kTranspose && g.tensors[n.outputs[0]].dtype == g.tensors[n.inputs[0]].dtype)
    return TransposeStep(ctx, g, index, p);
  return StagedStep(ctx, g, index, p, f32_step);
}

}  // namespace

bool IsHalfNode(const Graph& g, size_t index) {
  const Node& n = g.nodes[index];
  bool half = false;
  for (const auto* list : {&n.inputs, &n.outputs})
    for (int32_t t : *list) {
      if (t < 0 || g.tensors[t].is_constant()) continue;
      if (g.tensors[t].dtype == DType::kI8) return false;
      half = half || IsHalf(g.tensors[t].dtype);
    }
  return half;
}

absl::StatusOr<PreparedStep> HalfStep(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p,
                                      StepFn f32_step) {
  const Node& n = g.nodes[index];
  if (n.type == OpType::kQuantize || n.type == OpType::kDequantize) return ConvertStep(ctx, g, index, p);
  if (g.tensors[n.inputs[0]].dtype == DType::kBF16) return HalfStepOf<KernelDType::kBF16>(ctx, g, index, p, f32_step);
  if (g.tensors[n.inputs[0]].dtype == DType::kF16) return HalfStepOf<KernelDType::kF16>(ctx, g, index, p, f32_step);
  return ReferenceStep(g, index, p);
}

}  // namespace scalert::native
