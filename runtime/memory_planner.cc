#include "runtime/memory_planner.h"

#include <algorithm>

namespace scalert {
namespace {

bool LifetimesOverlap(const MemoryPlan& p, int32_t a, int32_t b) {
  return p.first_step[a] <= p.last_step[b] && p.first_step[b] <= p.last_step[a];
}

struct Item {
  int64_t bytes;
  int32_t first, last;  // steps
  int64_t* offset;      // where the chosen offset goes
};

// Places `items` in this order, each at the lowest offset (aligned) that no live-overlapping
// item already placed occupies; returns the arena size and the offsets, in `items` order.
int64_t PlaceGreedy(const std::vector<Item>& items, int64_t alignment, std::vector<int64_t>* offsets) {
  auto aligned = [alignment](int64_t bytes) { return (bytes + alignment - 1) / alignment * alignment; };
  offsets->assign(items.size(), 0);
  int64_t arena = 0;
  std::vector<std::pair<int64_t, int64_t>> busy;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const int64_t size = aligned(it.bytes);
    // Candidate offsets: 0 and the end of every live-overlapping placed item, lowest first.
    busy.clear();
    for (size_t j = 0; j < i; ++j)
      if (it.first <= items[j].last && items[j].first <= it.last)
        busy.push_back({(*offsets)[j], (*offsets)[j] + aligned(items[j].bytes)});
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;
      offset = std::max(offset, end);
    }
    (*offsets)[i] = offset;
    arena = std::max(arena, offset + size);
  }
  return arena;
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
  std::vector<Item> items;
  for (int32_t t = 0; t < num_tensors; ++t)
    if (!g.tensors[t].is_constant() && p.first_step[t] != -2)
      items.push_back({g.tensors[t].bytes(), p.first_step[t], p.last_step[t], &p.offset[t]});
  for (int32_t s = 0; s < num_steps && s < static_cast<int32_t>(step_scratch.size()); ++s)
    if (step_scratch[s] > 0) items.push_back({step_scratch[s], s, s, &p.scratch_offset[s]});
  // Greedy placement is sensitive to the order (a few kilobytes more in one request once cost a
  // fused plan 300 KB of fragmentation): try a few orders, each largest-first among equals in
  // its key, and keep the smallest arena. Graphs have a few hundred items: this is cheap.
  auto by_size = [](const Item& a, const Item& b) { return a.bytes > b.bytes; };
  auto by_area = [](const Item& a, const Item& b) {
    return a.bytes * (a.last - a.first + 1) > b.bytes * (b.last - b.first + 1);
  };
  auto by_first_use = [](const Item& a, const Item& b) {
    return a.first != b.first ? a.first < b.first : a.bytes > b.bytes;
  };
  std::vector<int64_t> best_offsets;
  p.arena_bytes = -1;
  for (int order = 0; order < 3; ++order) {
    std::vector<Item> ordered = items;
    if (order == 0) std::stable_sort(ordered.begin(), ordered.end(), by_size);
    if (order == 1) std::stable_sort(ordered.begin(), ordered.end(), by_area);
    if (order == 2) std::stable_sort(ordered.begin(), ordered.end(), by_first_use);
    std::vector<int64_t> offsets;
    const int64_t arena = PlaceGreedy(ordered, alignment, &offsets);
    if (p.arena_bytes < 0 || arena < p.arena_bytes) {
      p.arena_bytes = arena;
      for (size_t i = 0; i < ordered.size(); ++i) *ordered[i].offset = offsets[i];
    }
  }
  if (p.arena_bytes < 0) p.arena_bytes = 0;
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
