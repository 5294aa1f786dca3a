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
  int64_t arena_bytes = 0;         // peak activation bytes
};

// Greedy by size (largest first, lowest fitting offset), offsets aligned to `alignment`.
MemoryPlan PlanMemory(const Graph& g, int64_t alignment = 64);

// True if two live-overlapping tensors overlap in memory (used by tests and debug checks).
bool PlanHasConflicts(const Graph& g, const MemoryPlan& plan);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_MEMORY_PLANNER_H_
