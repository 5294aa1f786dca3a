#include "runtime/memory_planner.h"

#include <algorithm>

namespace scalert {
namespace {

bool LifetimesOverlap(const MemoryPlan& p, int32_t a, int32_t b) {
  return p.first_step[a] <= p.last_step[b] && p.first_step[b] <= p.last_step[a];
}

}  // namespace

MemoryPlan PlanMemory(const Graph& g, int64_t alignment) {
  const int32_t num_tensors = static_cast<int32_t>(g.tensors.size());
  const int32_t num_steps = static_cast<int32_t>(g.nodes.size());
  MemoryPlan p;
  p.offset.assign(num_tensors, -1);
  p.first_step.assign(num_tensors, -2);
  p.last_step.assign(num_tensors, -2);
  for (int32_t t : g.inputs) p.first_step[t] = p.last_step[t] = -1;
  for (int32_t s = 0; s < num_steps; ++s) {
    for (int32_t t : g.nodes[s].outputs)
      if (p.first_step[t] == -2) p.first_step[t] = p.last_step[t] = s;
    for (int32_t t : g.nodes[s].inputs)
      if (t >= 0 && !g.tensors[t].is_constant()) p.last_step[t] = std::max(p.last_step[t], s);
  }
  // Inputs stay intact across Invoke calls and outputs readable after them: both live to the end.
  for (int32_t t : g.inputs) p.last_step[t] = num_steps;
  for (int32_t t : g.outputs) p.last_step[t] = num_steps;

  std::vector<int32_t> order;
  for (int32_t t = 0; t < num_tensors; ++t)
    if (!g.tensors[t].is_constant() && p.first_step[t] != -2) order.push_back(t);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return g.tensors[a].bytes() > g.tensors[b].bytes();
  });
  std::vector<int32_t> placed;
  for (int32_t t : order) {
    const int64_t size = (g.tensors[t].bytes() + alignment - 1) / alignment * alignment;
    // Candidate offsets: 0 and the end of every live-overlapping placed tensor, lowest first.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (int32_t o : placed)
      if (LifetimesOverlap(p, t, o))
        busy.push_back({p.offset[o], p.offset[o] + (g.tensors[o].bytes() + alignment - 1) / alignment * alignment});
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;
      offset = std::max(offset, end);
    }
    p.offset[t] = offset;
    p.arena_bytes = std::max(p.arena_bytes, offset + size);
    placed.push_back(t);
  }
  return p;
}

bool PlanHasConflicts(const Graph& g, const MemoryPlan& p) {
  const int32_t n = static_cast<int32_t>(g.tensors.size());
  for (int32_t a = 0; a < n; ++a) {
    if (p.offset[a] < 0) continue;
    for (int32_t b = a + 1; b < n; ++b) {
      if (p.offset[b] < 0 || !LifetimesOverlap(p, a, b)) continue;
      if (p.offset[a] < p.offset[b] + g.tensors[b].bytes() && p.offset[b] < p.offset[a] + g.tensors[a].bytes())
        return true;
    }
  }
  return false;
}

}  // namespace scalert
