// How the native backend cuts a GEMM over threads: every row and column covered exactly once,
// no empty task, row chunks a multiple of the 6-row tile and never a sliver next to a full chunk.
#include "runtime/backends/native/work_split.h"

#include "gtest/gtest.h"

namespace scalert::native {
namespace {

TEST(NativeWorkSplit, GemmSplitCoversEverythingWithoutSlivers) {
  for (int threads : {1, 2, 3, 4})
    for (int64_t m = 1; m <= 300; ++m)
      for (int32_t n : {8, 16, 24, 40, 112, 1280}) {
        SCOPED_TRACE(::testing::Message() << "threads " << threads << " m " << m << " n " << n);
        const GemmSplit s = SplitGemm(m, n, threads, 16);
        ASSERT_GE(s.row_chunk * s.row_tasks, m);
        ASSERT_LT(s.row_chunk * (s.row_tasks - 1), m) << "empty row task";
        ASSERT_GE(int64_t{s.col_chunk} * s.col_tasks, n);
        ASSERT_LT(int64_t{s.col_chunk} * (s.col_tasks - 1), n) << "empty column task";
        ASSERT_EQ(s.col_chunk % 16 == 0 || s.col_chunk == n, true);
        if (threads == 1) {
          EXPECT_EQ(s.row_tasks, 1);
          EXPECT_EQ(s.col_tasks, 1);
        }
        if (s.row_tasks > 1) {
          EXPECT_EQ(s.row_chunk % 6, 0);
          // The last chunk holds at least half a full one (49 rows: 30 + 19, not 24 + 24 + 1).
          EXPECT_GE(2 * (m - s.row_chunk * (s.row_tasks - 1)), s.row_chunk);
        }
      }
}

}  // namespace
}  // namespace scalert::native
