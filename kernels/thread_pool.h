// The native backend's thread pool, owned by one executable. ParallelFor runs task i in [0, n)
// and returns when all are done; the calling thread takes part. Nothing is allocated per call.
//
// Written for a shared, oversubscribed machine: tasks are claimed one at a time from a shared
// counter, so a worker the OS has not scheduled yet simply claims nothing and the caller runs
// the tasks itself; the caller waits only for tasks a worker has actually started (a pool that
// hands each thread a fixed share, or waits for every worker to check in, stalls for a whole
// scheduler time slice whenever a worker is descheduled). Idle workers spin briefly, then sleep.
// A worker descheduled while it holds a task still makes the caller wait; when a wait is much
// longer than the caller's own tasks took (the worker was not running, not merely busy), the
// pool runs the next calls on the caller alone, then tries the workers again; the solo period
// doubles with each stall in a row and halves with each call that did not stall. So an
// oversubscribed machine costs about the one-thread time instead of a time slice per operator.
//
// The caller claims tasks from the front (0, 1, ...), workers from the back (n-1, n-2, ...): the
// steps split their tensors in the same order (rows first), so on 2 threads the caller keeps
// computing the top of every map and the worker the bottom, and each step reads mostly what its
// own core wrote the step before, from its own L2 rather than the other core's. With one counter
// whichever thread came first took task 0, and about half the activations crossed cores per step.
#ifndef SCALERT_KERNELS_THREAD_POOL_H_
#define SCALERT_KERNELS_THREAD_POOL_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace scalert::kernels {

class ThreadPool {
 public:
  // threads <= 1 starts no worker. If the OS refuses a thread, the pool stops the workers it
  // started and records why: check ok() (a constructor cannot return a Status, and a library
  // must not let std::system_error escape into the app).
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  bool ok() const { return start_error_.empty(); }
  const std::string& start_error() const { return start_error_; }

  // Not reentrant: a task must not call ParallelFor on the same pool.
  template <typename F>
  void ParallelFor(size_t n, const F& task) const {
    if (workers_.empty() || n <= 1 || solo_calls_left_ > 0) {
      if (n > 1 && solo_calls_left_ > 0) --solo_calls_left_;
      for (size_t i = 0; i < n; ++i) task(i);
      return;
    }
    if (n > kMaxTasks) {  // more than the claim counters hold: runs of consecutive tasks
      const size_t per = (n + kMaxTasks - 1) / kMaxTasks;
      const auto runs = [&task, n, per](size_t r) {
        for (size_t i = r * per; i < std::min(n, (r + 1) * per); ++i) task(i);
      };
      Run((n + per - 1) / per, [](const void* ctx, size_t i) { (*static_cast<const decltype(runs)*>(ctx))(i); }, &runs);
      return;
    }
    Run(n, [](const void* ctx, size_t i) { (*static_cast<const F*>(ctx))(i); }, &task);
  }

 private:
  using TaskFn = void (*)(const void* ctx, size_t i);
  // One job per generation; two slots so a slow worker reading a finished job's slot can never
  // see the next job's values together with a claimable index (see Claim).
  // Atomics (relaxed) only because a descheduled worker may read a slot while it is rewritten;
  // such a read is then discarded by the failed claim.
  struct Job {
    std::atomic<TaskFn> fn{nullptr};
    std::atomic<const void*> ctx{nullptr};
    std::atomic<uint32_t> n{0};
  };

  // Tasks per call the state word counts (16 bits each for the front and the back claims).
  static constexpr size_t kMaxTasks = 0xffff;

  void Run(size_t n, TaskFn fn, const void* ctx) const;
  // Claims and runs tasks of the current job until none is left, from the front (the caller) or
  // the back (workers); returns how many it ran.
  uint32_t Drain(uint64_t state, bool from_back) const;
  void WorkerLoop();

  void StopWorkers();

  int threads_ = 1;
  std::string start_error_;
  std::vector<std::thread> workers_;
  // Generation in the high 32 bits, tasks claimed from the front in the next 16, from the back in
  // the low 16.
  mutable std::atomic<uint64_t> state_{0};
  mutable std::atomic<uint32_t> done_{0};  // tasks of the current job finished
  mutable Job jobs_[2];
  mutable std::atomic<int> sleepers_{0};
  // Touched by the calling thread only.
  mutable int solo_calls_left_ = 0;
  mutable int solo_period_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  std::atomic<bool> stop_{false};
};

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_THREAD_POOL_H_
