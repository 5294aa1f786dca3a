// The native backend: ScaleRT's own CPU kernels (kernels/registry.h), chosen per operator from
// the CPU's instruction set at Prepare, with weights packed once and work split over a
// thread pool the executable owns (kernels/thread_pool.h). Operators without a native kernel run the reference kernel.
#ifndef SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_
#define SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "kernels/isa.h"
#include "kernels/packing.h"  // TileShape
#include "runtime/backend.h"
#include "runtime/backends/native/native_steps.h"
#include "runtime/passes/mbconv_fusion.h"

namespace scalert {

// Prepares `g` at the best ISA level this CPU supports, capped by options.max_isa and by the
// SCALERT_ISA environment variable (portable, avx2, avx512, avx512vnni, avx512vbmi, neon, ...),
// with options.fusion deciding which MBConv blocks run fused (runtime/passes/mbconv_fusion.h).
// SCALERT_NATIVE_FUSE (0|off, 1|on|all, auto) overrides options.fusion for experiments.
absl::StatusOr<std::unique_ptr<Executable>> PrepareNative(const Graph& g, const BackendOptions& options);

struct NativeOptions {
  // Highest ISA level; a level the CPU lacks falls back to the nearest lower one it has.
  kernels::Isa max_isa = kernels::Isa::kPortable;
  // Which blocks become fused nodes: kOn every one the pass finds, kAuto those FusionPays
  // accepts, kOff none.
  FusionPolicy fusion = FusionPolicy::kOff;
  // L2 bytes per core the fused blocks' bands are sized for; 0 = this CPU's.
  int64_t l2_bytes = 0;
  // L1d bytes per core that cut fused FP32 bands into column chunks; 0 = this CPU's, < 0 = none.
  int64_t l1_bytes = 0;
  // Output columns per chunk of every fused FP32 band with an expand, whatever l1_bytes says
  // (tests: narrow chunks on small maps); 0 = from l1_bytes.
  int32_t fused_chunk_cols = 0;
  // L3 bytes (shared) that decide whether steps prefetch later steps' weights
  // (WeightPrefetch::Pays); 0 = this CPU's.
  int64_t l3_bytes = 0;
  // How a fused block applies its squeeze-and-excitation gate (tests force each way).
  native::SeGate se_gate = native::SeGate::kAuto;
};

// Same with explicit options instead of the environment. Tests use this to run every level,
// fused and unfused.
absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeWith(const Graph& g, const BackendOptions& options,
                                                              const NativeOptions& native);
absl::StatusOr<std::unique_ptr<Executable>> PrepareNativeAtIsa(const Graph& g, const BackendOptions& options,
                                                               kernels::Isa max_isa);

// Environment variable overriding BackendOptions::fusion: 0|off, 1|on|all, auto.
inline constexpr const char* kNativeFuseEnvVar = "SCALERT_NATIVE_FUSE";

// The level PrepareNative uses: detected, capped by `max_isa` (BackendOptions; "" = no cap) and
// by SCALERT_ISA; an unknown value is an error.
absl::StatusOr<kernels::Isa> NativeIsa(const std::string& max_isa);
absl::StatusOr<kernels::Isa> NativeIsaFromEnvironment();  // NativeIsa("")

// The kAuto cost model: true when block `b` of `g` runs faster fused on `threads` cores with
// `l2_bytes` of L2 each, with a GEMM kernel of tile `gemm_tile`. `rounds_as_ops`: fused, the block
// gives its ops' bits (native::FusedRoundsAsOps); only then may the thread count decide.
bool FusionPays(const Graph& g, const MbconvBlock& b, int threads, const kernels::TileShape& gemm_tile,
                int64_t l2_bytes, bool rounds_as_ops);

// `requested`, lowered until this CPU supports it.
kernels::Isa UsableIsa(kernels::Isa requested);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKENDS_NATIVE_NATIVE_BACKEND_H_
