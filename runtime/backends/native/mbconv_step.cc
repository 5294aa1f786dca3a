#include "runtime/backends/native/mbconv_step.h"

#include <algorithm>

namespace scalert::native {

namespace {
int32_t RingRows(const ref::ConvGeometry& g) { return (g.kernel_h - 1) * g.dilation_h + 1; }
}  // namespace

void MbconvStep::AllocateScratch() {
  const ref::ConvGeometry& g = depthwise.geo;
  scratch = std::make_shared<std::vector<Scratch>>();
  for (int64_t t = 0; t < split.tasks; ++t) {
    Scratch s;
    s.ring = kernels::AlignedBuffer(static_cast<size_t>(RingRows(g)) * g.in_w * g.in_c);
    if (has_project) s.dw_row = kernels::AlignedBuffer(static_cast<size_t>(g.out_w) * g.out_c);
    s.row_table.assign(static_cast<size_t>(g.batch) * g.in_h, nullptr);
    scratch->push_back(std::move(s));
  }
}

void MbconvStep::operator()() const {
  const int32_t rows = depthwise.geo.batch * depthwise.geo.out_h;
  pool->ParallelFor(static_cast<size_t>(split.tasks), [this, rows](size_t task) {
    const int32_t r0 = static_cast<int32_t>(task * split.chunk);
    RunRows(task, r0, static_cast<int32_t>(std::min<int64_t>(rows, r0 + split.chunk)));
  });
}

void MbconvStep::RunRows(size_t task, int32_t row_begin, int32_t row_end) const {
  const ref::ConvGeometry& g = depthwise.geo;
  Scratch& s = (*scratch)[task];
  const int32_t ring_rows = RingRows(g);
  const int64_t expanded_row = static_cast<int64_t>(g.in_w) * g.in_c;
  const int64_t input_row = static_cast<int64_t>(g.in_w) * expand.k;
  kernels::GemmArgs ex = expand, pr = project;
  kernels::DwConvArgs dw = depthwise;
  dw.input_rows = s.row_table.data();
  int32_t image = -1, computed_to = -1;  // expanded rows [.., computed_to] of `image` are in the ring
  for (int32_t row = row_begin; row < row_end; ++row) {
    const int32_t n = row / g.out_h, oy = row % g.out_h;
    if (n != image) {
      image = n;
      computed_to = -1;
    }
    const int32_t lo = std::max(0, oy * g.stride_h - g.pad_top);
    const int32_t hi = std::min(g.in_h - 1, oy * g.stride_h - g.pad_top + (g.kernel_h - 1) * g.dilation_h);
    for (int32_t iy = std::max(lo, computed_to + 1); iy <= hi; ++iy) {
      float* dst = s.ring.data() + (iy % ring_rows) * expanded_row;
      ex.a = input + (static_cast<int64_t>(n) * g.in_h + iy) * input_row;
      ex.c = dst;
      gemm(ex, 0, g.in_w, 0, ex.n);
      s.row_table[static_cast<size_t>(n) * g.in_h + iy] = dst;
    }
    computed_to = std::max(computed_to, hi);
    if (has_project) {
      dw.output = s.dw_row.data();
      dw.output_row_origin = row;
      this->dw(dw, row, row + 1);
      pr.a = s.dw_row.data();
      pr.c = output + static_cast<int64_t>(row) * g.out_w * pr.n;
      gemm(pr, 0, g.out_w, 0, pr.n);
    } else {
      dw.output = output;
      dw.output_row_origin = 0;
      this->dw(dw, row, row + 1);
    }
  }
}

}  // namespace scalert::native
