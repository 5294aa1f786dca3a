// Per-core data cache sizes of this CPU, for choosing working-set sizes (fused blocks' bands).
// Read once through sysconf (glibc answers from CPUID on x86); a CPU or libc that does not say
// gets typical sizes, so callers always get a usable number.
#ifndef SCALERT_KERNELS_CACHE_SIZES_H_
#define SCALERT_KERNELS_CACHE_SIZES_H_

#include <cstdint>

namespace scalert::kernels {

struct CacheSizes {
  int64_t l1d = 32 * 1024;
  int64_t l2 = 1024 * 1024;  // per core
};

const CacheSizes& DetectedCacheSizes();

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_CACHE_SIZES_H_
