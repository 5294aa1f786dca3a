// Liveness-based arena planning: every activation gets an offset in one arena; two tensors
// share bytes only if their lifetimes do not overlap.
#ifndef SCALERT_RUNTIME_MEMORY_PLANNER_H_
#define SCALERT_RUNTIME_MEMORY_PLANNER_H_

#include <cstdint>
#include <vector>

#include "runtime/graph.h"

namespace scalert {

struct MemoryPlan {
  std::vector<int64_t> offset;     // per tensor; -1 for constants and unused tensors
  std::vector<int32_t> first_step; // step that writes it (-1: graph input)
  std::vector<int32_t> last_step;  // last step that reads it (num steps: graph output)
  int64_t arena_bytes = 0;         // peak activation bytes, scratch included
  std::vector<int64_t> scratch_offset;  // per step with a scratch request; else -1
};

// Greedy placement (each item at the lowest fitting offset, aligned to `alignment`) in a few
// orders (by size, by size x lifetime, by first use); the smallest arena wins.
// `step_scratch` (optional, per node) asks for that many bytes of scratch live only while the
// node runs (a fused step's per-worker buffers): planned in the same arena as the tensors.
MemoryPlan PlanMemory(const Graph& g, int64_t alignment = 64, const std::vector<int64_t>& step_scratch = {});

// True if two live-overlapping tensors overlap in memory (used by tests and debug checks).
bool PlanHasConflicts(const Graph& g, const MemoryPlan& plan);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_MEMORY_PLANNER_H_
