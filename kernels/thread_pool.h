// A pthreadpool owned by one executable. ParallelFor runs task i in [0, n) on the pool (the
// calling thread takes part) and returns when all are done; with one thread, or without
// pthreadpool, it is a plain loop. Nothing is allocated per call.
#ifndef SCALERT_KERNELS_THREAD_POOL_H_
#define SCALERT_KERNELS_THREAD_POOL_H_

#include <cstddef>

#if defined(SCALERT_HAVE_PTHREADPOOL)
#include <pthreadpool.h>
#endif

namespace scalert::kernels {

class ThreadPool {
 public:
  // threads <= 1 creates no pool.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  template <typename F>
  void ParallelFor(size_t n, const F& task) const {
#if defined(SCALERT_HAVE_PTHREADPOOL)
    if (pool_ && n > 1) {
      pthreadpool_parallelize_1d(
          pool_, [](void* ctx, size_t i) { (*static_cast<const F*>(ctx))(i); },
          const_cast<void*>(static_cast<const void*>(&task)), n, 0);
      return;
    }
#endif
    for (size_t i = 0; i < n; ++i) task(i);
  }

 private:
  int threads_ = 1;
#if defined(SCALERT_HAVE_PTHREADPOOL)
  pthreadpool_t pool_ = nullptr;
#endif
};

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_THREAD_POOL_H_
