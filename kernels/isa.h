// Instruction-set levels the native kernels are written for, detected at run time from cpuinfo
// (with the OS's own report as a fallback). A level may be forced lower (SCALERT_ISA=portable|
// avx2|avx512|avx512vnni|avx512vbmi|avx512bf16|avx512fp16|amx|neon|neonfp16|neondot|neonfhm|
// neoni8mm) so every path is testable on one machine.
#ifndef SCALERT_KERNELS_ISA_H_
#define SCALERT_KERNELS_ISA_H_

#include <cstdint>
#include <string>
#include <vector>

namespace scalert::kernels {

// Ordered within each architecture; IsaFallback() walks down to kPortable.
enum class Isa : int {
  kPortable = 0,  // plain C++, any CPU
  kAvx2,          // x86-64: AVX2 + FMA (+ F16C)
  kAvx512,        // x86-64: AVX-512 F/BW/DQ/VL
  kAvx512Vnni,    // x86-64: + AVX512-VNNI (vpdpbusd: INT8 dot products); FP32 runs kAvx512's kernels
  kAvx512Vbmi,    // x86-64: + AVX512-VBMI (vpermi2b: byte tables); Ice Lake, Zen 4 and later
  kAvx512Bf16,    // x86-64: + AVX512-BF16 (vdpbf16ps); falls back to kAvx512Vbmi (Zen 4, Sapphire Rapids)
  kAvx512Fp16,    // x86-64: + AVX512-FP16 (FP16 arithmetic); Sapphire Rapids and later, not Zen 4/5
  kAmx,           // x86-64: + AMX-TILE/INT8/BF16 (tile matrix multiply), with the OS's permission
                  // to use the tile state (Linux: arch_prctl ARCH_REQ_XCOMP_PERM); Sapphire Rapids
  kNeon,          // arm64: Advanced SIMD (mandatory on AArch64)
  kNeonFp16,      // arm64: + FP16 arithmetic (ARMv8.2-A FEAT_FP16, "asimdhp")
  kNeonDot,       // arm64: + FP16 + int8 dot products (FEAT_DotProd, "asimddp": SDOT/UDOT)
  kNeonFhm,       // arm64: + FP16 products accumulated in FP32 (FEAT_FHM, "asimdfhm": FMLAL; Armv8.4 with
                  // FP16, e.g. Cortex-A78/X1, Neoverse V1, Apple M1; not Cortex-A55/A75/A76)
  kNeonI8mm,      // arm64: + int8 matrix multiply (FEAT_I8MM: SMMLA; Armv8.6, which implies FHM)
};

const char* IsaName(Isa isa);
// Parses an IsaName() ("portable", "avx2", "avx512", "avx512vnni", "avx512vbmi", "avx512bf16",
// "avx512fp16", "amx", "neon", "neonfp16", "neondot", "neonfhm", "neoni8mm"; case-sensitive).
// False on anything else.
bool ParseIsa(const std::string& s, Isa* out);
// The next lower level kernels may come from (kPortable falls back to itself).
Isa IsaFallback(Isa isa);
// True when `level` is `feature` or above it on its fallback chain (kAmx includes kAvx512Bf16):
// for "does this level have BF16 dot products" rather than comparing levels for equality.
bool IsaIncludes(Isa level, Isa feature);
// True when this CPU (and OS) can run code of level `isa`.
bool CpuSupports(Isa isa);
// The best level this CPU supports.
Isa DetectedIsa();
// Every level this CPU supports, lowest first (always starts with kPortable).
std::vector<Isa> SupportedIsas();
// Every level, lowest first per architecture (for parsing, listing and tests).
const std::vector<Isa>& AllIsas();
// Name of the environment variable that caps the level: "SCALERT_ISA".
inline constexpr const char* kIsaEnvVar = "SCALERT_ISA";

// The CPU's extensions that kernels or reports care about, whatever level they belong to, by
// their Linux /proc/cpuinfo names: x86 "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq",
// "avx512vl", "avx512vnni", "avx512vbmi", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile",
// "amx_int8"; arm64 "asimd", "asimdhp", "asimddp", "asimdfhm",
// "i8mm", "bf16", "sve". Only the ones this CPU has, in that order.
std::vector<std::string> CpuFeatureNames();

// Data cache sizes in bytes of the core this runs on (the first of each level); 0 when the CPU
// does not report that level. Tile and band heights are sized from these.
struct CacheSizes {
  int64_t l1d = 0, l2 = 0, l3 = 0;
};
CacheSizes DetectedCacheSizes();
// DetectedCacheSizes() with unreported levels replaced by common values (32 KiB L1d, 1 MiB L2,
// no L3), for callers that need a number.
CacheSizes CacheSizesOrDefaults();

}  // namespace scalert::kernels

#endif  // SCALERT_KERNELS_ISA_H_
