// The fused INT8 inverted-residual step: a kFusedMbconv node whose activations are int8 (an
// INT8 file from `scalert quantize`; the block's replaced nodes are FusedMbconv::int8), band by
// band of output rows on the registry's INT8 kernels, so every ISA level (x86 and ARM) runs it:
//   expand GEMM over the band's input rows (rows the previous band of the same task expanded
//   stay in the slot, slid to its start) -> its activation table in place -> depthwise over the
//   band -> its table in place -> project GEMM over the band [-> residual Add].
// With squeeze-and-excitation the gate needs the whole depthwise output: pass A (bands of
// expand + depthwise + table) stores it in scratch; the pooling kernel then pools each image
// (tasks split the channels), the two SE GEMMs and their tables make the gate; pass B multiplies
// each stored band by the gate (the channel-multiply kernel) and runs the project on it.
// Every step is the unfused op's kernel with the unfused op's parameters (packed weights with the
// same zero points and requantization factors, the same tables), on fewer rows at a time; INT8
// arithmetic is exact up to each op's one requantization, so the fused block computes the bits
// of its ops one by one, for any band height and thread count (tasks take near-equal runs of
// output rows, cut into bands; or, on small maps where their windows would make them expand many
// rows twice, pass A splits the expanded channels: FusedMbconvS8Plan::split_channels).
//
// The native backend fuses every INT8 block its level's INT8 kernels run whole (CanFuseS8), at
// any thread count: measured on an AMD EPYC (Zen 4, 2 cores, 1 MiB L2, avx512vnni), whole-model
// medians of 3 interleaved rounds, fused vs unfused: MobileNetV2 2.72 vs 2.75 ms at 1 thread,
// 1.54 vs 1.67 at 2; EfficientNet-B0 4.26 vs 4.22 at 1 thread, 2.64 vs 2.94 at 2 (one
// thread-pool dispatch per pass of a block instead of one per op). At 1 thread the INT8 tensors
// of 224x224 models fit L2, so fusion keeps the time and saves memory (arena 76% and 67% of the
// unfused plan's); per block (`scalert bench --profile`) none was more than 3% slower fused, the
// noise of those runs.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_FUSED_MBCONV_S8_STEP_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_FUSED_MBCONV_S8_STEP_H_

#include <cstdint>

#include "kernels/reference/conv.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/graph.h"

namespace scalert::native {

struct FusedMbconvS8Plan {
  ref::ConvGeometry dw;  // the depthwise over the expanded tensor, whole batch
  int32_t in_c = 0, expanded_c = 0, out_c = 0, se_c = 0;
  bool expand = false, se = false, residual = false;
  int32_t band_rows = 1;     // output rows per band at most
  int32_t band_in_rows = 1;  // input rows one band reads at most
  int32_t slots = 1;         // worker slots = tasks per pass
  int64_t gate_chunk_pixels = 1;  // SE: pixels pass B gates and projects at a time (about 32 KiB)
  // Pass A splits the expanded channels among the tasks, each over every row, instead of rows
  // (blocks with an expand at 2+ threads whose row split would expand many input rows twice);
  // it stores the whole depthwise output, and a pass B runs the project (SE: gate, project).
  bool split_channels = false;
  // Scratch bytes: per slot the expanded rows, the depthwise band (SE: a gated chunk) and, with
  // a residual, the project band before the Add; shared the stored depthwise output (SE or
  // split_channels) and (SE) the pooled / hidden / gate vectors of each image.
  int64_t expanded_bytes = 0, dw_band_bytes = 0, project_band_bytes = 0, slot_bytes = 0;
  int64_t stored_bytes = 0, vector_bytes = 0, vectors_bytes = 0;
  int64_t scratch_bytes() const { return slot_bytes * slots + stored_bytes + vectors_bytes; }
};

// True for a fused node whose block is INT8 (FusedMbconv::int8 set).
bool IsFusedMbconvS8(const Node& n);

// The plan of INT8 fused node `n` for `threads` workers and an L2 of `l2` bytes per core.
FusedMbconvS8Plan PlanFusedMbconvS8(const Graph& g, const Node& n, int threads, int64_t l2);

// True when the INT8 kernels of ctx's level run every part of INT8 fused node `n` (the activation
// tables exist, the depthwise fits the kernels): blocks that would leave a part to the reference
// stay unfused.
bool CanFuseS8(const NativeContext& ctx, const Graph& g, const Node& n);

// The scratch bytes FusedMbconvS8Step asks of the arena for node `n`.
int64_t FusedMbconvS8ScratchBytes(const NativeContext& ctx, const Graph& g, const Node& n);

// The step; its scratch is p.scratch[index].
absl::StatusOr<PreparedStep> FusedMbconvS8Step(const NativeContext& ctx, const Graph& g, size_t index,
                                               const TensorPointers& p);

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_FUSED_MBCONV_S8_STEP_H_
