// The native thread pool: every task index runs exactly once per call, calls return only after
// all their tasks finished, and back-to-back calls (the pattern of one inference: many short
// operators) never mix tasks of different calls.
#include "kernels/thread_pool.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace scalert::kernels {
namespace {

TEST(NativeThreadPool, ThreadCount) {
  EXPECT_EQ(ThreadPool(0).threads(), 1);
  EXPECT_EQ(ThreadPool(1).threads(), 1);
  EXPECT_EQ(ThreadPool(3).threads(), 3);
}

TEST(NativeThreadPool, EveryTaskRunsOnceForManySizes) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    // 100000: more tasks than the claim counters hold (run in groups of consecutive tasks).
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, size_t{1000},
                     size_t{100000}}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, [&](size_t i) { hits[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "threads " << threads << " n " << n << " i " << i;
    }
  }
}

// The caller takes tasks from the front and workers from the back, so the caller keeps the
// first part of every split (the same rows step after step stay on its core).
TEST(NativeThreadPool, CallerTakesTheFirstTaskWorkersTheLast) {
  ThreadPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::vector<std::thread::id> ran_by(4);
  for (int round = 0; round < 3; ++round) {
    // Tasks long enough that neither side can claim them all before the other starts.
    pool.ParallelFor(4, [&](size_t i) {
      ran_by[i] = std::this_thread::get_id();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
    EXPECT_EQ(ran_by[0], caller);
    EXPECT_EQ(ran_by[1], caller);
    // A worker that ran anything ran the last task first (it may also have been asleep or not
    // scheduled, and the caller ran them all).
    if (ran_by[2] != caller) EXPECT_NE(ran_by[3], caller);
  }
}

TEST(NativeThreadPool, BackToBackCallsDoNotMix) {
  ThreadPool pool(2);
  std::vector<int> out(16);
  for (int call = 0; call < 5000; ++call) {
    const size_t n = 1 + call % 16;
    // Each call writes its own number: a task of an earlier call running late would leave a stale
    // value, and a call returning before its tasks finished would leave one unwritten.
    pool.ParallelFor(n, [&](size_t i) { out[i] = call; });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], call) << "call " << call << " task " << i;
  }
}

TEST(NativeThreadPool, WaitsForSlowTasksAndWakesSleepingWorkers) {
  ThreadPool pool(2);
  for (int round = 0; round < 3; ++round) {
    // Long enough idle gap that the worker goes to sleep between calls.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::atomic<int> finished{0};
    pool.ParallelFor(4, [&](size_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      finished.fetch_add(1);
    });
    EXPECT_EQ(finished.load(), 4);
  }
}

// A worker that holds a task far longer than the caller's tasks take (as when the OS deschedules
// it) makes the following calls run on the calling thread alone; they still run every task.
TEST(NativeThreadPool, StalledWorkerSendsNextCallsToTheCaller) {
  ThreadPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  bool stalled = false;
  for (int attempt = 0; attempt < 50 && !stalled; ++attempt) {
    std::atomic<bool> worker_ran{false};
    pool.ParallelFor(8, [&](size_t) {
      if (std::this_thread::get_id() != caller) {
        worker_ran = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(100));  // gives the worker time to join
      }
    });
    stalled = worker_ran.load();
  }
  ASSERT_TRUE(stalled) << "the worker never took a task";
  for (int call = 0; call < 10; ++call) {
    std::vector<std::atomic<int>> hits(8);
    std::atomic<bool> off_caller{false};
    pool.ParallelFor(8, [&](size_t i) {
      hits[i].fetch_add(1);
      if (std::this_thread::get_id() != caller) off_caller = true;
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
    EXPECT_FALSE(off_caller.load()) << "call " << call;
  }
}

}  // namespace
}  // namespace scalert::kernels
