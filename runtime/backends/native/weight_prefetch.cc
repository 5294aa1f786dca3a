#include "runtime/backends/native/weight_prefetch.h"

#include <algorithm>

namespace scalert::native {

int WeightPrefetch::AddHost(int64_t m, int32_t k, int32_t n, int32_t mr, int32_t nr) {
  // Fewer rows than a few register tiles: the GEMM streams its own weights (bound by memory).
  if (m < 4 * int64_t{mr} || k <= 0 || n <= 0 || mr <= 0 || nr <= 0) return -1;
  const int64_t tiles = (m / mr) * (n / nr);  // full tiles: at most as many as the kernel runs
  Host h;
  h.capacity = tiles * k * 64;  // a cache line per k-step
  hosts_.push_back(h);
  return static_cast<int>(hosts_.size() - 1);
}

void WeightPrefetch::AddTarget(const void* data, int64_t bytes) {
  const char* p = static_cast<const char*>(data);
  const char* end = p + std::max<int64_t>(bytes, 0);
  // The nearest host takes the end of the range, earlier hosts the part before it.
  for (size_t i = hosts_.size(); i > first_open_ && end > p; --i) {
    Host& h = hosts_[i - 1];
    const int64_t take = std::min<int64_t>(h.capacity / 64 * 64, end - p);
    h.range = Range{end - take, take};
    end -= take;
  }
  first_open_ = hosts_.size();
}

bool WeightPrefetch::Pays(int64_t weight_bytes, int64_t l3_bytes) {
  return l3_bytes <= 0 || l3_bytes < 4 * weight_bytes;
}

WeightPrefetch::Range WeightPrefetch::range(int slot) const {
  if (slot < 0 || static_cast<size_t>(slot) >= hosts_.size()) return {};
  return hosts_[static_cast<size_t>(slot)].range;
}

}  // namespace scalert::native
