// The fused inverted-residual step of the native backend: expand 1x1 -> depthwise kxk
// [-> project 1x1] computed one output row at a time. Each task keeps the expanded rows the
// depthwise window needs in a ring buffer ((kh - 1) * dilation + 1 rows, so every expanded row is
// computed once per task, plus a halo at task boundaries) and the depthwise output row in a
// row buffer, so the expanded tensor is never written whole and stays in L1/L2.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_MBCONV_STEP_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_MBCONV_STEP_H_

#include <memory>
#include <vector>

#include "kernels/aligned_buffer.h"
#include "kernels/kernel_types.h"
#include "kernels/packing.h"
#include "kernels/thread_pool.h"
#include "runtime/backends/native/work_split.h"

namespace scalert::native {

struct MbconvStep {
  kernels::GemmF32Fn gemm = nullptr;
  kernels::DwConvF32Fn dw = nullptr;
  kernels::GemmArgs expand, project;  // a and c are set per row; project unused without one
  kernels::DwConvArgs depthwise;      // geo over the expanded tensor; rows and output set per task
  bool has_project = false;
  const float* input = nullptr;  // expand input [batch, in_h, in_w, cin]
  float* output = nullptr;       // project output, or the depthwise output without a project
  Split1D split;                 // over batch * out_h output rows; task i uses scratch slot i

  struct Scratch {
    kernels::AlignedBuffer ring, dw_row;
    std::vector<const float*> row_table;  // batch * in_h entries
  };
  std::shared_ptr<std::vector<Scratch>> scratch;
  std::shared_ptr<kernels::PackedGemm> expand_w, project_w;
  std::shared_ptr<kernels::PackedDwConv> dw_w;
  std::shared_ptr<kernels::AlignedBuffer> zero;
  std::shared_ptr<kernels::ThreadPool> pool;

  // Allocates the per-task scratch once `depthwise.geo`, `split` and `has_project` are set.
  void AllocateScratch();
  void operator()() const;
  void RunRows(size_t task, int32_t row_begin, int32_t row_end) const;
};

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_MBCONV_STEP_H_
