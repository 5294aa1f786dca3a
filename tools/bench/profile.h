// The per-operator profile (`scalert bench --profile`): where the time goes, and for each step
// whether it is compute- or memory-bound against the machine's measured roofline.
#ifndef SCALERT_TOOLS_BENCH_PROFILE_H_
#define SCALERT_TOOLS_BENCH_PROFILE_H_

#include <string>
#include <vector>

#include "runtime/backend.h"
#include "runtime/graph.h"
#include "tools/bench/machine.h"

namespace scalert::bench {

struct ProfileRow {
  std::string name, kernel;
  double ms = 0;           // mean per run
  double share = 0;        // of the summed step time, 0..1
  int64_t macs = 0;
  double gflops = 0;       // achieved: 2 * MACs / time
  int64_t bytes = 0;       // activations and weights read and written (no cache reuse assumed)
  double gbps = 0;         // achieved: bytes / time
  double intensity = 0;    // FLOP per byte
  double roof_gflops = 0;  // min(peak FLOP/s, intensity * bandwidth); 0 when peaks unknown
  std::string bound;       // "compute" or "memory" (ops without MACs only move bytes); "" = peaks unknown
  double of_roof = 0;      // achieved / the roof that binds it: FLOP/s or bandwidth, 0..1+
};

// Rows in execution order from Executable::profile(); `threads` picks the roof. A fused block
// (a backend runs a chain at its last step and leaves the others empty: same kernel label, no
// time) becomes one row "#a..#b (fused)". With `g` (the model's graph), its bytes are what the
// block reads and writes from outside (the intermediates it keeps in cache are not counted).
std::vector<ProfileRow> BuildProfile(const std::vector<StepProfile>& steps, const MachinePeaks& peaks, int threads,
                                     const Graph* g = nullptr);

// Bytes the nodes [first, last] (a step or a fused block) move from and to memory: every tensor
// they read that they do not produce (weights included), and every tensor they produce that is
// read after them or is a graph output.
int64_t BlockBytes(const Graph& g, int64_t first, int64_t last);

// Fixed-width table with a totals line (time, MACs, overall GFLOP/s).
std::string FormatProfile(const std::vector<ProfileRow>& rows);

// [{"name", "kernel", "ms", "share", "macs", "gflops", "bytes", "gbps", "flop_per_byte", "roof_gflops",
//   "bound", "of_roof"}, ...]
std::string ProfileJson(const std::vector<ProfileRow>& rows);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_PROFILE_H_
