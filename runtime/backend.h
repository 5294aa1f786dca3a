// A backend turns a validated graph into an Executable: everything that can be decided once
// (kernel choice, weight packing, memory plan) happens in Prepare; Invoke only computes.
#ifndef SCALERT_RUNTIME_BACKEND_H_
#define SCALERT_RUNTIME_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/graph.h"
#include "runtime/types.h"

namespace scalert {

// Whether a backend may run MBConv / inverted-residual chains as fused nodes.
enum class FusionPolicy {
  kAuto,  // a cost model decides per chain from its shapes and the CPU's cache sizes
  kOn,    // every chain the backend can fuse
  kOff,   // none: op by op
};
const char* FusionPolicyName(FusionPolicy p);
// Parses "auto", "on", "off". False on anything else.
bool ParseFusionPolicy(const std::string& s, FusionPolicy* out);

struct BackendOptions {
  int threads = 1;
  Precision precision = Precision::kF32;
  bool poison_freed = false;  // debug: fill dead activations with NaN after their last read
  // Highest kernel ISA level ("portable", "avx2", "avx512", "neon"); empty = the best this CPU
  // has. A level above the CPU's falls back to the nearest one it has. The SCALERT_ISA
  // environment variable, when set, caps it further (an override for experiments).
  std::string max_isa;
  // Fusion of MBConv chains (native backend). SCALERT_NATIVE_FUSE=0|1|auto overrides it.
  FusionPolicy fusion = FusionPolicy::kAuto;
  // Optional activation arena owned by the caller (64-byte aligned), e.g. one arena shared by
  // family members that run one at a time. Null: the executable allocates its own. A planned
  // arena larger than `external_arena_bytes` is an error; the xnnpack backend refuses it.
  uint8_t* external_arena = nullptr;
  int64_t external_arena_bytes = 0;
};

struct StepProfile {
  std::string name;     // operator label, or a fused block
  std::string kernel;   // e.g. "conv2d_f32_reference", "xnnpack"
  int64_t macs = 0;
  int64_t bytes = 0;    // activation + weight bytes read and written
  double seconds = 0;   // accumulated over invocations since profiling was enabled
  int64_t calls = 0;
};

class Executable {
 public:
  virtual ~Executable() = default;
  virtual void* input_buffer(size_t i) = 0;
  virtual const void* output_buffer(size_t i) const = 0;
  virtual absl::Status Invoke() = 0;
  virtual int64_t arena_bytes() const = 0;
  // Profiling accumulates per-step times in Invoke; off by default (it costs a clock read).
  virtual void set_profiling(bool on) { (void)on; }
  virtual std::vector<StepProfile> profile() const { return {}; }
  // What runs each operator (backend and precision), for inspect and bench.
  virtual std::vector<std::string> op_descriptions() const = 0;
  // Precision that actually took effect (a request may fall back, e.g. FP16 without support).
  virtual Precision effective_precision() const { return Precision::kF32; }
};

// Names of the backends compiled in, e.g. {"reference", "xnnpack"}.
std::vector<std::string> AvailableBackends();

// Prepares `g` on the named backend. Unknown names and unsupported ops are clear errors.
absl::StatusOr<std::unique_ptr<Executable>> PrepareBackend(const std::string& name, const Graph& g,
                                                           const BackendOptions& options);

}  // namespace scalert

#endif  // SCALERT_RUNTIME_BACKEND_H_
