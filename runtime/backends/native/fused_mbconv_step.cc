#include "runtime/backends/native/fused_mbconv_step.h"

#include <algorithm>
#include <memory>
#include <vector>

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kernels/aligned_buffer.h"
#include "kernels/half_convert.h"
#include "kernels/kernel_types_half.h"
#include "runtime/backends/native/half_steps.h"
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

// The element, argument and kernel types of a block's activation dtype.
struct F32Types {
  using T = float;
  using GemmArgs = kernels::GemmArgs;
  using GemmFn = kernels::GemmF32Fn;
  using DwArgs = kernels::DwConvArgs;
  using DwFn = kernels::DwConvF32Fn;
};
struct HalfTypes {  // FP16 or BF16: the kernels found for the dtype say which
  using T = uint16_t;
  using GemmArgs = kernels::GemmHalfArgs;
  using GemmFn = kernels::GemmHalfFn;
  using DwArgs = kernels::DwConvHalfArgs;
  using DwFn = kernels::DwConvHalfFn;
};

// One of the block's GEMMs: its kernel (16-bit layers pick theirs by their weights' dtype, so
// the four may differ), arguments (a / c set per call) and packed weights.
template <class Types>
struct FusedGemm {
  typename Types::GemmFn fn = nullptr;
  typename Types::GemmArgs args;
  std::shared_ptr<kernels::PackedGemm> w;
  void Run(const typename Types::GemmArgs& a, int64_t rows) const { fn(a, 0, rows, 0, a.n); }
};

// Everything one fused step needs at Invoke; set up once in FusedMbconvStep.
template <class Types>
struct Fused {
  using T = typename Types::T;
  static constexpr bool kHalf = std::is_same_v<T, uint16_t>;
  FusedMbconvPlan plan;
  FusedGemm<Types> expand, project, se_reduce, se_expand;
  typename Types::DwFn dw = nullptr;
  typename Types::DwArgs depthwise;  // geo, packed, zero, act
  kernels::MulChannelF32Fn mul_channel = nullptr;  // FP32 SE
  kernels::GlobalAvgPoolF32Fn row_mean = nullptr;
  kernels::HalfConverters half;  // 16-bit SE: pool, gate widening, scale; FP32 rows: the edges
  int32_t project_nr = 0, project_nr_min = 0;
  const T* input = nullptr;
  const T* residual = nullptr;
  T* output = nullptr;
  T* scratch = nullptr;
  // A 16-bit block on FP32 rows (plan.f32_rows): its 16-bit tensors.
  const uint16_t* input16 = nullptr;
  const uint16_t* residual16 = nullptr;
  uint16_t* output16 = nullptr;
  std::shared_ptr<kernels::PackedDwConv> dw_w;
  std::shared_ptr<kernels::AlignedBuffer> zero;
  std::shared_ptr<kernels::ThreadPool> pool;
  // FP32: per slot, band_in_rows pointers: where each input row of the current band sits in the ring.
  std::shared_ptr<std::vector<const float*>> row_tables;
  // FP32: a later step's weights the project GEMMs touch into cache (weight_prefetch.h), cut
  // over the output rows so each band takes the same share whichever task runs it.
  std::shared_ptr<const WeightPrefetch> prefetch;
  int prefetch_slot = -1;

  // Scratch regions (FusedMbconvPlan), in elements of T.
  T* Slot(size_t task) const { return scratch + static_cast<int64_t>(task) * plan.slot_elems; }
  T* Stored() const { return scratch + plan.slots * plan.slot_elems; }
  // In place (FP32): the slot's copies of original input rows, halo_up rows kept above the
  // current band (row iy at iy % halo_up), then halo_down rows below the task's last row.
  T* HaloUp(size_t task) const { return Slot(task) + plan.expanded_elems + plan.dw_band_elems; }
  T* HaloDown(size_t task) const {
    return HaloUp(task) + static_cast<int64_t>(plan.halo_up) * plan.dw.in_w * plan.dw.in_c;
  }
  // FP32 rows: the slot's widened input rows, then its FP32 project output and residual.
  T* EdgeIn(size_t task) const { return Slot(task) + plan.expanded_elems + plan.dw_band_elems; }
  T* EdgeOut(size_t task) const { return EdgeIn(task) + plan.edge_in_elems; }
  T* EdgeResidual(size_t task) const { return EdgeOut(task) + plan.edge_out_elems; }
  T* Vectors() const { return Stored() + plan.stored_elems; }
  float* Sums() const { return reinterpret_cast<float*>(Vectors() + plan.vectors_elems); }
  // The folded weights take the row means' place: Gate has pooled them before it folds, and
  // the gate is folded for one image only.
  float* Folded() const { return Sums(); }
  // 16-bit SE vectors (Align16(max(C, S)) elements each): pooled and gate per image, one hidden,
  // then the gate widened to FP32 per image.
  int64_t VectorStride() const { return Align16(std::max(plan.expanded_c, plan.se_c)); }
  T* Pooled(int32_t n) const { return Vectors() + n * VectorStride(); }
  T* Hidden() const { return Vectors() + plan.dw.batch * VectorStride(); }
  T* Gate16(int32_t n) const { return Vectors() + (plan.dw.batch + 1 + n) * VectorStride(); }
  float* Gate32(int32_t n) const {
    return reinterpret_cast<float*>(Vectors() + (2 * plan.dw.batch + 1) * VectorStride()) + n * VectorStride();
  }

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
    const auto [first, end] = TaskRows(task);
    ForBandsOfRows(first, end, g.out_h, plan.band_rows, f);
  }

  void operator()() const {
    auto for_tasks = [&](auto&& body) { pool->ParallelFor(static_cast<size_t>(plan.slots), body); };
    if (!plan.se) {
      for_tasks([this](size_t task) { Bands(task, false); });
      return;
    }
    if constexpr (!kHalf) {
      // In place: every task copies the input rows next to its run before any task overwrites them.
      if (plan.in_place) for_tasks([this](size_t task) { SaveTaskHalo(task); });
    }
    for_tasks([this](size_t task) { Bands(task, true); });
    if constexpr (kHalf) {
      // The pool of each image's stored depthwise output, split by channels (each channel's
      // mean is the same whichever task takes it).
      const int32_t c = plan.expanded_c;
      const int32_t chunk = static_cast<int32_t>(CeilDiv(CeilDiv(c, plan.slots), 16) * 16);
      const int64_t pixels = int64_t{plan.dw.out_h} * plan.dw.out_w;
      for_tasks([&](size_t task) {
        const int32_t c0 = static_cast<int32_t>(task) * chunk, c1 = std::min(c, c0 + chunk);
        for (int32_t n = 0; n < plan.dw.batch && c0 < c1; ++n)
          half.global_avg_pool(pixels, c, Stored() + n * pixels * c, Pooled(n), c0, c1);
      });
    }
    for (int32_t n = 0; n < plan.dw.batch; ++n) Gate(n);
    if constexpr (!kHalf) {
      // Folding rescales the whole packed project weights: split by rows of k, or the other
      // threads wait on one (on 14x14 maps it took as long as a band of the project).
      if (plan.fold_gate)
        for_tasks([this](size_t task) {
          const int64_t k = project.args.k, slots = plan.slots, t = static_cast<int64_t>(task);
          FoldGate(static_cast<int32_t>(k * t / slots), static_cast<int32_t>(k * (t + 1) / slots));
        });
    }
    for_tasks([this](size_t task) {
      ForTaskBands(task, [&](int32_t n, int32_t r0, int32_t r1) { ProjectGated(task, n, r0, r1); });
    });
  }

  // Input rows [lo, hi] of a band of output rows [r0, r1) (clamped to the image).
  std::pair<int32_t, int32_t> BandInputRows(int32_t r0, int32_t r1) const {
    const ref::ConvGeometry& g = plan.dw;
    return {std::max(0, r0 * g.stride_h - g.pad_top),
            std::min(g.in_h - 1, (r1 - 1) * g.stride_h - g.pad_top + (g.kernel_h - 1) * g.dilation_h)};
  }

  // The depthwise over one band alone: input rows lo..hi are its whole input.
  typename Types::DwArgs BandDepthwise(int32_t lo, int32_t hi, int32_t r0, int32_t r1, T* out) const {
    typename Types::DwArgs d = depthwise;
    d.geo.batch = 1;
    d.geo.in_h = hi - lo + 1;
    d.geo.out_h = r1 - r0;
    d.geo.pad_top = plan.dw.pad_top + lo - r0 * plan.dw.stride_h;
    d.output = out;
    return d;
  }

  // Input rows [lo, hi] of image n as FP32: the block input, or (FP32 rows) widened into the slot.
  const T* InputRows(size_t task, int32_t n, int32_t lo, int32_t hi) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t at = (static_cast<int64_t>(n) * g.in_h + lo) * g.in_w * plan.in_c;
    if constexpr (!kHalf) {
      if (plan.f32_rows) {
        half.to_f32(int64_t{hi - lo + 1} * g.in_w * plan.in_c, input16 + at, EdgeIn(task));
        return EdgeIn(task);
      }
    }
    return input + at;
  }

  // Expands input rows [from, from + rows) of image n into `at`.
  void ExpandRows(size_t task, int32_t n, int32_t from, int32_t rows, T* at) const {
    const ref::ConvGeometry& g = plan.dw;
    typename Types::GemmArgs e = expand.args;
    e.a = InputRows(task, n, from, from + rows - 1);
    e.c = at;
    expand.Run(e, static_cast<int64_t>(rows) * g.in_w);
  }

  // FP32: the slot's table of band_in_rows row pointers, then room for a column chunk's.
  const float** RowTable(size_t task) const { return row_tables->data() + task * 2 * static_cast<size_t>(plan.band_in_rows); }

  // Expands `count` pixels of input row iy of image n from column x0 into `at`.
  void ExpandPixels(size_t task, int32_t n, int32_t iy, int32_t x0, int32_t count, T* at) const {
    const ref::ConvGeometry& g = plan.dw;
    typename Types::GemmArgs e = expand.args;
    const int64_t px = (static_cast<int64_t>(n) * g.in_h + iy) * g.in_w + x0;
    e.a = input + px * plan.in_c;
    if constexpr (!kHalf) {
      if (plan.f32_rows) {
        half.to_f32(int64_t{count} * plan.in_c, input16 + px * plan.in_c, EdgeIn(task));
        e.a = EdgeIn(task);
      }
    }
    e.c = at;
    expand.Run(e, count);
  }

  // An FP32 band with an expand in column chunks of plan.chunk_cols output columns: each chunk
  // expands the input columns it reads of the band's new rows (from..hi; rows lo..from-1 the
  // previous band kept) and runs the depthwise over them at once, while they are in L1. `rows`:
  // where input rows lo..hi sit in the ring `ebuf`.
  void ChunkedBand(size_t task, int32_t n, int32_t r0, int32_t r1, int32_t lo, int32_t hi, int32_t from, T* ebuf,
                   const float* const* rows, T* out) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t c = g.in_c;
    const float** chunk_rows = RowTable(task) + plan.band_in_rows;
    int32_t done = -1;  // input columns [0, done] of the new rows are expanded
    for (int32_t ox0 = 0; ox0 < g.out_w; ox0 += plan.chunk_cols) {
      const int32_t ox1 = std::min(g.out_w, ox0 + plan.chunk_cols);
      const int32_t x_lo = std::max(0, ox0 * g.stride_w - g.pad_left);
      const int32_t x_hi =
          std::min(g.in_w - 1, (ox1 - 1) * g.stride_w - g.pad_left + (g.kernel_w - 1) * g.dilation_w);
      int32_t e0 = std::max(x_lo, done + 1);
      if (e0 <= x_hi) {
        // One column alone would be a 1-row GEMM, which rounds differently: the column before
        // it is expanded again with it (the same values).
        if (e0 == x_hi && e0 > 0) --e0;
        for (int32_t iy = from; iy <= hi; ++iy)
          ExpandPixels(task, n, iy, e0, x_hi - e0 + 1, ebuf + (rows[iy - lo] - ebuf) + e0 * c);
        done = x_hi;
      }
      for (int32_t i = 0; i <= hi - lo; ++i) chunk_rows[i] = rows[i] + x_lo * c;
      kernels::DwConvArgs d = BandDepthwise(lo, hi, r0, r1, out + ox0 * c);
      d.geo.in_w = x_hi - x_lo + 1;
      d.geo.out_w = ox1 - ox0;
      d.geo.pad_left = g.pad_left - ox0 * g.stride_w + x_lo;
      d.input = chunk_rows[0];
      d.input_rows = chunk_rows;
      d.output_row_stride = int64_t{g.out_w} * c;
      dw(d, 0, r1 - r0);
    }
  }

  // Expand + depthwise (+ project without SE) for the bands of `task`, in its slot.
  void Bands(size_t task, bool store) const {
    const ref::ConvGeometry& g = plan.dw;
    T* ebuf = Slot(task);
    T* dbuf = ebuf + plan.expanded_elems;
    const int64_t row_elems = static_cast<int64_t>(g.in_w) * g.in_c;
    // Expanded rows the previous band of this task made are kept, not recomputed. Maps one
    // pixel wide expand every band afresh instead: keeping rows there would leave 1-row GEMMs,
    // whose rounding differs from the tiles'.
    const int32_t cap = plan.band_in_rows;
    const bool keep = g.in_w >= 2;
    int32_t image = -1, kept_lo = -1, kept_hi = -1;  // input rows kept_lo..kept_hi of `image` are in the slot
    ForTaskBands(task, [&](int32_t n, int32_t r0, int32_t r1) {
      const int64_t out_row0 = static_cast<int64_t>(n) * g.out_h + r0;
      T* dw_out = store && !plan.recompute_dw && !plan.in_place ? Stored() + out_row0 * g.out_w * g.out_c : dbuf;
      if (plan.expand) {
        // Named copies, not a structured binding: the ring_row lambda below captures lo, and C++17
        // does not allow capturing a structured binding (clang rejects it, GCC accepts it).
        const std::pair<int32_t, int32_t> in_rows = BandInputRows(r0, r1);
        const int32_t lo = in_rows.first, hi = in_rows.second;
        const bool kept = keep && n == image && kept_hi >= lo;
        if constexpr (kHalf) {
          // Rows lo..hi contiguous at the slot's start: the kept ones slide down, new ones follow.
          int32_t from = lo;
          if (kept) {
            std::memmove(ebuf, ebuf + (lo - kept_lo) * row_elems, (kept_hi - lo + 1) * row_elems * sizeof(T));
            from = kept_hi + 1;
          }
          if (from <= hi) ExpandRows(task, n, from, hi - from + 1, ebuf + (from - lo) * row_elems);
          typename Types::DwArgs d = BandDepthwise(lo, hi, r0, r1, dw_out);
          d.input = ebuf;
          dw(d, 0, r1 - r0);
        } else {
          // Row iy at ring row iy % cap, so the rows the previous band expanded stay where they
          // are (no copying).
          auto ring_row = [&](int32_t iy) { return keep ? iy % cap : iy - lo; };
          const float** rows = RowTable(task);
          for (int32_t iy = lo; iy <= hi; ++iy) rows[iy - lo] = ebuf + ring_row(iy) * row_elems;
          if (plan.chunk_cols > 0) {
            ChunkedBand(task, n, r0, r1, lo, hi, kept ? kept_hi + 1 : lo, ebuf, rows, dw_out);
          } else {
            for (int32_t from = kept ? kept_hi + 1 : lo; from <= hi;) {  // new rows, in runs that do not wrap
              const int32_t at = ring_row(from), run = std::min(hi - from + 1, cap - at);
              ExpandRows(task, n, from, run, ebuf + at * row_elems);
              from += run;
            }
            kernels::DwConvArgs d = BandDepthwise(lo, hi, r0, r1, dw_out);
            d.input = ebuf;
            d.input_rows = rows;
            dw(d, 0, r1 - r0);
          }
        }
        image = n;
        kept_lo = lo;
        kept_hi = hi;
      } else if constexpr (!kHalf) {
        if (plan.in_place) DepthwiseInPlace(task, n, r0, r1, dw_out);
        else DepthwiseOfInput(task, n, r0, r1, dw_out);
      } else {
        DepthwiseOfInput(task, n, r0, r1, dw_out);
      }
      const int64_t pixels = static_cast<int64_t>(r1 - r0) * g.out_w;
      if (!store) {
        Project(task, dw_out, out_row0, pixels, project.args);
      } else if constexpr (!kHalf) {  // each row's mean, taken while the band is in cache (the pool's share of the row)
        for (int32_t r = 0; r < r1 - r0; ++r)
          row_mean(g.out_w, g.out_c, dw_out + static_cast<int64_t>(r) * g.out_w * g.out_c,
                   Sums() + (out_row0 + r) * g.out_c, 0, g.out_c);
        if (plan.in_place) {
          // Rows [r0, r1) of the input take their depthwise output, once the original rows the
          // next band reads above it are kept.
          const int64_t row_elems = static_cast<int64_t>(g.in_w) * g.in_c;
          float* rows = const_cast<float*>(input) + (static_cast<int64_t>(n) * g.in_h + r0) * row_elems;
          for (int32_t iy = std::max(r0, r1 - plan.halo_up); iy < r1; ++iy)
            std::memcpy(HaloUp(task) + (iy % plan.halo_up) * row_elems, rows + (iy - r0) * row_elems,
                        row_elems * sizeof(float));
          std::memcpy(rows, dw_out, (r1 - r0) * row_elems * sizeof(float));
        }
      }
    });
  }

  // The run [first, end) of output rows, over batch x out_h, that task `task` takes (as
  // ForTaskBands cuts them on maps at least 2 wide).
  std::pair<int64_t, int64_t> TaskRows(size_t task) const {
    const int64_t total = int64_t{plan.dw.batch} * plan.dw.out_h, t = static_cast<int64_t>(task);
    return {total * t / plan.slots, total * (t + 1) / plan.slots};
  }

  // In place: the original input rows within the window's reach above the task's first row (into
  // the ring of rows above a band) and below its last row, before any task writes.
  void SaveTaskHalo(size_t task) const {
    const ref::ConvGeometry& g = plan.dw;
    const auto [first, end] = TaskRows(task);
    if (first >= end) return;
    const int64_t row_elems = static_cast<int64_t>(g.in_w) * g.in_c, bytes = row_elems * sizeof(float);
    const int64_t n0 = first / g.in_h, a = first % g.in_h, n1 = (end - 1) / g.in_h, b = (end - 1) % g.in_h + 1;
    for (int64_t iy = std::max<int64_t>(0, a - plan.halo_up); iy < a; ++iy)
      std::memcpy(HaloUp(task) + (iy % plan.halo_up) * row_elems, input + (n0 * g.in_h + iy) * row_elems, bytes);
    for (int64_t iy = b; iy < std::min<int64_t>(g.in_h, b + plan.halo_down); ++iy)
      std::memcpy(HaloDown(task) + (iy - b) * row_elems, input + (n1 * g.in_h + iy) * row_elems, bytes);
  }

  // In place: the depthwise of output rows [r0, r1) of image n into `out`, reading rows above r0
  // from the kept copies (this task has overwritten them, or the task before may have), rows at or
  // past the task's end from its saved copies (the next task may have), the rest from the input.
  void DepthwiseInPlace(size_t task, int32_t n, int32_t r0, int32_t r1, float* out) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t row_elems = static_cast<int64_t>(g.in_w) * g.in_c;
    const auto [first, end] = TaskRows(task);
    const bool last_image = (end - 1) / g.in_h == n;
    const int64_t b = (end - 1) % g.in_h + 1;
    const auto [lo, hi] = BandInputRows(r0, r1);
    const float** rows = RowTable(task);
    for (int32_t iy = lo; iy <= hi; ++iy) {
      if (iy < r0) rows[iy - lo] = HaloUp(task) + (iy % plan.halo_up) * row_elems;
      else if (last_image && iy >= b) rows[iy - lo] = HaloDown(task) + (iy - b) * row_elems;
      else rows[iy - lo] = input + (static_cast<int64_t>(n) * g.in_h + iy) * row_elems;
    }
    kernels::DwConvArgs d = BandDepthwise(lo, hi, r0, r1, out);
    d.input = rows[0];
    d.input_rows = rows;
    dw(d, 0, r1 - r0);
  }

  // Without an expand the depthwise reads the block input directly.
  // (16-bit rows, FP32 rows: over the band's input rows alone.)
  void DepthwiseOfInput(size_t task, int32_t n, int32_t r0, int32_t r1, T* out) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t out_row0 = static_cast<int64_t>(n) * g.out_h + r0;
    if constexpr (!kHalf) {
      if (!plan.f32_rows) {
        kernels::DwConvArgs d = depthwise;
        d.input = input;
        d.output = out;
        d.output_row_origin = static_cast<int32_t>(out_row0);
        dw(d, static_cast<int32_t>(out_row0), static_cast<int32_t>(out_row0 + r1 - r0));
        return;
      }
    }
    const auto [lo, hi] = BandInputRows(r0, r1);
    typename Types::DwArgs d = BandDepthwise(lo, hi, r0, r1, out);
    d.input = InputRows(task, n, lo, hi);
    dw(d, 0, r1 - r0);
  }

  void Project(size_t task, const T* a, int64_t out_row0, int64_t pixels, const typename Types::GemmArgs& args) const {
    typename Types::GemmArgs pr = args;
    pr.a = a;
    const int64_t at = out_row0 * plan.dw.out_w * plan.out_c, count = pixels * plan.out_c;
    if constexpr (!kHalf) {
      if (plan.f32_rows) {  // into the slot with the widened residual, then rounded once
        pr.c = EdgeOut(task);
        if (residual16) {
          half.to_f32(count, residual16 + at, EdgeResidual(task));
          pr.residual = EdgeResidual(task);
        }
        project.Run(pr, pixels);
        half.from_f32(count, EdgeOut(task), output16 + at);
        return;
      }
    }
    pr.c = output + at;
    if (residual) pr.residual = residual + at;
    if constexpr (!kHalf) {
      const WeightPrefetch::Range r = prefetch ? prefetch->range(prefetch_slot) : WeightPrefetch::Range{};
      if (r.data) {
        const int64_t rows = int64_t{plan.dw.batch} * plan.dw.out_h, row1 = out_row0 + pixels / plan.dw.out_w;
        const int64_t begin = r.bytes * out_row0 / rows / 64 * 64, end = r.bytes * row1 / rows / 64 * 64;
        pr.prefetch = r.data + begin;
        pr.prefetch_bytes = (row1 == rows ? r.bytes : end) - begin;
      }
    }
    project.Run(pr, pixels);
  }

  // The SE gate of image n: from the row means (added in row order: the same bits for any
  // split) then folded into the project weights when the plan says so (FP32); from the pooled
  // 16-bit vector through the 16-bit FCs, then widened (16-bit).
  void Gate(int32_t n) const {
    const int32_t c = plan.expanded_c;
    if constexpr (kHalf) {
      typename Types::GemmArgs r = se_reduce.args;
      r.a = Pooled(n);
      r.c = Hidden();
      se_reduce.Run(r, 1);
      typename Types::GemmArgs e = se_expand.args;
      e.a = Hidden();
      e.c = Gate16(n);
      se_expand.Run(e, 1);
      half.to_f32(c, Gate16(n), Gate32(n));
      return;
    } else {
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
      kernels::GemmArgs r = se_reduce.args;
      r.a = pooled;
      r.c = hidden;
      se_reduce.Run(r, 1);
      kernels::GemmArgs e = se_expand.args;
      e.a = hidden;
      e.c = gate;
      se_expand.Run(e, 1);
    }
  }

  // W' = W diag(g) for rows [k0, k1) of k: row kk of every packed panel times g[kk] (one image:
  // the gate is image 0's, in the pooled vector's place).
  void FoldGate(int32_t k0, int32_t k1) const {
    const int32_t k = project.args.k, nr = project_nr;
    const float* gate = reinterpret_cast<const float*>(Vectors());
    const float* w = project.args.packed_b;
    float* folded = Folded();
    for (int32_t n0 = 0, width; n0 < project.args.n; n0 += width) {
      width = kernels::GemmPanelWidth(project.args.n, n0, nr, project_nr_min);
      const int64_t base = static_cast<int64_t>(n0) * k;
      for (int32_t kk = k0; kk < k1; ++kk) {
        const float s = gate[kk];
        const float* src = w + base + static_cast<int64_t>(kk) * width;
        float* dst = folded + base + static_cast<int64_t>(kk) * width;
        for (int32_t j = 0; j < width; ++j) dst[j] = src[j] * s;
      }
    }
  }

  // Pass B: the project GEMM over rows [r0, r1) of image n of the stored depthwise output, or
  // of the depthwise recomputed from the input (FP32 without expand: cheaper than storing it).
  void ProjectGated(size_t task, int32_t n, int32_t r0, int32_t r1) const {
    const ref::ConvGeometry& g = plan.dw;
    const int64_t out_row0 = static_cast<int64_t>(n) * g.out_h + r0;
    const int64_t pixels = static_cast<int64_t>(r1 - r0) * g.out_w;
    T* a = Stored() + out_row0 * g.out_w * g.out_c;
    if (plan.in_place) a = const_cast<T*>(input) + out_row0 * g.out_w * g.out_c;  // pass A's output
    if (plan.recompute_dw) {
      a = Slot(task) + plan.expanded_elems;
      DepthwiseOfInput(task, n, r0, r1, a);
    }
    typename Types::GemmArgs pr = project.args;
    if constexpr (kHalf) {
      half.mul_channel(pixels, g.out_c, a, Gate32(n), a, Activation::kNone);
    } else if (plan.fold_gate) {
      pr.packed_b = Folded();
    } else {
      const float* gate = Vectors() + static_cast<int64_t>(n) * Align16(g.out_c);
      mul_channel(pixels, g.out_c, a, gate, a, Activation::kNone);
    }
    Project(task, a, out_row0, pixels, pr);
  }
};

template <class Args>
Args ArgsFor(const kernels::PackedGemm& w, Activation act) {
  Args a;
  a.lda = w.k;
  a.packed_b = w.b.data();
  a.bias = w.bias.data();
  a.ldc = w.n;
  a.k = w.k;
  a.n = w.n;
  a.act = act;
  return a;
}

// A GEMM of the block: weights `weights` (+ bias, -1: none) packed for kernel `k`.
template <class Types, class Kernel>
FusedGemm<Types> MakeGemm(const Kernel& k, const Graph& g, int32_t weights, int32_t bias, Activation act) {
  const Shape& ws = g.tensors[weights].shape;
  const std::vector<float> w = ConstantAsF32(g.tensors[weights]);
  const std::vector<float> b = bias >= 0 ? ConstantAsF32(g.tensors[bias]) : std::vector<float>();
  FusedGemm<Types> f;
  f.fn = k.fn;
  f.w = std::make_shared<kernels::PackedGemm>(k.pack(w.data(), b.empty() ? nullptr : b.data(), ws[0], ws.back(), k.tile));
  f.args = ArgsFor<typename Types::GemmArgs>(*f.w, act);
  return f;
}

// True when tensor `t` is an activation only one input of one node reads (so that node may
// overwrite it): not a graph input or output.
bool ReadOnlyByThisBlock(const Graph& g, int32_t t) {
  if (std::count(g.inputs.begin(), g.inputs.end(), t) || std::count(g.outputs.begin(), g.outputs.end(), t))
    return false;
  int64_t reads = 0;
  for (const Node& node : g.nodes) reads += std::count(node.inputs.begin(), node.inputs.end(), t);
  return reads == 1;
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

namespace {

// Column chunks (FP32 rows with an expand): where a band's expanded rows and depthwise output
// pass L1d, the depthwise reads the rows the expand has just written back from L2 (MobileNetV2's
// 112-wide 96-channel rows are 43 KB each against a 48 KB L1d). A chunk of output columns expands
// only the input columns it reads and runs the depthwise on them at once; chunks are multiples
// of 7 columns (the depthwise's pixel block), the widest whose expanded columns and output fit in
// L1d, and only where each new input row of a chunk still makes two full register tiles of the
// expand (`mr` rows each): MobileNetV2's 112-wide stride-2 block, 14 columns (0.52 -> 0.48 ms
// on a Sapphire-Rapids Xeon); its 56-wide stride-1 one would take 14 and ran 3% slower (one new
// row of 14 pixels per band). `forced` > 0: that width wherever chunks can run.
int32_t ChunkCols(const FusedMbconvPlan& p, int64_t l1, int32_t mr, int32_t forced) {
  const ref::ConvGeometry& d = p.dw;
  constexpr int32_t kBlock = 7;
  if (!p.expand || p.elem_bytes != 4 || d.in_w < 2) return 0;
  // Every output column's window must reach into the image (so every chunk has input columns).
  if (d.pad_left > (d.kernel_w - 1) * d.dilation_w || (d.out_w - 1) * d.stride_w - d.pad_left >= d.in_w) return 0;
  if (forced > 0) return forced < d.out_w ? forced : 0;
  if (l1 <= 0 || d.out_w < 4 * kBlock) return 0;
  auto bytes = [&](int32_t cols) {
    const int64_t in_cols = std::min(d.in_w, (cols - 1) * d.stride_w + (d.kernel_w - 1) * d.dilation_w + 1);
    return int64_t{p.elem_bytes} * d.in_c * (p.band_in_rows * in_cols + int64_t{p.band_rows} * cols);
  };
  if (bytes(d.out_w) <= l1 || bytes(kBlock) > l1) return 0;
  int32_t cols = kBlock;
  while (cols + kBlock < d.out_w && bytes(cols + kBlock) <= l1) cols += kBlock;
  return cols * d.stride_w >= 2 * mr ? cols : 0;
}

}  // namespace

FusedMbconvPlan PlanFusedMbconv(const Graph& g, const Node& n, int threads, const kernels::TileShape& gemm_tile,
                                int64_t l2, SeGate gate, bool f32_rows, int64_t l1, int32_t chunk_cols) {
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
  // 16-bit blocks keep their rows in 16 bits and always store an SE block's depthwise output
  // (no recompute: the 16-bit depthwise kernels cannot write a band at a row origin).
  const DType dtype = g.tensors[n.inputs[F::kInput]].dtype;
  p.f32_rows = f32_rows && (dtype == DType::kF16 || dtype == DType::kBF16);
  const bool half = (dtype == DType::kF16 || dtype == DType::kBF16) && !p.f32_rows;
  p.elem_bytes = half ? 2 : 4;
  p.recompute_dw = p.se && !p.expand && !half;
  if (p.recompute_dw && !p.f32_rows && d.stride_h == 1 && d.stride_w == 1 && d.dilation_h == 1 &&
      d.dilation_w == 1 && d.out_h == d.in_h && d.out_w == d.in_w && d.out_w >= 2 &&
      ReadOnlyByThisBlock(g, n.inputs[F::kInput])) {
    p.in_place = true;
    p.recompute_dw = false;
    p.halo_up = d.pad_top;
    p.halo_down = d.kernel_h - 1 - d.pad_top;
  }
  const bool stores = p.se && !p.recompute_dw && !p.in_place;  // pass A keeps the whole depthwise output
  // Band height: the band's expanded rows and depthwise output within an eighth of L2 (the
  // weights and the input rows take more; and each worker's band is arena memory), and at least
  // four bands per image so two threads can share even a 7x7 map: from the shapes and the cache
  // only, never from the thread count. Caches beyond 1 MiB of L2 do not make bands taller: on a
  // 2 MiB-L2 Xeon, bands sized for 2 MiB ran no faster than for 1 MiB (EfficientNet-B0 and
  // MobileNetV2, 1 and 2 threads, within 1%) and took twice the arena memory per worker.
  const int64_t band_budget = std::min<int64_t>(l2, kBandL2Cap) / 8;
  const int64_t in_row = static_cast<int64_t>(d.in_w) * d.in_c, out_row = static_cast<int64_t>(d.out_w) * d.out_c;
  auto band_elems = [&](int32_t rows) {
    return (p.expand ? InRows(d, rows) * in_row : 0) + (stores ? 0 : rows * out_row);
  };
  int32_t rows = std::max<int32_t>(1, (d.out_h + 3) / 4);
  while (rows > 1 && p.elem_bytes * band_elems(rows) > band_budget) --rows;
  // In place, the block is at its memory peak (input and output whole): short bands keep each
  // slot small, and 4 rows are still two row pairs of the depthwise per band.
  if (p.in_place) rows = std::min(rows, 4);
  // A 16-bit block whose GEMMs run on AMX tiles (32 rows: two 16-row A tiles a block) takes the
  // whole map as one band where its expanded rows and depthwise output fit in half of L2: short
  // bands made 14- and 21-row GEMMs there, each filling one A tile of TMUL and streaming all the
  // weights from L2 again (MobileNetV2's 7x7 expand: 300 KB per band). Measured on a
  // Sapphire-Rapids Xeon (2 MiB L2, 1 thread, --profile): MobileNetV2 BF16's 7x7 and 14x14
  // blocks 8-20% faster each (features.17: 0.083 -> 0.070 ms), the model 0.94x; taller bands cut
  // to fit L2 on the larger maps gained nothing measurable. Not SE blocks: EfficientNet-B0 BF16
  // with whole-map bands in its 28x28 and 14x14 SE blocks ran 1.05x on 2 threads (0.99x on 1).
  // Tasks still split the rows (slots below), so 2 threads share a 7x7 map.
  bool whole_map = false;
  if (half && gemm_tile.mr >= 32 && d.out_w >= 2 && d.in_w >= 2 && rows < d.out_h && !p.se &&
      p.elem_bytes * band_elems(d.out_h) <= std::min<int64_t>(l2, kBandL2Cap) / 2) {
    rows = d.out_h;
    whole_map = true;
  }
  p.band_rows = rows;
  p.bands_per_image = static_cast<int32_t>(CeilDiv(d.out_h, rows));
  p.band_in_rows = InRows(d, rows);
  p.chunk_cols = ChunkCols(p, l1, gemm_tile.mr, chunk_cols);
  p.slots = static_cast<int32_t>(std::max<int64_t>(
      1, std::min<int64_t>(threads, int64_t{d.batch} * (whole_map ? d.out_h : p.bands_per_image))));
  p.expanded_elems = p.expand ? Align16(p.band_in_rows * in_row) : 0;
  p.dw_band_elems = stores ? 0 : Align16(rows * out_row);
  p.halo_elems = p.in_place ? Align16((int64_t{p.halo_up} + p.halo_down) * in_row) : 0;
  p.slot_elems = p.expanded_elems + p.dw_band_elems + p.halo_elems;
  if (p.f32_rows) {  // the widened input rows of a band (expand or depthwise input), project output and residual
    p.edge_in_elems = Align16(int64_t{p.band_in_rows} * d.in_w * p.in_c);
    p.edge_out_elems = Align16(int64_t{rows} * d.out_w * p.out_c);
    p.slot_elems += p.edge_in_elems + 2 * p.edge_out_elems;
  }
  if (p.se && half) {
    p.stored_elems = Align16(int64_t{d.batch} * d.out_h * out_row);
    // Pooled and gate per image, hidden, and the FP32 gate per image (two elements a float).
    p.vectors_elems = (4 * int64_t{d.batch} + 1) * Align16(std::max(d.out_c, p.se_c));
  } else if (p.se) {
    p.stored_elems = stores ? Align16(int64_t{d.batch} * d.out_h * out_row) : 0;
    p.sums_elems = Align16(int64_t{d.batch} * d.out_h * d.out_c);
    p.vectors_elems = (int64_t{d.batch} + 1) * Align16(std::max(d.out_c, p.se_c));
    // Folding the gate costs Cout x C multiplies per image, scaling the stored output
    // Ho x Wo x C: fold when the weights are the smaller (one image only: one folded copy).
    const int64_t padded_out = (p.out_c + gemm_tile.nr - 1) / gemm_tile.nr * gemm_tile.nr;
    p.fold_gate = gate == SeGate::kFold || (gate == SeGate::kAuto && padded_out < int64_t{d.out_h} * d.out_w);
    if (d.batch != 1) p.fold_gate = false;
    if (p.fold_gate) p.folded_elems = Align16(padded_out * p.expanded_c);
  }
  return p;
}

namespace {

const char* UseOf(const FusedMbconvPlan& p) {
  return p.se ? (p.expand ? "mbconv_se" : "dwsep_se") : (p.expand ? "mbconv" : "dwsep");
}

// What both dtypes set alike: plan, depthwise weights and zeros, tensors, pool.
template <class Types, class DwKernel>
void SetCommon(const NativeContext& ctx, const Graph& g, size_t index, const TensorPointers& p, const DwKernel& dw,
               Fused<Types>* s) {
  const Node& n = g.nodes[index];
  using T = typename Types::T;
  const FusedMbconv& f = *n.fused;
  const ref::ConvGeometry& geo = s->plan.dw;
  const std::vector<float> dw_w = ConstantAsF32(g.tensors[n.inputs[F::kDepthwiseWeights]]);
  const std::vector<float> dw_b = n.inputs[F::kDepthwiseBias] >= 0
                                      ? ConstantAsF32(g.tensors[n.inputs[F::kDepthwiseBias]])
                                      : std::vector<float>();
  s->dw = dw.fn;
  s->dw_w = std::make_shared<kernels::PackedDwConv>(dw.pack(dw_w.data(), dw_b.empty() ? nullptr : dw_b.data(),
                                                            geo.out_c, geo.kernel_h * geo.kernel_w, dw.tile));
  // Zeros for padding taps (16-bit ones need half as many floats).
  s->zero = std::make_shared<kernels::AlignedBuffer>(static_cast<size_t>(kernels::RoundUp(geo.in_c, dw.tile.channel_tile)));
  s->depthwise.geo = geo;
  s->depthwise.packed = s->dw_w->data.data();
  s->depthwise.zero = reinterpret_cast<const T*>(s->zero->data());
  s->depthwise.act = f.depthwise_act;
  if (s->plan.f32_rows) {
    s->input16 = p.get<uint16_t>(n.inputs[F::kInput]);
    s->residual16 = p.get<uint16_t>(n.inputs[F::kResidual]);
    s->output16 = p.get<uint16_t>(n.outputs[0]);
  } else {
    s->input = p.get<T>(n.inputs[F::kInput]);
    s->residual = p.get<T>(n.inputs[F::kResidual]);
    s->output = p.get<T>(n.outputs[0]);
  }
  s->scratch = reinterpret_cast<T*>(p.scratch[index]);
  if (n.inputs[F::kResidual] >= 0) s->project.args.ldr = s->plan.out_c;
  s->pool = ctx.pool;
}

// An FP32 block, or (`edges` set) a 16-bit block on FP32 rows with those converters at its edges.
absl::StatusOr<PreparedStep> FusedF32Step(const NativeContext& ctx, const Graph& g, size_t index,
                                          const TensorPointers& p, const kernels::HalfConverters* edges = nullptr) {
  const Node& n = g.nodes[index];
  const FusedMbconv& f = *n.fused;
  auto gemm = ctx.registry->Find<KernelOp::kGemm>(ctx.isa);
  auto dw = ctx.registry->Find<KernelOp::kDwConv>(ctx.isa);
  auto mul = ctx.registry->Find<KernelOp::kMulChannel>(ctx.isa);
  auto pool = ctx.registry->Find<KernelOp::kGlobalAvgPool>(ctx.isa);
  if (!gemm || !dw || !mul || !pool)
    return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": no FP32 kernels for the fused block"));
  Fused<F32Types> s;
  s.plan = PlanFusedMbconv(g, n, ctx.pool->threads(), gemm.tile, ctx.l2_bytes, ctx.se_gate, edges != nullptr,
                           ctx.l1_bytes, ctx.chunk_cols);
  if (edges) s.half = *edges;
  s.mul_channel = mul.fn;
  s.row_mean = pool.fn;
  if (s.plan.expand)
    s.expand = MakeGemm<F32Types>(gemm, g, n.inputs[F::kExpandWeights], n.inputs[F::kExpandBias], f.expand_act);
  s.project = MakeGemm<F32Types>(gemm, g, n.inputs[F::kProjectWeights], n.inputs[F::kProjectBias], f.project_act);
  s.project_nr = s.project.w->nr;
  s.project_nr_min = s.project.w->nr_min;
  if (s.plan.se) {
    s.se_reduce =
        MakeGemm<F32Types>(gemm, g, n.inputs[F::kSeReduceWeights], n.inputs[F::kSeReduceBias], f.se_reduce_act);
    s.se_expand = MakeGemm<F32Types>(gemm, g, n.inputs[F::kSeExpandWeights], n.inputs[F::kSeExpandBias], f.se_gate_act);
  }
  SetCommon(ctx, g, index, p, dw, &s);
  s.row_tables = std::make_shared<std::vector<const float*>>(2 * static_cast<size_t>(s.plan.slots) * s.plan.band_in_rows);
  if (ctx.prefetch && !edges) {
    s.prefetch_slot = ctx.prefetch->AddHost(int64_t{s.plan.dw.batch} * s.plan.dw.out_h * s.plan.dw.out_w,
                                            s.project.args.k, s.project.args.n, gemm.tile.mr, s.project_nr);
    s.prefetch = ctx.prefetch;
  }
  // FP32 rows of a 16-bit block: named as the 16-bit storage kernels (<format>s_f32acc).
  const std::string label =
      edges ? absl::StrCat(UseOf(s.plan), "_", DTypeName(g.tensors[n.inputs[F::kInput]].dtype), "s_f32acc_",
                           kernels::IsaName(gemm.isa))
            : KernelLabel(UseOf(s.plan), gemm.isa);
  return PreparedStep{std::move(s), label};
}

// True when every GEMM of 16-bit block `n` would run a storage kernel (FP32 arithmetic on FP32
// weights, PackGemmWeights): then the FP32 kernels compute the same products on FP32 rows.
template <kernels::KernelDType dt>
bool FusedRowsAreF32(const NativeContext& ctx, const Graph& g, const Node& n) {
  for (int32_t w : {n.inputs[F::kExpandWeights], n.inputs[F::kProjectWeights], n.inputs[F::kSeReduceWeights],
                    n.inputs[F::kSeExpandWeights]}) {
    if (w < 0) continue;
    const auto k = FindHalfGemm<dt>(ctx, g, w);
    if (!k || k.pack != &kernels::PackGemmWeights) return false;
  }
  return true;
}

// An FP16 or BF16 block: on FP32 rows where the level's 16-bit GEMMs are storage kernels, else
// each GEMM on the 16-bit kernel its weights select (as unfused).
template <kernels::KernelDType dt>
absl::StatusOr<PreparedStep> FusedHalfStep(const NativeContext& ctx, const Graph& g, size_t index,
                                           const TensorPointers& p) {
  const Node& n = g.nodes[index];
  const FusedMbconv& f = *n.fused;
  Fused<HalfTypes> s;
  auto project = FindHalfGemm<dt>(ctx, g, n.inputs[F::kProjectWeights]);
  auto dw = FindHalfDwConv<dt>(ctx, g, n.inputs[F::kDepthwiseWeights]);
  s.half = kernels::FindHalfConverters(dt, ctx.isa);
  bool found = project && dw && s.half.to_f32 && s.half.from_f32 && s.half.mul_channel && s.half.global_avg_pool;
  for (int32_t w : {n.inputs[F::kExpandWeights], n.inputs[F::kSeReduceWeights], n.inputs[F::kSeExpandWeights]})
    found = found && (w < 0 || FindHalfGemm<dt>(ctx, g, w));
  if (!found)
    return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": no ", kernels::KernelDTypeName(dt),
                                            " kernels for the fused block"));
  if (FusedRowsAreF32<dt>(ctx, g, n)) return FusedF32Step(ctx, g, index, p, &s.half);
  auto gemm = [&](int32_t w, int32_t b, Activation act) {
    return MakeGemm<HalfTypes>(FindHalfGemm<dt>(ctx, g, w), g, w, b, act);
  };
  s.plan = PlanFusedMbconv(g, n, ctx.pool->threads(), project.tile, ctx.l2_bytes, ctx.se_gate);
  if (s.plan.expand) s.expand = gemm(n.inputs[F::kExpandWeights], n.inputs[F::kExpandBias], f.expand_act);
  s.project = gemm(n.inputs[F::kProjectWeights], n.inputs[F::kProjectBias], f.project_act);
  if (s.plan.se) {
    s.se_reduce = gemm(n.inputs[F::kSeReduceWeights], n.inputs[F::kSeReduceBias], f.se_reduce_act);
    s.se_expand = gemm(n.inputs[F::kSeExpandWeights], n.inputs[F::kSeExpandBias], f.se_gate_act);
  }
  SetCommon(ctx, g, index, p, dw, &s);
  const std::string label =
      absl::StrCat(UseOf(s.plan), "_", kernels::KernelDTypeName(dt), "_", kernels::IsaName(project.isa));
  return PreparedStep{std::move(s), label};
}

// A 16-bit block's scratch, planned with the tile its step plans with: the FP32 GEMM's on FP32
// rows (FusedF32Step), else its project kernel's (FusedHalfStep).
template <kernels::KernelDType dt>
int64_t FusedHalfScratchBytes(const NativeContext& ctx, const Graph& g, const Node& n) {
  const bool f32_rows = FusedRowsAreF32<dt>(ctx, g, n);
  kernels::TileShape tile = ctx.registry->Find<KernelOp::kGemm>(ctx.isa).tile;
  if (!f32_rows) {
    if (const auto project = FindHalfGemm<dt>(ctx, g, n.inputs[F::kProjectWeights])) tile = project.tile;
  }
  return PlanFusedMbconv(g, n, ctx.pool->threads(), tile, ctx.l2_bytes, ctx.se_gate, f32_rows).scratch_bytes();
}

}  // namespace

int64_t FusedMbconvScratchBytes(const NativeContext& ctx, const Graph& g, const Node& n) {
  switch (g.tensors[n.inputs[F::kInput]].dtype) {
    case DType::kF16: return FusedHalfScratchBytes<kernels::KernelDType::kF16>(ctx, g, n);
    case DType::kBF16: return FusedHalfScratchBytes<kernels::KernelDType::kBF16>(ctx, g, n);
    default:
      return PlanFusedMbconv(g, n, ctx.pool->threads(), ctx.registry->Find<KernelOp::kGemm>(ctx.isa).tile,
                             ctx.l2_bytes, ctx.se_gate)
          .scratch_bytes();
  }
}

bool FusedRoundsAsOps(const NativeContext& ctx, const Graph& g, const Node& n) {
  if (n.inputs[F::kSeReduceWeights] >= 0) return false;  // the gate from per-row means, folded (FP32)
  switch (g.tensors[n.inputs[F::kInput]].dtype) {
    case DType::kF32: return true;
    // The residual is added before the output's one rounding; FP32 rows round only the output.
    case DType::kF16: return n.inputs[F::kResidual] < 0 && !FusedRowsAreF32<kernels::KernelDType::kF16>(ctx, g, n);
    case DType::kBF16: return n.inputs[F::kResidual] < 0 && !FusedRowsAreF32<kernels::KernelDType::kBF16>(ctx, g, n);
    default: return false;
  }
}

absl::StatusOr<PreparedStep> FusedMbconvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p) {
  const Node& n = g.nodes[index];
  if (!p.scratch[index] || !p.ptr[n.inputs[F::kInput]])
    return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": no scratch or input for the fused block"));
  switch (g.tensors[n.inputs[F::kInput]].dtype) {
    case DType::kF32: return FusedF32Step(ctx, g, index, p);
    case DType::kF16: return FusedHalfStep<kernels::KernelDType::kF16>(ctx, g, index, p);
    case DType::kBF16: return FusedHalfStep<kernels::KernelDType::kBF16>(ctx, g, index, p);
    default:
      return absl::InternalError(absl::StrCat(g.NodeLabel(index), ": a fused block of ",
                                              DTypeName(g.tensors[n.inputs[F::kInput]].dtype)));
  }
}

}  // namespace scalert::native
