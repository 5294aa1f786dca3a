#include "runtime/backends/native/fused_mbconv_step.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "kernels/aligned_buffer.h"
#include "runtime/fused_mbconv.h"
#include "runtime/weights.h"

namespace scalert::native {
namespace {

using kernels::KernelOp;
using F = FusedMbconv;

int64_t Align16(int64_t floats) { return (floats + 15) / 16 * 16; }

int32_t InRows(const ref::ConvGeometry& g, int32_t out_rows) {
  return std::min(g.in_h, (out_rows - 1) * g.stride_h + (g.kernel_h - 1) * g.dilation_h + 1);
}

// Everything one fused step needs at Invoke; set up once in FusedMbconvStep.
struct Fused {
  FusedMbconvPlan plan;
  kernels::GemmF32Fn gemm = nullptr;
  kernels::DwConvF32Fn dw = nullptr;
  kernels::MulChannelF32Fn mul_channel = nullptr;
  kernels::GlobalAvgPoolF32Fn row_mean = nullptr;
  kernels::GemmArgs expand, project, se_reduce, se_expand;  // a / c set per band
  kernels::DwConvArgs depthwise;                            // geo, packed, zero, act
  int32_t project_nr = 0, project_nr_min = 0;
  const float* input = nullptr;
  const float* residual = nullptr;
  float* output = nullptr;
  float* scratch = nullptr;
  std::shared_ptr<kernels::PackedGemm> expand_w, project_w, se_reduce_w, se_expand_w;
  std::shared_ptr<kernels::PackedDwConv> dw_w;
  std::shared_ptr<kernels::AlignedBuffer> zero;
  std::shared_ptr<kernels::ThreadPool> pool;
  // Per slot, band_in_rows pointers: where each input row of the current band sits in the ring.
  std::shared_ptr<std::vector<const float*>> row_tables;

  // Scratch regions (FusedMbconvPlan).
  float* Slot(size_t task) const { return scratch + static_cast<int64_t>(task) * plan.slot_floats; }
  float* Stored() const { return scratch + plan.slots * plan.slot_floats; }
  float* Vectors() const { return Stored() + plan.stored_floats; }
  float* Sums() const { return Vectors() + plan.vectors_floats; }
  // The folded weights take the row means' place: Gate has pooled them before it folds, and
  // the gate is folded for one image only.
  float* Folded() const { return Sums(); }

  // Calls f(n, r0, r1) for each band of task `task`: output rows [r0, r1) of image n. Tasks take
  // near-equal runs of output rows (a 112-row map on 2 threads: 56 each, where whole bands would
  // give one task a band more), each cut into bands of at most band_rows within an image. Every
  // row is computed the same way whichever band holds it (GEMM rows do not depend on the tile
  // that holds them, SE means are kept per row), so results do not depend on the thread count.
  // Maps one pixel wide would make 1-row GEMMs, whose rounding differs from the tiles': there
  // tasks take whole bands of the thread-independent grid instead.
  template <typename F>
  void ForTaskBands(size_t task, const F& f) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t slots = plan.slots, t = static_cast<int64_t>(task);
    if (g.out_w < 2 || g.in_w < 2) {
      const int64_t bands = int64_t{g.batch} * plan.bands_per_image, chunk = CeilDiv(bands, slots);
      for (int64_t b = t * chunk; b < std::min(bands, (t + 1) * chunk); ++b) {
        const int32_t n = static_cast<int32_t>(b / plan.bands_per_image);
        const int32_t r0 = static_cast<int32_t>(b % plan.bands_per_image) * plan.band_rows;
        f(n, r0, std::min(g.out_h, r0 + plan.band_rows));
      }
      return;
    }
    const int64_t total = int64_t{g.batch} * g.out_h, end = total * (t + 1) / slots;
    for (int64_t row = total * t / slots; row < end;) {
      const int32_t n = static_cast<int32_t>(row / g.out_h), r0 = static_cast<int32_t>(row % g.out_h);
      const int32_t r1 = static_cast<int32_t>(
          std::min<int64_t>({g.out_h, int64_t{r0} + plan.band_rows, end - int64_t{n} * g.out_h}));
      f(n, r0, r1);
      row = int64_t{n} * g.out_h + r1;
    }
  }

  void operator()() const {
    auto for_tasks = [&](auto&& body) { pool->ParallelFor(static_cast<size_t>(plan.slots), body); };
    if (!plan.se) {
      for_tasks([this](size_t task) { Bands(task, false); });
      return;
    }
    for_tasks([this](size_t task) { Bands(task, true); });
    for (int32_t n = 0; n < plan.dw.batch; ++n) Gate(n);
    for_tasks([this](size_t task) {
      ForTaskBands(task, [&](int32_t n, int32_t r0, int32_t r1) { ProjectGated(task, n, r0, r1); });
    });
  }

  // Expand + depthwise (+ project without SE) for the bands of `task`, in its slot.
  void Bands(size_t task, bool store) const {
    const ref::ConvGeometry& g = plan.dw;
    float* ebuf = Slot(task);
    float* dbuf = ebuf + plan.expanded_floats;
    const int64_t row_floats = static_cast<int64_t>(g.in_w) * g.in_c;
    // Expanded input rows live in a ring of band_in_rows rows: row iy at ring row iy % cap, so
    // the rows the previous band of this task expanded stay where they are (no copying). Maps
    // one pixel wide expand every band afresh instead: keeping rows there would leave 1-row
    // GEMMs, whose rounding differs from the tiles'.
    const int32_t cap = plan.band_in_rows;
    const bool keep = g.in_w >= 2;
    const float** rows = row_tables->data() + task * static_cast<size_t>(cap);
    int32_t image = -1, kept_hi = -1;  // input rows up to kept_hi of `image` are in the ring
    ForTaskBands(task, [&](int32_t n, int32_t r0, int32_t r1) {
      const int64_t out_row0 = static_cast<int64_t>(n) * g.out_h + r0;
      float* dw_out = store && !plan.recompute_dw ? Stored() + out_row0 * g.out_w * g.out_c : dbuf;
      kernels::DwConvArgs d = depthwise;
      d.output = dw_out;
      if (plan.expand) {
        const int32_t lo = std::max(0, r0 * g.stride_h - g.pad_top);
        const int32_t hi = std::min(g.in_h - 1, (r1 - 1) * g.stride_h - g.pad_top + (g.kernel_h - 1) * g.dilation_h);
        auto ring_row = [&](int32_t iy) { return keep ? iy % cap : iy - lo; };
        int32_t from = keep && n == image && kept_hi >= lo ? kept_hi + 1 : lo;
        while (from <= hi) {  // new rows, in runs that do not wrap around the ring
          const int32_t at = ring_row(from), run = std::min(hi - from + 1, cap - at);
          kernels::GemmArgs e = expand;
          e.a = input + ((static_cast<int64_t>(n) * g.in_h + from) * g.in_w) * expand.k;
          e.c = ebuf + at * row_floats;
          gemm(e, 0, static_cast<int64_t>(run) * g.in_w, 0, e.n);
          from += run;
        }
        image = n;
        kept_hi = hi;
        // The depthwise over the band alone: rows lo..hi are its whole input.
        for (int32_t iy = lo; iy <= hi; ++iy) rows[iy - lo] = ebuf + ring_row(iy) * row_floats;
        d.geo.batch = 1;
        d.geo.in_h = hi - lo + 1;
        d.geo.out_h = r1 - r0;
        d.geo.pad_top = g.pad_top + lo - r0 * g.stride_h;
        d.input = ebuf;
        d.input_rows = rows;
        this->dw(d, 0, r1 - r0);
      } else {
        DepthwiseOfInput(out_row0, r1 - r0, dw_out);
      }
      const int64_t pixels = static_cast<int64_t>(r1 - r0) * g.out_w;
      if (store) {  // each row's mean, taken while the band is in cache (the pool's share of the row)
        for (int32_t r = 0; r < r1 - r0; ++r)
          row_mean(g.out_w, g.out_c, dw_out + static_cast<int64_t>(r) * g.out_w * g.out_c,
                   Sums() + (out_row0 + r) * g.out_c, 0, g.out_c);
      } else {
        Project(dw_out, out_row0, pixels, project);
      }
    });
  }

  // Without an expand the depthwise reads the block input directly.
  void DepthwiseOfInput(int64_t out_row0, int32_t rows, float* out) const {
    kernels::DwConvArgs d = depthwise;
    d.input = input;
    d.output = out;
    d.output_row_origin = static_cast<int32_t>(out_row0);
    this->dw(d, static_cast<int32_t>(out_row0), static_cast<int32_t>(out_row0 + rows));
  }

  void Project(const float* a, int64_t out_row0, int64_t pixels, const kernels::GemmArgs& args) const {
    kernels::GemmArgs pr = args;
    pr.a = a;
    pr.c = output + out_row0 * plan.dw.out_w * plan.out_c;
    if (residual) pr.residual = residual + out_row0 * plan.dw.out_w * plan.out_c;
    gemm(pr, 0, pixels, 0, pr.n);
  }

  // The SE gate of image n from the row means (added in row order: the same bits for any split),
  // then folded into the project weights when the plan says so.
  void Gate(int32_t n) const {
    const int32_t c = plan.expanded_c;
    float* pooled = Vectors() + static_cast<int64_t>(n) * Align16(c);
    float* hidden = Vectors() + static_cast<int64_t>(plan.dw.batch) * Align16(c);
    float* gate = pooled;  // the pool is dead once fc1 has read it
    std::fill(pooled, pooled + c, 0.f);
    for (int32_t j = 0; j < plan.dw.out_h; ++j) {
      const float* s = Sums() + (static_cast<int64_t>(n) * plan.dw.out_h + j) * c;
      for (int32_t i = 0; i < c; ++i) pooled[i] += s[i];
    }
    const float inv = 1.f / static_cast<float>(plan.dw.out_h);
    for (int32_t i = 0; i < c; ++i) pooled[i] *= inv;
    kernels::GemmArgs r = se_reduce;
    r.a = pooled;
    r.c = hidden;
    gemm(r, 0, 1, 0, r.n);
    kernels::GemmArgs e = se_expand;
    e.a = hidden;
    e.c = gate;
    gemm(e, 0, 1, 0, e.n);
    if (!plan.fold_gate) return;
    // W' = W diag(g): row kk of every packed panel times g[kk].
    const int32_t k = project.k, nr = project_nr;
    const float* w = project.packed_b;
    float* folded = Folded();
    for (int32_t n0 = 0, width; n0 < project.n; n0 += width) {
      width = kernels::GemmPanelWidth(project.n, n0, nr, project_nr_min);
      const int64_t base = static_cast<int64_t>(n0) * k;
      for (int32_t kk = 0; kk < k; ++kk) {
        const float s = gate[kk];
        const float* src = w + base + static_cast<int64_t>(kk) * width;
        float* dst = folded + base + static_cast<int64_t>(kk) * width;
        for (int32_t j = 0; j < width; ++j) dst[j] = src[j] * s;
      }
    }
  }

  // Pass B: the project GEMM over rows [r0, r1) of image n of the stored depthwise output, or
  // of the depthwise recomputed from the input (no expand: cheaper than storing it).
  void ProjectGated(size_t task, int32_t n, int32_t r0, int32_t r1) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t out_row0 = static_cast<int64_t>(n) * g.out_h + r0;
    const int64_t pixels = static_cast<int64_t>(r1 - r0) * g.out_w;
    float* a = Stored() + out_row0 * g.out_w * g.out_c;
    if (plan.recompute_dw) {
      a = Slot(task) + plan.expanded_floats;
      DepthwiseOfInput(out_row0, r1 - r0, a);
    }
    kernels::GemmArgs pr = project;
    if (plan.fold_gate) {
      pr.packed_b = Folded();
    } else {
      const float* gate = Vectors() + static_cast<int64_t>(n) * Align16(g.out_c);
      mul_channel(pixels, g.out_c, a, gate, a, Activation::kNone);
    }
    Project(a, out_row0, pixels, pr);
  }
};

kernels::GemmArgs ArgsFor(const kernels::PackedGemm& w, Activation act) {
  kernels::GemmArgs a;
  a.lda = w.k;
  a.packed_b = w.b.data();
  a.bias = w.bias.data();
  a.ldc = w.n;
  a.k = w.k;
  a.n = w.n;
  a.act = act;
  return a;
}

}  // namespace

double FusedMbconvPlan::split_imbalance() const {
  const int64_t total = int64_t{dw.batch} * dw.out_h;
  if (dw.out_w >= 2 && dw.in_w >= 2) return static_cast<double>(CeilDiv(total, slots)) * slots / total;
  // One pixel wide: tasks take whole bands (Fused::ForTaskBands).
  const int64_t bands = int64_t{dw.batch} * bands_per_image, chunk = CeilDiv(bands, slots);
  int64_t busiest = 0;
  for (int64_t b0 = 0; b0 < bands; b0 += chunk) {
    int64_t rows = 0;
    for (int64_t b = b0; b < std::min(bands, b0 + chunk); ++b)
      rows += std::min<int64_t>(band_rows, dw.out_h - (b % bands_per_image) * band_rows);
    busiest = std::max(busiest, rows);
  }
  return static_cast<double>(busiest) * slots / total;
}

FusedMbconvPlan PlanFusedMbconv(const Graph& g, const Node& n, int threads, const kernels::TileShape& gemm_tile,
                                int64_t l2, SeGate gate) {
  FusedMbconvPlan p;
  const FusedMbconv& f = *n.fused;
  const Shape& xs = g.tensors[n.inputs[F::kInput]].shape;
  const Shape& ys = g.tensors[n.outputs[0]].shape;
  const Shape& dws = g.tensors[n.inputs[F::kDepthwiseWeights]].shape;  // [1, KH, KW, C]
  p.expand = n.inputs[F::kExpandWeights] >= 0;
  p.se = n.inputs[F::kSeReduceWeights] >= 0;
  p.residual = n.inputs[F::kResidual] >= 0;
  p.in_c = xs[3];
  p.expanded_c = dws[3];
  p.out_c = ys[3];
  p.se_c = p.se ? g.tensors[n.inputs[F::kSeReduceWeights]].shape[0] : 0;
  ref::ConvGeometry& d = p.dw;
  d.batch = xs[0];
  d.in_h = xs[1];
  d.in_w = xs[2];
  d.in_c = d.out_c = p.expanded_c;
  d.kernel_h = dws[1];
  d.kernel_w = dws[2];
  d.stride_h = f.depthwise.stride_h;
  d.stride_w = f.depthwise.stride_w;
  d.dilation_h = f.depthwise.dilation_h;
  d.dilation_w = f.depthwise.dilation_w;
  d.pad_top = f.depthwise.pad_top;
  d.pad_left = f.depthwise.pad_left;
  d.depth_multiplier = 1;
  d.out_h = ys[1];
  d.out_w = ys[2];
  // Band height: the band's expanded rows and depthwise output within an eighth of L2 (the
  // weights and the input rows take more; and each worker's band is arena memory), and at least four bands per image so two threads can
  // share even a 7x7 map: from the shapes and the cache only, never from the thread count.
  const int64_t in_row = static_cast<int64_t>(d.in_w) * d.in_c, out_row = static_cast<int64_t>(d.out_w) * d.out_c;
  auto band_floats = [&](int32_t rows) {
    return (p.expand ? InRows(d, rows) * in_row : 0) + (p.se && p.expand ? 0 : rows * out_row);
  };
  p.recompute_dw = p.se && !p.expand;
  int32_t rows = std::max<int32_t>(1, (d.out_h + 3) / 4);
  while (rows > 1 && 4 * band_floats(rows) > l2 / 8) --rows;
  p.band_rows = rows;
  p.bands_per_image = static_cast<int32_t>(CeilDiv(d.out_h, rows));
  p.band_in_rows = InRows(d, rows);
  p.slots = static_cast<int32_t>(std::max<int64_t>(1, std::min<int64_t>(threads, int64_t{d.batch} * p.bands_per_image)));
  p.expanded_floats = p.expand ? Align16(p.band_in_rows * in_row) : 0;
  p.dw_band_floats = p.se && p.expand ? 0 : Align16(rows * out_row);
  p.slot_floats = p.expanded_floats + p.dw_band_floats;
  if (p.se) {
    p.stored_floats = p.recompute_dw ? 0 : Align16(int64_t{d.batch} * d.out_h * out_row);
    p.sums_floats = Align16(int64_t{d.batch} * d.out_h * d.out_c);
    p.vectors_floats = (int64_t{d.batch} + 1) * Align16(std::max(d.out_c, p.se_c));
    // Folding the gate costs Cout x C multiplies per image, scaling the stored output
    // Ho x Wo x C: fold when the weights are the smaller (one image only: one folded copy).
    const int64_t padded_out = (p.out_c + gemm_tile.nr - 1) / gemm_tile.nr * gemm_tile.nr;
    p.fold_gate = gate == SeGate::kFold || (gate == SeGate::kAuto && padded_out < int64_t{d.out_h} * d.out_w);
    if (d.batch != 1) p.fold_gate = false;
    if (p.fold_gate) p.folded_floats = Align16(padded_out * p.expanded_c);
  }
  return p;
}

absl::StatusOr<PreparedStep> FusedMbconvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const FusedMbconv& f = *n.fused;
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  auto dw = ctx.registry->Find<KernelOp::kDwConv>(ctx.isa);
  auto mul = ctx.registry->Find<KernelOp::kMulChannel>(ctx.isa);
  auto pool = ctx.registry->Find<KernelOp::kGlobalAvgPool>(ctx.isa);
  if (!gemm || !dw || !mul || !pool || !p.scratch[index] || !p.get<float>(n.inputs[F::kInput]))
    return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": no kernels, scratch or input for the fused block"));
  Fused s;
  s.plan = PlanFusedMbconv(g, n, ctx.pool->threads(), gemm.tile, ctx.l2_bytes, ctx.se_gate);
  s.gemm = gemm.fn;
  s.dw = dw.fn;
  s.mul_channel = mul.fn;
  s.row_mean = pool.fn;
  if (s.plan.expand) {
    s.expand_w = PackGemmTensors(gemm, g, n.inputs[F::kExpandWeights], n.inputs[F::kExpandBias]);
    s.expand = ArgsFor(*s.expand_w, f.expand_act);
  }
  s.project_w = PackGemmTensors(gemm, g, n.inputs[F::kProjectWeights], n.inputs[F::kProjectBias]);
  s.project = ArgsFor(*s.project_w, f.project_act);
  s.project_nr = s.project_w->nr;
  s.project_nr_min = s.project_w->nr_min;
  if (s.plan.se) {
    s.se_reduce_w = PackGemmTensors(gemm, g, n.inputs[F::kSeReduceWeights], n.inputs[F::kSeReduceBias]);
    s.se_expand_w = PackGemmTensors(gemm, g, n.inputs[F::kSeExpandWeights], n.inputs[F::kSeExpandBias]);
    s.se_reduce = ArgsFor(*s.se_reduce_w, f.se_reduce_act);
    s.se_expand = ArgsFor(*s.se_expand_w, f.se_gate_act);
  }
  const ref::ConvGeometry& geo = s.plan.dw;
  const std::vector<float> dw_w = ConstantAsF32(g.tensors[n.inputs[F::kDepthwiseWeights]]);
  const std::vector<float> dw_b = n.inputs[F::kDepthwiseBias] >= 0
                                      ? ConstantAsF32(g.tensors[n.inputs[F::kDepthwiseBias]])
                                      : std::vector<float>();
  s.dw_w = std::make_shared<kernels::PackedDwConv>(dw.pack(dw_w.data(), dw_b.empty() ? nullptr : dw_b.data(),
                                                           geo.out_c, geo.kernel_h * geo.kernel_w, dw.tile));
  s.zero = std::make_shared<kernels::AlignedBuffer>(static_cast<size_t>(kernels::RoundUp(geo.in_c, dw.tile.channel_tile)));
  s.depthwise.geo = geo;
  s.depthwise.packed = s.dw_w->data.data();
  s.depthwise.zero = s.zero->data();
  s.depthwise.act = f.depthwise_act;
  s.input = p.get<float>(n.inputs[F::kInput]);
  s.residual = p.get<float>(n.inputs[F::kResidual]);
  s.output = p.get<float>(n.outputs[0]);
  s.scratch = reinterpret_cast<float*>(p.scratch[index]);
  if (s.residual) s.project.ldr = s.plan.out_c;
  s.pool = ctx.pool;
  s.row_tables = std::make_shared<std::vector<const float*>>(static_cast<size_t>(s.plan.slots) * s.plan.band_in_rows);
  const char* use = s.plan.se ? (s.plan.expand ? "mbconv_se" : "dwsep_se") : (s.plan.expand ? "mbconv" : "dwsep");
  return PreparedStep{std::move(s), KernelLabel(use, gemm.isa)};
}

}  // namespace scalert::native
