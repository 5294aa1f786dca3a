#include "kernels/isa.h"

namespace scalert::kernels {

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kPortable: return "portable";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "unknown";
}

bool ParseIsa(const std::string& s, Isa* out) {
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kNeon}) {
    if (s == IsaName(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

Isa IsaFallback(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return Isa::kAvx2;
    default: return Isa::kPortable;
  }
}

bool CpuSupports(Isa isa) {
  switch (isa) {
    case Isa::kPortable: return true;
#if defined(__x86_64__) || defined(__i386__)
    // GCC's and Clang's checks include the OS enabling the wide register state (XCR0).
    case Isa::kAvx2:
#if defined(__clang__) && __clang_major__ < 15
      // Clang 14 has no "f16c" feature string; every AVX2 CPU shipped has F16C.
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#endif
    case Isa::kAvx512:
      return CpuSupports(Isa::kAvx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
#if defined(__aarch64__)
    case Isa::kNeon: return true;  // Advanced SIMD is mandatory on arm64
#endif
    default: return false;
  }
}

Isa DetectedIsa() { return SupportedIsas().back(); }

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> r;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512, Isa::kNeon})
    if (CpuSupports(isa)) r.push_back(isa);
  return r;
}

}  // namespace scalert::kernels
