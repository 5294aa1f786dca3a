// Instruction-set levels the native kernels are written for, detected at run time. A level may
// be forced lower (SCALERT_ISA=portable|avx2|avx512|neon) so every path is testable on one machine.
#ifndef SCALERT_KERNELS_ISA_H_
#define SCALERT_KERNELS_ISA_H_

#include <string>
#include <vector>

namespace scalert::kernels {

// Ordered within each architecture; IsaFallback() walks down to kPortable.
enum class Isa : int {
  kPortable = 0,  // plain C++, any CPU
  kAvx2,          // x86-64: AVX2 + FMA (+ F16C)
  kAvx512,        // x86-64: AVX-512 F/BW/DQ/VL (no kernels yet: falls back to kAvx2)
  kNeon,          // arm64: Advanced SIMD (no kernels yet: falls back to kPortable)
};

const char* IsaName(Isa isa);
// Parses "portable", "avx2", "avx512", "neon" (case-sensitive). False on anything else.
bool ParseIsa(const std::string& s, Isa* out);
// The next lower level kernels may come from (kPortable falls back to itself).
Isa IsaFallback(Isa isa);
// True when this CPU (and OS) can run code of level `isa`.
bool CpuSupports(Isa isa);
// The best level this CPU supports.
Isa DetectedIsa();
// Every level this CPU supports, lowest first (always starts with kPortable).
std::vector<Isa> SupportedIsas();
// Name of the environment variable that caps the level: "SCALERT_ISA".
inline constexpr const char* kIsaEnvVar = "SCALERT_ISA";

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ISA_H_
