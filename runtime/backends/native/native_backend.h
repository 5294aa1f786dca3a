// The native backend: ScaleRT's own CPU kernels (kernels/registry.h), chosen per operator from
// the CPU's instruction set at Prepare, with weights packed once and work split over a
// thread pool the executable owns (kernels/thread_pool.h). Operators without a native kernel run the reference kernel.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "kernels/isa.h"
#include "runtime/backend.h"

namespace scalert {

// Prepares `g` at the best ISA level this CPU supports, capped by the SCALERT_ISA environment
// variable when it is set (portable, avx2, avx512, neon); SCALERT_NATIVE_FUSE=1 enables fusion.
absl::StatusOr<std::unique_ptr<Executable>> PrepareNative(const Graph& g, const BackendOptions& options);

struct NativeOptions {
  // Highest ISA level; a level the CPU lacks falls back to the nearest lower one it has.
  kernels::Isa max_isa = kernels::Isa::kPortable;
  // Run expand -> depthwise [-> project] chains fused row by row (runtime/passes/mbconv_fusion.h).
  // Off by default: on x86 with a 1 MiB L2 and a large L3 the expanded tensors of 224x224 models
  // stay in cache anyway, and the per-row GEMM calls cost more than the traffic they save
  // (EfficientNet-B0 and MobileNetV2, 1 thread, AMD EPYC: fused 4-5% slower than unfused).
  bool fuse_mbconv = false;
};

// Same with explicit options instead of the environment. Tests use this to run every level,
// fused and unfused.
absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeWith(const Graph& g, const BackendOptions& options,
                                                              const NativeOptions& native);
absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeAtIsa(const Graph& g, const BackendOptions& options,
                                                               kernels::Isa max_isa);

// Environment variable that turns MBConv fusion on when set to 1 (to measure the fused plan).
inline constexpr const char* kNativeFuseEnvVar = "SCALERT_NATIVE_FUSE";

// The level PrepareNative would use: detected, capped by SCALERT_ISA; an unknown value is an error.
absl::StatusOr<kernels::Isa> NativeIsaFromEnvironment();

// `requested`, lowered until this CPU supports it.
kernels::Isa UsableIsa(kernels::Isa requested);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_
