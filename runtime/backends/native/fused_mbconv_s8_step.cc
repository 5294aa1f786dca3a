#include "runtime/backends/native/fused_mbconv_s8_step.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kernels/dwconv_taps.h"
#include "kernels/kernel_types_s8.h"
#include "kernels/packing_s8.h"
#include "runtime/backends/native/fused_mbconv_step.h"
#include "runtime/backends/reference/reference_backend.h"
#include "runtime/fused_mbconv.h"

namespace scalert::native {
namespace {

using kernels::KernelOp;
using F = FusedMbconv;
constexpr kernels::KernelDType kS8 = kernels::KernelDType::kS8;

// Scratch regions start on cache lines and keep a line of slack after their bytes (kernels may
// load a whole vector at a row's end).
int64_t Region(int64_t bytes) { return (bytes + 63) / 64 * 64 + 64; }

int32_t InRows(const ref::ConvGeometry& g, int32_t out_rows) {
  return std::min(g.in_h, (out_rows - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1);
}

ref::QParams InQ(const Graph& g, const Node& n, size_t i = 0) { return QParamsOf(g.tensors[n.inputs[i]]); }
ref::QParams OutQ(const Graph& g, const Node& n) { return QParamsOf(g.tensors[n.outputs[0]]); }

// The requantization of n's output, its fused relu / relu6 as the clamp (as int8_steps.cc).
kernels::RequantS8 OutputRequant(const Graph& g, const Node& n) {
  const ref::QParams yq = OutQ(g, n);
  return kernels::MakeRequantS8(yq, ref::FusedBounds(n.activation, yq));
}

// m[c] of the reference's requantization for conv node n (weights per channel or per tensor).
std::vector<float> RequantScales(const Graph& g, const Node& n, int32_t out_c) {
  const ref::QParams xq = InQ(g, n), yq = OutQ(g, n);
  const std::vector<float>& ws = g.tensors[n.inputs[1]].quant.scale;
  std::vector<float> m(out_c);
  for (int32_t c = 0; c < out_c; ++c) m[c] = ref::RequantScale(xq.scale, ws[ws.size() == 1 ? 0 : c], yq.scale);
  return m;
}

const int32_t* OptionalBias(const Graph& g, const Node& n) {
  return n.inputs.size() > 2 && n.inputs[2] >= 0 ? g.tensors[n.inputs[2]].as<int32_t>() : nullptr;
}

// Int8 weights and (if any) int32 bias, as the INT8 kernels take them.
bool HasInt8Weights(const Graph& g, const Node& n) {
  const bool bias = n.inputs.size() > 2 && n.inputs[2] >= 0;
  return n.inputs.size() > 1 && n.inputs[1] >= 0 && g.tensors[n.inputs[1]].dtype == DType::kI8 &&
         !g.tensors[n.inputs[1]].quant.scale.empty() && (!bias || g.tensors[n.inputs[2]].dtype == DType::kI32);
}

// A 1x1 conv of the block on the level's GEMM, packed as the unfused step packs it (its input's
// zero point folded into the bias).
struct S8Gemm {
  kernels::GemmS8Fn fn = nullptr;
  std::shared_ptr<const kernels::PackedGemmS8> packed;
  kernels::GemmS8Args args;  // a and c set per call
  void Run(const int8_t* a, int64_t rows, int8_t* c) const { Run(a, rows, c, 0, packed->n); }
  // Columns [n0, n1) only (n0 on a panel).
  void Run(const int8_t* a, int64_t rows, int8_t* c, int32_t n0, int32_t n1) const {
    kernels::GemmS8Args x = args;
    x.a = a;
    x.c = c;
    fn(x, 0, rows, n0, n1);
  }
};

S8Gemm MakeS8Gemm(const kernels::Kernel<KernelOp::kGemm, kS8>& k, const Graph& g, const Node& n) {
  const Shape& ws = g.tensors[n.inputs[1]].shape;  // [out, 1, 1, in]
  const int32_t out_c = ws[0], depth = ws.back();
  const std::vector<float> m = RequantScales(g, n, out_c);
  S8Gemm s;
  s.fn = k.fn;
  s.packed = std::make_shared<const kernels::PackedGemmS8>(k.pack(g.tensors[n.inputs[1]].as<int8_t>(),
                                                                  OptionalBias(g, n), m.data(), out_c, depth,
                                                                  InQ(g, n).zero_point, k.tile));
  s.args.lda = depth;
  s.args.packed = s.packed.get();
  s.args.ldc = out_c;
  s.args.out = OutputRequant(g, n);
  return s;
}

// A part's activation table (the reference's, so exact by construction), applied in place; a
// part without one (its activation fused into the conv's clamp, or none) does nothing.
struct S8Table {
  kernels::LookupS8Fn fn = nullptr;
  std::shared_ptr<const ref::Int8Table> table;
  void Run(int64_t count, int8_t* x) const {
    if (table) fn(count, x, table->data(), x);
  }
  // Channels [c0, c1) of `pixels` pixels of `stride` channels.
  void Run(int64_t pixels, int32_t stride, int32_t c0, int32_t c1, int8_t* x) const {
    if (c0 == 0 && c1 == stride) return Run(pixels * stride, x);
    for (int64_t i = 0; i < pixels; ++i) Run(c1 - c0, x + i * stride + c0);
  }
};

// The table of `node` (CheckS8 found that it has one), or none when the part has no separate
// activation.
S8Table MakeTable(kernels::LookupS8Fn fn, const Graph& g, const std::optional<Node>& node) {
  S8Table t;
  if (!node) return t;
  auto table = std::make_shared<ref::Int8Table>();
  Int8UnaryTable(g, *node, table.get());
  t.fn = fn;
  t.table = std::move(table);
  return t;
}

// Expanded channels [c0, c1) of the block and its depthwise on them (packed for those channels,
// reading and writing them within whole pixels): one per task when pass A splits channels.
struct ChannelPart {
  int32_t c0 = 0, c1 = 0;
  kernels::DwConvS8Args depthwise;  // geo, zero (at c0), packed, out; input / output set per band
  std::shared_ptr<const kernels::PackedDwConvS8> packed;
};

struct FusedS8 {
  FusedMbconvS8Plan plan;
  S8Gemm expand, project, se_reduce, se_expand;
  S8Table expand_table, dw_table, se_reduce_table, se_gate_table;
  kernels::DwConvS8Fn dw = nullptr;
  kernels::DwConvS8Args depthwise;  // geo, zero, packed, out; input / output set per band
  std::shared_ptr<const kernels::PackedDwConvS8> dw_w;
  std::shared_ptr<const std::vector<int8_t>> zero;
  std::vector<ChannelPart> parts;  // plan.split_channels
  kernels::GlobalAvgPoolS8Fn pool_fn = nullptr;
  int32_t pool_zero_point = 0;
  float pool_m = 0;
  kernels::RequantS8 pool_out;
  kernels::MulChannelS8Fn mul = nullptr;
  kernels::BinaryS8Params mul_params;
  kernels::AddS8Fn add = nullptr;
  kernels::BinaryS8Params add_params;
  bool add_project_first = true;  // the Add's first operand is the project output
  const int8_t* input = nullptr;
  const int8_t* residual = nullptr;
  int8_t* output = nullptr;
  int8_t* scratch = nullptr;
  std::shared_ptr<kernels::ThreadPool> pool;

  // Scratch regions (FusedMbconvS8Plan).
  int8_t* Slot(size_t task) const { return scratch + static_cast<int64_t>(task) * plan.slot_bytes; }
  int8_t* DwBand(size_t task) const { return Slot(task) + plan.expanded_bytes; }
  int8_t* ProjectBand(size_t task) const { return DwBand(task) + plan.dw_band_bytes; }
  int8_t* Stored() const { return scratch + plan.slots * plan.slot_bytes; }
  int8_t* Vector(int64_t i) const { return Stored() + plan.stored_bytes + i * plan.vector_bytes; }
  int8_t* Pooled(int32_t n) const { return Vector(n); }
  int8_t* Gate(int32_t n) const { return Vector(plan.dw.batch + n); }
  int8_t* Hidden() const { return Vector(2 * int64_t{plan.dw.batch}); }

  // Calls f(n, r0, r1) for each band of task `task`: output rows [r0, r1) of image n. Tasks take
  // near-equal runs of the batch's output rows, cut into bands of at most band_rows within an image.
  template <typename Fn>
  void ForTaskBands(size_t task, const Fn& f) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t total = int64_t{g.batch} * g.out_h, t = static_cast<int64_t>(task);
    ForBandsOfRows(total * t / plan.slots, total * (t + 1) / plan.slots, g.out_h, plan.band_rows, f);
  }

  void operator()() const {
    auto for_tasks = [&](auto&& body) { pool->ParallelFor(static_cast<size_t>(plan.slots), body); };
    for_tasks([this](size_t task) { Bands(task); });
    if (!plan.se) {
      if (plan.split_channels)  // pass B: the project of the stored depthwise output, tasks splitting rows
        for_tasks([this](size_t task) {
          ForTaskBands(task, [&](int32_t n, int32_t r0, int32_t r1) {
            const ref::ConvGeometry& d = plan.dw;
            const int64_t out_row0 = int64_t{n} * d.out_h + r0;
            Project(task, Stored() + out_row0 * d.out_w * d.out_c, out_row0 * d.out_w, int64_t{r1 - r0} * d.out_w);
          });
        });
      return;
    }
    // Each image's pool, tasks splitting the channels (integer sums: the same for any split).
    const ref::ConvGeometry& g = plan.dw;
    const int32_t c = plan.expanded_c;
    const int32_t chunk = static_cast<int32_t>(CeilDiv(CeilDiv(c, plan.slots), 16) * 16);
    const int64_t pixels = int64_t{g.out_h} * g.out_w;
    for_tasks([&](size_t task) {
      const int32_t c0 = static_cast<int32_t>(task) * chunk, c1 = std::min(c, c0 + chunk);
      for (int32_t n = 0; n < g.batch && c0 < c1; ++n)
        pool_fn(pixels, c, Stored() + n * pixels * c, pool_zero_point, pool_m, pool_out, Pooled(n), c0, c1);
    });
    for (int32_t n = 0; n < g.batch; ++n) {
      se_reduce.Run(Pooled(n), 1, Hidden());
      se_reduce_table.Run(plan.se_c, Hidden());
      se_expand.Run(Hidden(), 1, Gate(n));
      se_gate_table.Run(c, Gate(n));
    }
    for_tasks([this](size_t task) {
      ForTaskBands(task, [&](int32_t n, int32_t r0, int32_t r1) {
        const ref::ConvGeometry& d = plan.dw;
        // Chunks of the band (FusedMbconvS8Plan::gate_chunk_pixels): the gated rows the project
        // reads stay near L1.
        const int64_t pixel0 = (int64_t{n} * d.out_h + r0) * d.out_w, pixels = int64_t{r1 - r0} * d.out_w;
        for (int64_t p0 = 0; p0 < pixels; p0 += plan.gate_chunk_pixels) {
          const int64_t np = std::min<int64_t>(plan.gate_chunk_pixels, pixels - p0);
          mul(np, d.out_c, Stored() + (pixel0 + p0) * d.out_c, Gate(n), DwBand(task), mul_params);
          Project(task, DwBand(task), pixel0 + p0, np);
        }
      });
    });
  }

  // Input rows [lo, hi] of a band of output rows [r0, r1) (clamped to the image).
  std::pair<int32_t, int32_t> BandInputRows(int32_t r0, int32_t r1) const {
    const ref::ConvGeometry& g = plan.dw;
    return {std::max(0, r0 * g.stride_h - g.pad_top),
            std::min(g.in_h - 1, (r1 - 1) * g.stride_h - g.pad_top + (g.kernel_h - 1) * g.dilation_h)};
  }

  // Pass A of `task`: its run of output rows, every expanded channel; or (split_channels) every
  // row, its part of the channels.
  void Bands(size_t task) const {
    if (!plan.split_channels) {
      const int64_t total = int64_t{plan.dw.batch} * plan.dw.out_h, t = static_cast<int64_t>(task);
      Bands(task, total * t / plan.slots, total * (t + 1) / plan.slots, 0, plan.expanded_c, depthwise);
    } else if (task < parts.size()) {
      const ChannelPart& part = parts[task];
      Bands(task, 0, int64_t{plan.dw.batch} * plan.dw.out_h, part.c0, part.c1, part.depthwise);
    }
  }

  // Expand (+ table) + depthwise (+ table) of output rows [first, end) of the batch and expanded
  // channels [c0, c1) (`proto` the depthwise on them), band by band in task's slot; then the
  // project, or (SE) the depthwise output stored for pass B.
  void Bands(size_t task, int64_t first, int64_t end, int32_t c0, int32_t c1,
             const kernels::DwConvS8Args& proto) const {
    const ref::ConvGeometry& g = plan.dw;
    int8_t* ebuf = Slot(task);
    const int64_t row_bytes = int64_t{g.in_w} * g.in_c;
    // Input rows kept_lo..kept_hi of `image` are expanded at the slot's start.
    int32_t image = -1, kept_lo = -1, kept_hi = -1;
    ForBandsOfRows(first, end, g.out_h, plan.band_rows, [&](int32_t n, int32_t r0, int32_t r1) {
      const int64_t out_row0 = int64_t{n} * g.out_h + r0, pixels = int64_t{r1 - r0} * g.out_w;
      const bool stored = plan.se || plan.split_channels;
      int8_t* dw_out = stored ? Stored() + out_row0 * g.out_w * g.out_c : DwBand(task);
      const std::pair<int32_t, int32_t> in_rows = BandInputRows(r0, r1);
      const int32_t lo = in_rows.first, hi = in_rows.second;
      // The depthwise over this band alone: rows lo..hi are its whole input.
      kernels::DwConvS8Args d = proto;
      d.geo.batch = 1;
      d.geo.in_h = hi - lo + 1;
      d.geo.out_h = r1 - r0;
      d.geo.pad_top = g.pad_top + lo - r0 * g.stride_h;
      d.output = dw_out + c0;
      if (plan.expand) {
        int32_t from = lo;
        if (n == image && kept_hi >= lo) {  // rows the previous band expanded slide to the start
          std::memmove(ebuf, ebuf + (lo - kept_lo) * row_bytes, static_cast<size_t>((kept_hi - lo + 1) * row_bytes));
          from = kept_hi + 1;
        }
        if (from <= hi) {
          int8_t* at = ebuf + (from - lo) * row_bytes;
          const int64_t pixels_in = int64_t{hi - from + 1} * g.in_w;
          expand.Run(input + (int64_t{n} * g.in_h + from) * g.in_w * plan.in_c, pixels_in, at, c0, c1);
          // The slot is this task's own: the table runs over whole rows (other channels' bytes
          // there are unused), one call instead of one per pixel.
          expand_table.Run(pixels_in * g.in_c, at);
        }
        image = n;
        kept_lo = lo;
        kept_hi = hi;
        d.input = ebuf + (d.pixel_pairs ? 2 * c0 : c0);  // a pair's channel c0 is 2 * c0 bytes on
      } else {
        d.input = input + (int64_t{n} * g.in_h + lo) * row_bytes + c0;
      }
      dw(d, 0, r1 - r0);
      dw_table.Run(pixels, g.out_c, c0, c1, dw_out);
      if (!stored) Project(task, dw_out, out_row0 * g.out_w, pixels);
    });
  }

  // The project of `pixels` pixels of `a` into the output from pixel pixel0 (+ the residual Add).
  void Project(size_t task, const int8_t* a, int64_t pixel0, int64_t pixels) const {
    const int64_t at = pixel0 * plan.out_c, count = pixels * plan.out_c;
    if (!residual) {
      project.Run(a, pixels, output + at);
      return;
    }
    int8_t* y = ProjectBand(task);
    project.Run(a, pixels, y);
    if (add_project_first) add(count, y, residual + at, output + at, add_params);
    else add(count, residual + at, y, output + at, add_params);
  }
};

const char* UseOf(const FusedMbconvS8Plan& p) {
  return p.se ? (p.expand ? "mbconv_se" : "dwsep_se") : (p.expand ? "mbconv" : "dwsep");
}

// What a fused INT8 step is built from; unset members when the level lacks a kernel.
struct S8Kernels {
  kernels::Kernel<KernelOp::kGemm, kS8> gemm;
  kernels::Kernel<KernelOp::kDwConv, kS8> dw;
  kernels::Kernel<KernelOp::kActivation, kS8> lookup;
  kernels::Kernel<KernelOp::kGlobalAvgPool, kS8> pool;
  kernels::Kernel<KernelOp::kMulChannel, kS8> mul;
  kernels::Kernel<KernelOp::kAdd, kS8> add;
  explicit S8Kernels(const NativeContext& ctx)
      : gemm(ctx.registry->Find<KernelOp::kGemm, kS8>(ctx.isa)),
        dw(ctx.registry->Find<KernelOp::kDwConv, kS8>(ctx.isa)),
        lookup(ctx.registry->Find<KernelOp::kActivation, kS8>(ctx.isa)),
        pool(ctx.registry->Find<KernelOp::kGlobalAvgPool, kS8>(ctx.isa)),
        mul(ctx.registry->Find<KernelOp::kMulChannel, kS8>(ctx.isa)),
        add(ctx.registry->Find<KernelOp::kAdd, kS8>(ctx.isa)) {}
};

// OK when the level's INT8 kernels run every part of INT8 fused node `n` (no packing: Prepare
// asks this of every block before it fuses), else what they cannot run.
absl::Status CheckS8(const S8Kernels& k, const Graph& g, const Node& n) {
  if (!IsFusedMbconvS8(n)) return absl::InvalidArgumentError("not an INT8 fused block");
  const F::Int8Parts& parts = *n.fused->int8;
  if (!k.gemm || !k.dw || (parts.se_mul && (!k.pool || !k.mul)) || (parts.add && !k.add))
    return absl::UnimplementedError("no INT8 kernels for a part of the block");
  const Shape& dws = g.tensors[parts.depthwise->inputs[1]].shape;  // [1, KH, KW, C]
  if (dws.size() != 4 || dws[1] * dws[2] > kernels::kMaxDwTaps || !HasInt8Weights(g, *parts.depthwise))
    return absl::UnimplementedError("a depthwise the INT8 kernels do not run");
  for (const std::optional<Node>* c : {&parts.expand, &parts.project, &parts.se_reduce, &parts.se_expand})
    if (*c && !HasInt8Weights(g, **c)) return absl::UnimplementedError("a 1x1 without INT8 weights");
  for (const std::optional<Node>* t :
       {&parts.expand_table, &parts.depthwise_table, &parts.se_reduce_table, &parts.se_gate_table}) {
    ref::Int8Table table;
    if (*t && (!k.lookup || !Int8UnaryTable(g, **t, &table)))
      return absl::UnimplementedError("an activation without an INT8 table");
  }
  return absl::OkStatus();
}

// The step for node `n` (plan, kernels, packed weights, tables; tensors are set by the caller),
// or an error naming what the level's INT8 kernels cannot run.
absl::StatusOr<FusedS8> BuildFusedS8(const NativeContext& ctx, const Graph& g, const Node& n) {
  const S8Kernels k(ctx);
  if (absl::Status st = CheckS8(k, g, n); !st.ok()) return st;
  const F::Int8Parts& parts = *n.fused->int8;
  FusedS8 s;
  s.plan = PlanFusedMbconvS8(g, n, ctx.pool->threads(), ctx.l2_bytes);
  const FusedMbconvS8Plan& plan = s.plan;
  s.expand_table = MakeTable(k.lookup.fn, g, parts.expand_table);
  s.dw_table = MakeTable(k.lookup.fn, g, parts.depthwise_table);
  s.se_reduce_table = MakeTable(k.lookup.fn, g, parts.se_reduce_table);
  s.se_gate_table = MakeTable(k.lookup.fn, g, parts.se_gate_table);
  const Node& dw = *parts.depthwise;
  if (plan.expand) s.expand = MakeS8Gemm(k.gemm, g, *parts.expand);
  s.project = MakeS8Gemm(k.gemm, g, *parts.project);
  // The depthwise, packed and padded as DepthwiseS8 does.
  const ref::QParams dw_x = InQ(g, dw);
  const std::vector<float> m = RequantScales(g, dw, plan.expanded_c);
  s.dw = k.dw.fn;
  s.dw_w = std::make_shared<const kernels::PackedDwConvS8>(k.dw.pack(g.tensors[dw.inputs[1]].as<int8_t>(),
                                                                     OptionalBias(g, dw), m.data(), plan.expanded_c,
                                                                     plan.dw.kernel_h * plan.dw.kernel_w,
                                                                     dw_x.zero_point, k.dw.tile));
  // The expand writes its band as unsigned bytes (y + 128) where its kernel does so at no cost and
  // the depthwise reads them so (its builder then skips a flip per tap load); not under a table,
  // which maps signed bytes. The padding taps' zero point is flipped with them.
  const bool unsigned_band = plan.expand && !s.expand_table.table &&
                             kernels::GemmS8WritesUnsigned(k.gemm.isa, s.expand.packed->k) &&
                             kernels::DwConvS8ReadsUnsigned(k.dw.isa);
  if (unsigned_band) s.expand.args.unsigned_out = true;
  // And as pixel pairs, which a paired 3x3 depthwise at stride 1 interleaves into quads of taps
  // with half the unpacks (even widths, channels a multiple of 16).
  const bool pair_band = unsigned_band && kernels::GemmS8WritesPixelPairs(k.gemm.isa, s.expand.packed->k) &&
                         kernels::DwConvS8ReadsPixelPairs(k.dw.isa, plan.dw);
  s.expand.args.pixel_pairs = pair_band;
  const uint8_t zero_byte = static_cast<uint8_t>(static_cast<uint8_t>(dw_x.zero_point) ^ (unsigned_band ? 0x80 : 0));
  s.zero = std::make_shared<const std::vector<int8_t>>(static_cast<size_t>(s.dw_w->padded),
                                                       static_cast<int8_t>(zero_byte));
  s.depthwise.unsigned_in = unsigned_band;
  s.depthwise.pixel_pairs = pair_band;
  s.depthwise.geo = plan.dw;
  s.depthwise.zero = s.zero->data();
  s.depthwise.packed = s.dw_w.get();
  s.depthwise.out = OutputRequant(g, dw);
  if (plan.split_channels) {
    // Parts on whole channel tiles of both kernels and of 64 bytes (a cache line).
    const int32_t unit = std::lcm(std::lcm(64, std::max(1, k.gemm.tile.nr)), std::max(1, k.dw.tile.channel_tile));
    const int32_t c = plan.expanded_c, taps = plan.dw.kernel_h * plan.dw.kernel_w;
    const int32_t chunk = static_cast<int32_t>(CeilDiv(CeilDiv(c, plan.slots), unit) * unit);
    const int8_t* w = g.tensors[dw.inputs[1]].as<int8_t>();
    const int32_t* bias = OptionalBias(g, dw);
    for (int32_t c0 = 0; c0 < c; c0 += chunk) {
      ChannelPart part;
      part.c0 = c0;
      part.c1 = std::min(c, c0 + chunk);
      const int32_t n = part.c1 - c0;
      std::vector<int8_t> part_w(static_cast<size_t>(taps) * n);
      for (int32_t t = 0; t < taps; ++t)
        std::copy_n(w + int64_t{t} * c + c0, n, part_w.begin() + int64_t{t} * n);
      part.packed = std::make_shared<const kernels::PackedDwConvS8>(
          k.dw.pack(part_w.data(), bias ? bias + c0 : nullptr, m.data() + c0, n, taps, dw_x.zero_point, k.dw.tile));
      part.depthwise = s.depthwise;
      part.depthwise.packed = part.packed.get();
      part.depthwise.zero = s.zero->data() + c0;
      s.parts.push_back(std::move(part));
    }
    if (s.parts.size() < 2) {  // one part: the row split
      s.parts.clear();
      s.plan.split_channels = false;
    }
  }
  if (plan.se) {
    s.se_reduce = MakeS8Gemm(k.gemm, g, *parts.se_reduce);
    s.se_expand = MakeS8Gemm(k.gemm, g, *parts.se_expand);
    // The pool's factor exactly as GlobalAvgPoolS8 (int8_steps.cc) and the reference take it.
    const Node& pl = *parts.se_pool;
    const Shape& xs = g.tensors[pl.inputs[0]].shape;
    const ref::QParams xq = InQ(g, pl), yq = OutQ(g, pl);
    s.pool_fn = k.pool.fn;
    s.pool_zero_point = xq.zero_point;
    s.pool_m = static_cast<float>(static_cast<double>(xq.scale) /
                                  (static_cast<double>(yq.scale) * xs[1] * static_cast<double>(xs[2])));
    s.pool_out = kernels::MakeRequantS8(yq, ref::Int8Bounds{});
    // Mul(x, gate) in either operand order: the factor a_scale * b_scale / y_scale and the
    // integer product do not depend on it.
    const Node& mul = *parts.se_mul;
    const int32_t x = (parts.depthwise_table ? *parts.depthwise_table : dw).outputs[0];
    const size_t xi = mul.inputs[0] == x ? 0 : 1;
    const ref::QParams mx = InQ(g, mul, xi), mg = InQ(g, mul, 1 - xi), my = OutQ(g, mul);
    s.mul = k.mul.fn;
    s.mul_params = {mx.zero_point, mg.zero_point, ref::BinaryFactors(ref::BinaryOp::kMul, mx, mg, my),
                    OutputRequant(g, mul)};
  }
  if (plan.residual) {
    const Node& a = *parts.add;
    const ref::QParams aq = InQ(g, a, 0), bq = InQ(g, a, 1);
    s.add = k.add.fn;
    s.add_params = {aq.zero_point, bq.zero_point, ref::BinaryFactors(ref::BinaryOp::kAdd, aq, bq, OutQ(g, a)),
                    OutputRequant(g, a)};
    s.add_project_first = a.inputs[0] == parts.project->outputs[0];
  }
  s.pool = ctx.pool;
  return s;
}

}  // namespace

bool IsFusedMbconvS8(const Node& n) {
  return n.type == OpType::kFusedMbconv && n.fused && n.fused->int8 && n.fused->int8->depthwise &&
         n.fused->int8->project;
}

FusedMbconvS8Plan PlanFusedMbconvS8(const Graph& g, const Node& n, int threads, int64_t l2) {
  FusedMbconvS8Plan p;
  // The block's shapes and depthwise geometry, read as the floating-point plan reads them (its
  // bands, slots and scratch do not apply here).
  const FusedMbconvPlan shapes = PlanFusedMbconv(g, n, 1, kernels::TileShape{1, 1, 1, 1}, l2, SeGate::kScale);
  p.dw = shapes.dw;
  p.in_c = shapes.in_c;
  p.expanded_c = shapes.expanded_c;
  p.out_c = shapes.out_c;
  p.se_c = shapes.se_c;
  p.expand = shapes.expand;
  p.se = shapes.se;
  p.residual = shapes.residual;
  const ref::ConvGeometry& d = p.dw;
  // Band height: the band's expanded rows and depthwise output within half of L2, from the
  // shapes and the cache only, never the thread count (tasks split rows, not bands). INT8 rows
  // are a quarter of FP32's, so bands are tall (whole images from 28x28 down at 1 MiB): each
  // band costs the INT8 depthwise kernel kernel_h - stride_h rows to start and the expand a slide
  // of the rows kept, which on EfficientNet-B0's 14x14 and 7x7 blocks made quarter-image bands
  // 8-20% slower than the unfused ops where whole-image bands were 1-3% faster (AMD EPYC Zen 4,
  // 1 MiB L2, 1 thread, `scalert bench --profile`).
  const int64_t in_row = int64_t{d.in_w} * d.in_c, out_row = int64_t{d.out_w} * d.out_c;
  auto band_bytes = [&](int32_t rows) { return (p.expand ? InRows(d, rows) * in_row : 0) + rows * out_row; };
  int32_t rows = d.out_h;
  while (rows > 1 && band_bytes(rows) > l2 / 2) --rows;
  p.band_rows = rows;
  p.band_in_rows = InRows(d, rows);
  p.slots = static_cast<int32_t>(std::max<int64_t>(1, std::min<int64_t>(threads, int64_t{d.batch} * d.out_h)));
  // Tasks splitting rows each expand the input rows their windows reach: where that repeats more
  // than a quarter of the expand, tasks split the expanded channels instead (7x7 with a 5x5
  // window at 2 threads expanded 11 rows for 7), storing the whole depthwise output (SE blocks
  // store it anyway; others then run the project in a pass B). Not for less: the tasks then
  // write parts of the same stored pixels (cache lines) and run the depthwise's table pixel by
  // pixel, which made EfficientNet-B0's 28x28 and 14x14 3x3 blocks (14% repeated) slower.
  if (p.expand && p.slots > 1) {
    const int64_t total = int64_t{d.batch} * d.out_h;
    int64_t expanded = 0;
    for (int64_t t = 0; t < p.slots; ++t)
      ForBandsOfRows(total * t / p.slots, total * (t + 1) / p.slots, d.out_h, d.out_h,
                     [&](int32_t, int32_t r0, int32_t r1) {
                       const int32_t lo = std::max(0, r0 * d.stride_h - d.pad_top);
                       const int32_t hi = std::min(d.in_h - 1, (r1 - 1) * d.stride_h - d.pad_top +
                                                                   (d.kernel_h - 1) * d.dilation_h);
                       expanded += hi - lo + 1;
                     });
    p.split_channels = expanded * 4 > int64_t{d.batch} * d.in_h * 5;
  }
  p.expanded_bytes = p.expand ? Region(p.band_in_rows * in_row) : 0;
  // SE: pass B gates and projects a band in chunks of about 32 KiB (at least 64 pixels, whole
  // 8-row tiles of the GEMM), so the gated rows the project reads stay near L1 (a whole band's,
  // up to 401 KiB on EfficientNet-B0's 112x112 block, went through L2 beside the stored output).
  // Measured on EfficientNet-B0 INT8, 1 thread (AMD EPYC Zen 4): 16 KiB chunks (32 pixels at
  // least) 1.4% faster than whole bands, 32 KiB about 1% faster again, 64 KiB no better; chunking
  // the expand GEMM the same way (its table on L1-hot rows) was 2.5% slower (calls too short).
  p.gate_chunk_pixels = std::max<int64_t>(64, 32768 / std::max(1, d.out_c) / 8 * 8);
  p.dw_band_bytes = Region(p.se ? std::min<int64_t>(rows * out_row, p.gate_chunk_pixels * d.out_c) : rows * out_row);
  p.project_band_bytes = p.residual ? Region(int64_t{rows} * d.out_w * p.out_c) : 0;
  p.slot_bytes = p.expanded_bytes + p.dw_band_bytes + p.project_band_bytes;
  if (p.se || p.split_channels) p.stored_bytes = Region(int64_t{d.batch} * d.out_h * out_row);
  if (p.se) {
    p.vector_bytes = Region(std::max(p.expanded_c, p.se_c));
    p.vectors_bytes = (2 * int64_t{d.batch} + 1) * p.vector_bytes;  // pooled and gate per image, one hidden
  }
  return p;
}

bool CanFuseS8(const NativeContext& ctx, const Graph& g, const Node& n) { return CheckS8(S8Kernels(ctx), g, n).ok(); }

int64_t FusedMbconvS8ScratchBytes(const NativeContext& ctx, const Graph& g, const Node& n) {
  return PlanFusedMbconvS8(g, n, ctx.pool->threads(), ctx.l2_bytes).scratch_bytes();
}

absl::StatusOr<PreparedStep> FusedMbconvS8Step(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p) {
  const Node& n = g.nodes[index];
  if (!p.scratch[index] || !p.ptr[n.inputs[F::kInput]])
    return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": no scratch or input for the fused block"));
  auto s = BuildFusedS8(ctx, g, n);
  if (!s.ok()) return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": ", s.status().message()));
  s->input = p.get<int8_t>(n.inputs[F::kInput]);
  s->residual = p.get<int8_t>(n.inputs[F::kResidual]);
  s->output = p.get<int8_t>(n.outputs[0]);
  s->scratch = reinterpret_cast<int8_t*>(p.scratch[index]);
  // Named by the level of its GEMM kernel, as the unfused INT8 steps are.
  const std::string label =
      absl::StrCat(UseOf(s->plan), "_s8_", kernels::IsaName(ctx.registry->Find<KernelOp::kGemm, kS8>(ctx.isa).isa));
  return PreparedStep{*std::move(s), label};
}

}  // namespace scalert::native
