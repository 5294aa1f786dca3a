// The fused inverted-residual step (a kFusedMbconv node, runtime/fused_mbconv.h), band by band
// of output rows:
//   expand GEMM over the band's input rows (m = rows x W: full register tiles; rows the previous
//   band of the same task already expanded stay in a ring of rows, not recomputed or copied) ->
//   depthwise on the band while it is in L2 -> project GEMM over the band (m = band rows x Wout)
//   with the residual add in its epilogue. FP32 bands whose expanded rows pass L1d go in column
//   chunks: each chunk expands the input columns it reads of the band's new rows and runs the
//   depthwise on them while they are in L1 (ChunkCols in the .cc says where).
// With squeeze-and-excitation the gate depends on the whole depthwise output, so the step runs
// in two passes: (A) bands of expand + depthwise store the depthwise output (an arena region)
// and take each row's channel means while the band is in cache; then the caller reduces the row means
// in order, runs the two tiny SE layers and applies the gate; (B) bands of project GEMM over the
// stored output. A separable pair (no expand) needs no room for it: at stride 1, when nothing
// else reads the block input, pass A writes each band's depthwise output over the input rows it
// has read (EfficientNet's first block); otherwise pass B recomputes its depthwise band from the
// input. Either keeps the block's memory at input + output (EfficientNet's first block is its
// peak otherwise). Tasks take near-equal runs
// of output rows, cut into bands no taller than the cache allows; every row is computed the same
// way whichever band or task holds it, so results do not depend on the thread count.
//
// FP16 and BF16 blocks (every activation of the block one 16-bit dtype, mbconv_fusion.h) take one
// of two forms, by the 16-bit GEMM kernels the registry has for the level:
// - Where those compute in FP32 on widened values with FP32 weights (the "storage" kernels,
//   packed by PackGemmWeights: FP16 on x86, BF16 below avx512bf16, NEON, portable), the block
//   runs the FP32 step above on FP32 rows and converts only at its edges: each band's input
//   rows (and residual rows) are widened into the slot, the project output is rounded once when
//   stored. The same products as the 16-bit kernels, fewer roundings, the FP32 kernels' speed.
// - Where they compute in 16 bits (vdpbf16ps at avx512bf16, TDPBF16PS tiles at amx, vfmadd*ph
//   at avx512fp16, FMLAL at neonfhm: any GEMM whose weights are not packed by PackGemmWeights), it
//   runs the same bands on those 16-bit GEMM and depthwise kernels (weights packed by their
//   packing functions, as the unfused 16-bit steps, so 16-bit weights stay 16-bit): the expanded rows and the
//   depthwise band stay 16-bit (half the cache of FP32 rows), rounded where the unfused ops round
//   them, so without a residual the block computes the same bits as its ops one by one (with
//   one, the project adds it before its one rounding). The 16-bit depthwise kernels read whole
//   images, so the slot keeps the band's input rows contiguous: rows the previous band expanded
//   slide to the slot's start instead of staying in a ring. With SE the depthwise output is
//   always stored (no recompute), pooled per image by the 16-bit pooling kernel after pass A
//   (split by channels), and scaled by the gate in place before the project (no folding).
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_FUSED_MBCONV_STEP_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_FUSED_MBCONV_STEP_H_

#include <algorithm>
#include <cstdint>

#include "kernels/packing.h"
#include "kernels/reference/conv.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/graph.h"

namespace scalert::native {

struct FusedMbconvPlan {
  ref::ConvGeometry dw;  // the depthwise over the expanded tensor, whole batch
  int32_t in_c = 0, expanded_c = 0, out_c = 0, se_c = 0;
  bool expand = false, se = false, residual = false, fold_gate = false;
  bool recompute_dw = false;  // SE without expand: pass B recomputes the depthwise, nothing stored
  // SE without expand, stride 1, the block input read by nothing else: pass A writes the
  // depthwise output over the input rows it has read (keeping the original rows the next band
  // still needs: `halo_up` above a band, `halo_down` below a task's last row, in the slot), so
  // pass B neither recomputes nor needs room for it.
  bool in_place = false;
  int32_t halo_up = 0, halo_down = 0;
  int32_t band_rows = 1;        // output rows per band (the last band of an image may be shorter)
  int32_t bands_per_image = 1;
  int32_t band_in_rows = 1;     // input rows one band reads at most
  int32_t chunk_cols = 0;       // FP32 rows with an expand: output columns per chunk of a band (0: whole rows)
  int32_t slots = 1;            // worker slots = tasks per pass
  // Scratch, in elements of the block's activation dtype (`elem_bytes` each): per slot (expanded
  // rows, and the depthwise band unless SE stores it) and shared (SE: stored depthwise output,
  // pooled / hidden / gate vectors, then, FP32 only, per-row means or, in the same place once
  // they are pooled, the folded project weights).
  int32_t elem_bytes = 4;  // 2 for an FP16 or BF16 block on 16-bit rows
  bool f32_rows = false;   // a 16-bit block on FP32 rows: edge rows widened / rounded per band
  int64_t edge_in_elems = 0, edge_out_elems = 0;  // per slot (in slot_elems): widened input, FP32 output and residual
  int64_t expanded_elems = 0, dw_band_elems = 0, halo_elems = 0, slot_elems = 0;
  int64_t stored_elems = 0, sums_elems = 0, vectors_elems = 0, folded_elems = 0;
  // The output rows the busiest task computes over the mean per task: 1 when the rows split
  // evenly between the slots (a 7-row map on 2 threads: 4 rows against 3.5, 1.14).
  double split_imbalance() const;
  int64_t scratch_bytes() const {
    return elem_bytes * (slot_elems * slots + stored_elems + vectors_elems + std::max(sums_elems, folded_elems));
  }
};

// The largest L2 bands are sized for (bytes per core): each worker's band is arena memory.
inline constexpr int64_t kBandL2Cap = int64_t{1} << 20;

// The plan of fused node `n` for `threads` workers, the GEMM kernel's tile (FP32: the gate fold
// and column chunks; a 16-bit block's: 32-row AMX tiles take whole-map bands where they fit) and
// an L2 of `l2` bytes per core. `gate` forces how an FP32 block applies the SE gate (tests,
// measurements).
// `f32_rows`: a 16-bit block run on FP32 rows (FusedRowsAreF32). `l1`: L1d bytes per core, which
// cut wide bands into column chunks (chunk_cols; 0: whole rows), or `chunk_cols` > 0 forces their width.
FusedMbconvPlan PlanFusedMbconv(const Graph& g, const Node& n, int threads, const kernels::TileShape& gemm_tile,
                                int64_t l2, SeGate gate = SeGate::kAuto, bool f32_rows = false, int64_t l1 = 0,
                                int32_t chunk_cols = 0);

// The scratch bytes FusedMbconvStep will ask of the arena for node `n` (its plan for this context).
int64_t FusedMbconvScratchBytes(const NativeContext& ctx, const Graph& g, const Node& n);

// True when fused node `n` gives the same bits as its ops in this context: FP32 blocks, and
// 16-bit blocks on 16-bit rows without a residual, both without squeeze-and-excitation.
bool FusedRoundsAsOps(const NativeContext& ctx, const Graph& g, const Node& n);

// The step; its scratch (PlanFusedMbconv(...).scratch_bytes()) is p.scratch[index].
absl::StatusOr<PreparedStep> FusedMbconvStep(const NativeContext& ctx, const Graph& g, size_t index,
                                             const TensorPointers& p);

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_FUSED_MBCONV_STEP_H_
