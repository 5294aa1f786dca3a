// How the native backend cuts one operator into tasks for the thread pool: a few tasks per
// thread so a slow core (the machine is shared) does not hold the others back, but never so
// small that the per-task overhead shows.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_WORK_SPLIT_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_WORK_SPLIT_H_

#include <algorithm>
#include <cstdint>

namespace scalert::native {

inline constexpr int kTasksPerThread = 4;

inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// [0, total) in `tasks` chunks of `chunk` (a multiple of `granule`, at least `min_chunk`).
struct Split1D {
  int64_t chunk = 1, tasks = 1;
};
inline Split1D SplitRange(int64_t total, int threads, int64_t granule, int64_t min_chunk) {
  Split1D s;
  s.chunk = std::max<int64_t>(total, 1);
  if (threads > 1 && total > 0) {
    const int64_t want = CeilDiv(total, int64_t{threads} * kTasksPerThread);
    s.chunk = std::max(CeilDiv(std::max(want, min_chunk), granule) * granule, granule);
  }
  s.tasks = std::max<int64_t>(CeilDiv(total, s.chunk), 1);
  return s;
}

// A GEMM's rows (pixels) and column panels: rows alone when they give every thread work,
// otherwise columns too (7x7 feature maps, fully connected layers).
struct GemmSplit {
  int64_t row_tasks = 1;
  int32_t col_tasks = 1;
  int32_t panels = 1, panel = 1;  // the columns in panels of `panel` (the last may be narrower)
  // Rows [m0, m1) x columns [n0, n1) of task `task` out of row_tasks * col_tasks (`m`, `n`: the
  // GEMM's). With a column split, tasks go column chunk by column chunk: the pool's caller claims
  // from the front and its workers from the back, so on 2 threads each reads about half the
  // weights (on a 7x7 map they are most of the bytes), where row chunk by row chunk both read all.
  // Column chunks hold near-equal numbers of whole panels (5 panels in 4: 1 1 1 2).
  struct Range {
    int64_t m0, m1;
    int32_t n0, n1;
  };
  Range Task(int64_t task, int64_t m, int32_t n) const {
    const int64_t rt = task % row_tasks, ct = task / row_tasks;
    Range r;
    r.m0 = m * rt / row_tasks;
    r.m1 = m * (rt + 1) / row_tasks;
    r.n0 = static_cast<int32_t>(std::min<int64_t>(n, int64_t{panels} * ct / col_tasks * panel));
    r.n1 = static_cast<int32_t>(std::min<int64_t>(n, int64_t{panels} * (ct + 1) / col_tasks * panel));
    return r;
  }
};
inline GemmSplit SplitGemm(int64_t m, int32_t n, int threads, int32_t panel) {
  GemmSplit s;
  // Row chunks of at least 24 rows, near-equal (one row apart at most): the kernel cuts each into
  // near-equal register tiles, so a chunk need not be a multiple of the tile. Chunks that were
  // multiples of 6 left the last one short and the count odd (196 rows on 2 threads: 6 x 30 + 16,
  // one thread ran 106 rows, the other 90).
  const int64_t want = threads > 1 ? int64_t{threads} * kTasksPerThread : 1;
  s.row_tasks = std::max<int64_t>(1, std::min(want, m / 24));
  s.panel = std::max(panel, 1);
  s.panels = static_cast<int32_t>(std::max<int64_t>(1, CeilDiv(n, s.panel)));
  s.col_tasks = 1;
  if (threads > 1 && s.row_tasks < 2 * threads)
    s.col_tasks = static_cast<int32_t>(
        std::min<int64_t>(s.panels, CeilDiv(int64_t{threads} * kTasksPerThread, s.row_tasks)));
  return s;
}

// Output rows [first, end), counted over batch x out_h, in bands of at most band_rows within one
// image: f(image, r0, r1) with rows [r0, r1) of that image. The fused steps' tasks walk their
// runs of rows with it.
template <class F>
void ForBandsOfRows(int64_t first, int64_t end, int32_t out_h, int32_t band_rows, const F& f) {
  for (int64_t row = first; row < end;) {
    const int32_t n = static_cast<int32_t>(row / out_h), r0 = static_cast<int32_t>(row % out_h);
    const int32_t r1 =
        static_cast<int32_t>(std::min<int64_t>({out_h, int64_t{r0} + band_rows, end - int64_t{n} * out_h}));
    f(n, r0, r1);
    row = int64_t{n} * out_h + r1;
  }
}

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_WORK_SPLIT_H_
