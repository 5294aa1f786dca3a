// Deterministic pseudo-random data for the kernel benchmarks (the values do not matter to the
// timings, only that they are finite, varied and the same in every run).
#ifndef SCALERT_BENCH_BENCH_VALUES_H_
#define SCALERT_BENCH_BENCH_VALUES_H_

#include <cstdint>
#include <vector>

namespace scalert::bench {

// n values in [-scale / 2, scale / 2).
inline std::vector<float> Values(size_t n, float scale) {
  std::vector<float> v(n);
  uint32_t s = 12345;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(s >> 8) / static_cast<float>(1 << 24) - 0.5f);
  }
  return v;
}

}  // namespace scalert::bench

#endif  // SCALERT_BENCH_BENCH_VALUES_H_
