// Weight prefetch across steps. A step that reads its weights once per run (a classifier or an SE
// fully connected layer: one row, so nothing reuses them) is bound by memory: its weights were
// last read a whole run ago and come from DRAM (EfficientNet-B0's 5 MB classifier took 0.21-0.31
// ms on a Zen 4, 0.08-0.11 ms with its weights prefetched). Compute-bound GEMM steps that run before it
// touch those weights into cache while their FMAs run (GemmArgs::prefetch), so the memory traffic
// overlaps arithmetic instead of stalling the pipeline.
//
// Steps register in run order while the plan is built: each GEMM that can host prefetches adds
// itself with its capacity, and each memory-bound step adds its weights, which are cut over the
// hosts added since the previous such step, nearest first. Immutable once the plan is built.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_WEIGHT_PREFETCH_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_WEIGHT_PREFETCH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace scalert::native {

class WeightPrefetch {
 public:
  struct Range {
    const char* data = nullptr;
    int64_t bytes = 0;
  };

  // A GEMM of m x k x n that runs in register tiles of mr x nr (a whole step, or the project
  // GEMMs of a fused block's bands): a host that can touch a cache line per k-step of each tile.
  // Returns its slot, or -1 when it is too small to host (a few rows: itself bound by memory).
  int AddHost(int64_t m, int32_t k, int32_t n, int32_t mr, int32_t nr);
  // Weights [data, data + bytes) that a memory-bound step reads once per run; they are cut over
  // the hosts added since the previous call, the nearest (last added) first. What no host has
  // room for is not prefetched.
  void AddTarget(const void* data, int64_t bytes);
  // What host `slot` touches while it runs (empty for -1 or when nothing was assigned).
  Range range(int slot) const;

  // Steps whose weights take fewer bytes are left alone (they may still be in L2).
  static constexpr int64_t kMinTargetBytes = 64 * 1024;

  // Whether prefetching across steps pays for a model with `weight_bytes` of weights on a CPU
  // with `l3_bytes` of L3 (0: unknown): only where the weights come from memory. Where L3 holds
  // them four times over, the targets stream from L3 about as fast as the prefetch brings them,
  // and the hosts only lose: on a Sapphire-Rapids-class Xeon (480 MiB L3) the classifier took
  // the same 0.17 ms either way, while the MobileNetV2 head hosting it ran 9% slower and whole
  // models 0.7% (MobileNetV2) and 1.6% (B0) slower. The Zen 4 where it paid (32 MiB L3,
  // shared) keeps it.
  static bool Pays(int64_t weight_bytes, int64_t l3_bytes);

 private:
  struct Host {
    int64_t capacity = 0;
    Range range;
  };
  std::vector<Host> hosts_;
  size_t first_open_ = 0;  // hosts before it served an earlier target
};

}  // namespace scalert::native

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_WEIGHT_PREFETCH_H_
