// How the native backend cuts a GEMM over threads: every output element covered exactly once,
// no empty task, near-equal row chunks of at least 24 rows (never a sliver next to a full chunk),
// column chunks on panel boundaries, and with a column split the front half of the tasks (the
// pool's caller) on the left columns, the back half (its workers) on the right ones.
#include "runtime/backends/native/work_split.h"

#include <vector>

#include "gtest/gtest.h"

namespace scalert::native {
namespace {

TEST(NativeWorkSplit, GemmSplitCoversEverythingWithoutSlivers) {
  for (int threads : {1, 2, 3, 4})
    for (int64_t m = 1; m <= 300; ++m)
      for (int32_t n : {8, 16, 24, 40, 112, 160, 1000, 1280}) {
        SCOPED_TRACE(::testing::Message() << "threads " << threads << " m " << m << " n " << n);
        const GemmSplit s = SplitGemm(m, n, threads, 16);
        const int64_t tasks = s.row_tasks * s.col_tasks;
        std::vector<int> covered(static_cast<size_t>(m * n), 0);
        for (int64_t t = 0; t < tasks; ++t) {
          const GemmSplit::Range r = s.Task(t, m, n);
          ASSERT_LT(r.m0, r.m1) << "empty row range, task " << t;
          ASSERT_LT(r.n0, r.n1) << "empty column range, task " << t;
          ASSERT_TRUE(r.n0 % 16 == 0 && (r.n1 % 16 == 0 || r.n1 == n)) << "column range off the panels, task " << t;
          for (int64_t i = r.m0; i < r.m1; ++i)
            for (int32_t j = r.n0; j < r.n1; ++j) ++covered[static_cast<size_t>(i * n + j)];
        }
        for (int c : covered) ASSERT_EQ(c, 1);
        if (threads == 1) {
          EXPECT_EQ(tasks, 1);
        }
        if (s.row_tasks > 1) {
          // Row chunks of at least 24 rows, one row apart at most (49 rows: 25 + 24, not 24 + 24 + 1).
          int64_t lo = m, hi = 0;
          for (int64_t t = 0; t < s.row_tasks; ++t) {
            const GemmSplit::Range r = s.Task(t, m, n);
            lo = std::min(lo, r.m1 - r.m0);
            hi = std::max(hi, r.m1 - r.m0);
          }
          EXPECT_GE(lo, 24);
          EXPECT_LE(hi - lo, 1);
        }
        if (s.col_tasks > 1) {
          // Column chunks differ by at most one panel, and every column chunk's tasks are consecutive.
          int32_t lo = n, hi = 0;
          for (int64_t t = 0; t < tasks; t += s.row_tasks) {
            const GemmSplit::Range r = s.Task(t, m, n);
            const int32_t panels = (r.n1 - r.n0 + 15) / 16;
            if (r.n1 < n) {
              lo = std::min(lo, panels);
              hi = std::max(hi, panels);
            }
            for (int64_t u = t; u < t + s.row_tasks; ++u) EXPECT_EQ(s.Task(u, m, n).n0, r.n0);
          }
          if (lo <= hi) {
            EXPECT_LE(hi - lo, 1);
          }
        }
      }
}

}  // namespace
}  // namespace scalert::native
