#include "kernels/cache_sizes.h"

#include <unistd.h>

namespace scalert::kernels {
namespace {

CacheSizes Detect() {
  CacheSizes c;
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
  const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  // Ignore nonsense (0 or -1 when unknown, or a shared L3 reported as L2 by some hypervisors).
  if (l1 >= 8 * 1024 && l1 <= 1024 * 1024) c.l1d = l1;
  if (l2 >= 128 * 1024 && l2 <= 8 * 1024 * 1024) c.l2 = l2;
#endif
  return c;
}

}  // namespace

const CacheSizes& DetectedCacheSizes() {
  static const CacheSizes sizes = Detect();
  return sizes;
}

}  // namespace scalert::kernels
