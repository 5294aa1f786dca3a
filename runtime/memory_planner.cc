#include "runtime/memory_planner.h"

#include <algorithm>

namespace scalert {
namespace {

bool LifetimesOverlap(const MemoryPlan& p, int32_t a, int32_t b) {
  return p.first_step[a] <= p.last_step[b] && p.first_step[b] <= p.last_step[a];
}

}  // namespace

MemoryPlan PlanMemory(const Graph& g, int64_t alignment, const std::vector<int64_t>& step_scratch) {
  const int32_t num_tensors = static_cast<int32_t>(g.tensors.size());
  const int32_t num_steps = static_cast<int32_t>(g.nodes.size());
  MemoryPlan p;
  p.offset.assign(num_tensors, -1);
  p.first_step.assign(num_tensors, -2);
  p.last_step.assign(num_tensors, -2);
  p.scratch_offset.assign(num_steps, -1);
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

  // Everything to place: tensors, then scratch requests (lifetime: their step).
  struct Item {
    int64_t bytes;
    int32_t first, last;
    int64_t* offset;
  };
  std::vector<Item> items;
  for (int32_t t = 0; t < num_tensors; ++t)
    if (!g.tensors[t].is_constant() && p.first_step[t] != -2)
      items.push_back({g.tensors[t].bytes(), p.first_step[t], p.last_step[t], &p.offset[t]});
  for (int32_t s = 0; s < num_steps && s < static_cast<int32_t>(step_scratch.size()); ++s)
    if (step_scratch[s] > 0) items.push_back({step_scratch[s], s, s, &p.scratch_offset[s]});
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.bytes > b.bytes; });
  auto aligned = [alignment](int64_t bytes) { return (bytes + alignment - 1) / alignment * alignment; };
  std::vector<const Item*> placed;
  for (const Item& it : items) {
    const int64_t size = aligned(it.bytes);
    // Candidate offsets: 0 and the end of every live-overlapping placed item, lowest first.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Item* o : placed)
      if (it.first <= o->last && o->first <= it.last) busy.push_back({*o->offset, *o->offset + aligned(o->bytes)});
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;
      offset = std::max(offset, end);
    }
    *it.offset = offset;
    p.arena_bytes = std::max(p.arena_bytes, offset + size);
    placed.push_back(&it);
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
