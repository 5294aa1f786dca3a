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

// Prepares `g` at the best ISA level this CPU supports, capped by options.max_isa and by the
// SCALERT_ISA environment variable (portable, avx2, avx512, neon), with options.fusion deciding
// MBConv fusion. Environment overrides for experiments: SCALERT_NATIVE_FUSE (0|off, 1|on = chains
// whose expanded tensor is at least fuse_min_expanded_bytes, all = every chain, auto);
// SCALERT_NATIVE_SE_FUSE=1 runs the squeeze-and-excitation Mul inside the project.
absl::StatusOr<std::unique_ptr<Executable>> PrepareNative(const Graph& g, const BackendOptions& options);

struct NativeOptions {
  // Highest ISA level; a level the CPU lacks falls back to the nearest lower one it has.
  kernels::Isa max_isa = kernels::Isa::kPortable;
  // Run expand -> depthwise [-> project] chains fused row by row (runtime/passes/mbconv_fusion.h)
  // when the expanded tensor is at least fuse_min_expanded_bytes. Fusion saves the expanded
  // tensor's trip through memory but runs the GEMMs row by row. Off by default because it does
  // not pay on x86 with 1-2 MiB of L2 (AMD EPYC, 1 thread, alternated runs): every chain fused
  // was 4-5% slower than none on EfficientNet-B0 and MobileNetV2; only chains over 2 MiB (the
  // 112x112 blocks) was level with none (B0 17.9 vs 17.8 ms, MobileNetV2 10.7 vs 10.7,
  // MobileNetV3-Large 8.6 vs 8.8).
  bool fuse_mbconv = false;
  int64_t fuse_min_expanded_bytes = int64_t{2} << 20;
  // Run the squeeze-and-excitation Mul inside the project 1x1 it feeds (FindScaledPointwise):
  // each block of rows is scaled into an L2 scratch and multiplied. Off by default: measured
  // slower, not faster, on EfficientNet-B0 (AMD EPYC, 1 thread, per-op profile: Mul + project
  // 0.23 -> 0.29 ms, 0.34 -> 0.43 ms, 0.13 -> 0.16 ms on blocks 2-3); the cause is not found yet.
  bool fuse_se_scale = false;
};

// Same with explicit options instead of the environment. Tests use this to run every level,
// fused and unfused.
absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeWith(const Graph& g, const BackendOptions& options,
                                                              const NativeOptions& native);
absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeAtIsa(const Graph& g, const BackendOptions& options,
                                                               kernels::Isa max_isa);

// Environment variable choosing MBConv fusion: 0 or unset (none), 1 (large chains), all.
inline constexpr const char* kNativeSeFuseEnvVar = "SCALERT_NATIVE_SE_FUSE";  // 1: SE Mul in the project
inline constexpr const char* kNativeFuseEnvVar = "SCALERT_NATIVE_FUSE";

// The level PrepareNative uses: detected, capped by `max_isa` (BackendOptions; "" = no cap) and
// by SCALERT_ISA; an unknown value is an error.
absl::StatusOr<kernels::Isa> NativeIsa(const std::string& max_isa);
absl::StatusOr<kernels::Isa> NativeIsaFromEnvironment();  // NativeIsa("")

// `requested`, lowered until this CPU supports it.
kernels::Isa UsableIsa(kernels::Isa requested);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_
