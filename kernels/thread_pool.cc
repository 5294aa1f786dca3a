#include "kernels/thread_pool.h"

namespace scalert::kernels {

ThreadPool::ThreadPool(int threads) {
#if defined(SCALERT_HAVE_PTHREADPOOL)
  if (threads > 1) pool_ = pthreadpool_create(static_cast<size_t>(threads));
  threads_ = pool_ ? static_cast<int>(pthreadpool_get_threads_count(pool_)) : 1;
#else
  (void)threads;
#endif
}

ThreadPool::~ThreadPool() {
#if defined(SCALERT_HAVE_PTHREADPOOL)
  if (pool_) pthreadpool_destroy(pool_);
#endif
}

}  // namespace scalert::kernels
