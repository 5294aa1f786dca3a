#include "kernels/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SCALERT_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define SCALERT_CPU_RELAX() asm volatile("yield")
#else
#define SCALERT_CPU_RELAX() ((void)0)
#endif

namespace scalert::kernels {
namespace {
constexpr uint32_t Generation(uint64_t state) { return static_cast<uint32_t>(state >> 32); }
constexpr uint32_t Front(uint64_t state) { return static_cast<uint32_t>(state >> 16) & 0xffff; }
constexpr uint32_t Back(uint64_t state) { return static_cast<uint32_t>(state) & 0xffff; }
// An idle worker polls for the next job this long before sleeping: long enough to catch the next
// operator of the same inference without a wake-up. Between polls it yields the CPU rather than
// only pausing: when the machine is oversubscribed the OS may put the worker on the caller's own
// CPU, and a worker that spins there takes the caller's time (measured: 2 threads 1.7x slower
// than 1 on this shared VM with pause-only spinning).
constexpr int kPausePolls = 200;            // first polls with pause only (a few microseconds)
constexpr double kPollMicroseconds = 300.0;  // then yield between polls up to this long
// After a stalled wait, calls run on the caller alone: at first about one inference of a small
// model, up to about ten (so a machine that becomes quiet gets its second thread back soon).
constexpr int kSoloCallsMin = 100;
constexpr int kSoloCallsMax = 1600;
// A wait counts as stalled beyond this many times the caller's mean task time, plus a margin.
constexpr double kStallFactor = 4.0;
constexpr double kStallMarginUs = 100.0;

double Microseconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  threads_ = threads > 1 ? threads : 1;
  try {
    workers_.reserve(static_cast<size_t>(threads_ - 1));
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  } catch (const std::exception& e) {  // std::system_error (no more threads) or std::bad_alloc
    start_error_ = "cannot start worker thread " + std::to_string(workers_.size() + 1) + " of " +
                   std::to_string(threads_ - 1) + ": " + e.what();
    StopWorkers();
    workers_.clear();
    threads_ = 1;
  }
}

ThreadPool::~ThreadPool() { StopWorkers(); }

void ThreadPool::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
}

uint32_t ThreadPool::Drain(uint64_t state, bool from_back) const {
  const uint32_t gen = Generation(state);
  const Job& job = jobs_[gen & 1];
  uint32_t ran = 0;
  for (;;) {
    // Read the job before claiming: the claim succeeds only if the generation is still `gen`,
    // and the slot is rewritten only two generations later, so fn/n are this job's.
    const TaskFn fn = job.fn.load(std::memory_order_relaxed);
    const void* ctx = job.ctx.load(std::memory_order_relaxed);
    const uint32_t n = job.n.load(std::memory_order_relaxed);
    if (Generation(state) != gen || Front(state) + Back(state) >= n) return ran;
    const uint64_t claimed = state + (from_back ? 1 : uint64_t{1} << 16);
    if (!state_.compare_exchange_weak(state, claimed, std::memory_order_acq_rel, std::memory_order_acquire))
      continue;  // `state` now holds the current value
    fn(ctx, from_back ? n - 1 - Back(state) : Front(state));
    ++ran;
    done_.fetch_add(1, std::memory_order_acq_rel);
    state = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::Run(size_t n, TaskFn fn, const void* ctx) const {
  const uint64_t old = state_.load(std::memory_order_relaxed);
  const uint32_t gen = Generation(old) + 1;
  Job& job = jobs_[gen & 1];
  job.fn.store(fn, std::memory_order_relaxed);
  job.ctx.store(ctx, std::memory_order_relaxed);
  job.n.store(static_cast<uint32_t>(n), std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint64_t start = static_cast<uint64_t>(gen) << 32;
  state_.store(start, std::memory_order_seq_cst);
  // A sleeping worker takes a wake-up to join: that latency is expected, not a stall. Counting it
  // as one kept a quiet machine on one thread (solo calls let the workers fall asleep, and their
  // wake-up then looked like a stall again).
  const bool woke_sleepers = sleepers_.load(std::memory_order_seq_cst) > 0;
  if (woke_sleepers) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  const auto t0 = std::chrono::steady_clock::now();
  const uint32_t ran = Drain(start, /*from_back=*/false);
  if (done_.load(std::memory_order_acquire) >= n) {
    solo_period_ /= 2;
    return;
  }
  // Every task is claimed; wait for those still running on workers.
  const auto t1 = std::chrono::steady_clock::now();
  for (int spins = 0; done_.load(std::memory_order_acquire) < n; ++spins) {
    SCALERT_CPU_RELAX();
    if (spins > 1000) std::this_thread::yield();
  }
  const auto t2 = std::chrono::steady_clock::now();
  const double mean_task_us = ran > 0 ? Microseconds(t0, t1) / ran : 0.0;
  if (!woke_sleepers && Microseconds(t1, t2) > kStallFactor * mean_task_us + kStallMarginUs) {
    solo_period_ = std::min(kSoloCallsMax, std::max(kSoloCallsMin, 2 * solo_period_));
    solo_calls_left_ = solo_period_;
  } else {
    solo_period_ /= 2;
  }
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;
  for (;;) {
    uint64_t state = state_.load(std::memory_order_acquire);
    const auto idle_since = std::chrono::steady_clock::now();
    for (int i = 0; Generation(state) == seen && !stop_.load(std::memory_order_relaxed); ++i) {
      if (i < kPausePolls) {
        SCALERT_CPU_RELAX();
      } else {
        if (Microseconds(idle_since, std::chrono::steady_clock::now()) > kPollMicroseconds) break;
        std::this_thread::yield();
      }
      state = state_.load(std::memory_order_acquire);
    }
    if (Generation(state) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] {
        state = state_.load(std::memory_order_seq_cst);
        return stop_.load() || Generation(state) != seen;
      });
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (stop_.load()) return;
    seen = Generation(state);
    Drain(state, /*from_back=*/true);
  }
}

}  // namespace scalert::kernels
