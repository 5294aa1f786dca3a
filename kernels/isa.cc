// CPU features from cpuinfo (what XNNPACK uses too), read once. When cpuinfo cannot initialize
// (a sandbox without /proc or /sys, an emulator that shows the host's /proc/cpuinfo) the OS's own
// report takes over: the compiler's CPUID checks on x86, the auxiliary vector's HWCAP bits on
// arm64; cache sizes are then unknown (0).
#include "kernels/isa.h"

#include <cpuinfo.h>

#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace scalert::kernels {
namespace {

struct Features {
  // x86
  bool avx2 = false, fma = false, f16c = false, avx512f = false, avx512bw = false, avx512dq = false,
       avx512vl = false, avx512vnni = false, avx512vbmi = false, avx512bf16 = false, avx512fp16 = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false, amx_usable = false;
  // arm64
  bool asimd = false, asimdhp = false, asimddp = false, asimdfhm = false, i8mm = false, bf16 = false, sve = false;
  CacheSizes caches;
};

#if defined(__x86_64__) || defined(__i386__)
// AVX512-FP16 (CPUID.7.0:EDX[23]): newer than this cpuinfo. Usable only where AVX-512 is, whose
// OS-state check (XCR0) the other flags already include.
bool CpuidAvx512Fp16() {
  unsigned a, b, c, d;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (d >> 23 & 1);
}

// AMX (CPUID.7.0:EDX[24] tile, [25] int8, [22] bf16), also newer than this cpuinfo.
void CpuidAmx(Features* f) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
  f->amx_bf16 = d >> 22 & 1;
  f->amx_tile = d >> 24 & 1;
  f->amx_int8 = d >> 25 & 1;
}

// The tile registers are usable only when the OS saves them (XCR0 bits 17 and 18) and, on Linux,
// after the process asked for them: the 8 KiB tile state is off by default so that signal frames
// stay small (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA, Linux 5.16). The request is
// made once, for the whole process; where it fails (older kernels, seccomp filters) AMX is not
// used and every tile kernel falls back to AVX-512.
bool AmxStateUsable() {
#if defined(__x86_64__) && defined(__linux__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c >> 27 & 1)) return false;  // OSXSAVE: xgetbv is allowed
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & (3u << 17)) != (3u << 17)) return false;
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}
#endif

#if defined(__aarch64__) && defined(__linux__)
// Linux's arm64 HWCAP bits (arch/arm64/include/uapi/asm/hwcap.h), spelled out because older
// libc headers lack the newer ones.
constexpr unsigned long kHwcapAsimd = 1ul << 1, kHwcapAsimdhp = 1ul << 10, kHwcapAsimddp = 1ul << 20,
                        kHwcapSve = 1ul << 22, kHwcapAsimdfhm = 1ul << 23;
constexpr unsigned long kHwcap2I8mm = 1ul << 13, kHwcap2Bf16 = 1ul << 14;
#endif

Features Detect() {
  Features f;
  const bool have_cpuinfo = cpuinfo_initialize();
#if defined(__x86_64__) || defined(__i386__)
  if (have_cpuinfo) {
    f.avx2 = cpuinfo_has_x86_avx2();
    f.fma = cpuinfo_has_x86_fma3();
    f.f16c = cpuinfo_has_x86_f16c();
    f.avx512f = cpuinfo_has_x86_avx512f();
    f.avx512bw = cpuinfo_has_x86_avx512bw();
    f.avx512dq = cpuinfo_has_x86_avx512dq();
    f.avx512vl = cpuinfo_has_x86_avx512vl();
    f.avx512vnni = cpuinfo_has_x86_avx512vnni();
    f.avx512vbmi = cpuinfo_has_x86_avx512vbmi();
    f.avx512bf16 = cpuinfo_has_x86_avx512bf16();
  } else {
    // GCC's and Clang's checks include the OS enabling the wide register state (XCR0).
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
#if defined(__clang__) && __clang_major__ < 15
    f.f16c = f.avx2;  // Clang 14 has no "f16c" feature string; every AVX2 CPU shipped has F16C.
#else
    f.f16c = __builtin_cpu_supports("f16c");
#endif
    f.avx512f = __builtin_cpu_supports("avx512f");
    f.avx512bw = __builtin_cpu_supports("avx512bw");
    f.avx512dq = __builtin_cpu_supports("avx512dq");
    f.avx512vl = __builtin_cpu_supports("avx512vl");
    f.avx512vnni = __builtin_cpu_supports("avx512vnni");
    f.avx512vbmi = __builtin_cpu_supports("avx512vbmi");
    f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
  }
  f.avx512fp16 = f.avx512f && f.avx512bw && CpuidAvx512Fp16();
  CpuidAmx(&f);
  f.amx_usable = f.amx_tile && f.amx_int8 && f.amx_bf16 && AmxStateUsable();
#elif defined(__aarch64__)
  f.asimd = true;  // Advanced SIMD is mandatory on AArch64
  if (have_cpuinfo) {
    f.asimdhp = cpuinfo_has_arm_neon_fp16_arith();
    f.asimddp = cpuinfo_has_arm_neon_dot();
    f.bf16 = cpuinfo_has_arm_bf16();
    f.sve = cpuinfo_has_arm_sve();
  }
#if defined(__linux__)
  // The kernel's report is authoritative (and i8mm and FHM are newer than this cpuinfo).
  const unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
  if (!have_cpuinfo) {
    f.asimd = hwcap & kHwcapAsimd;
    f.asimdhp = hwcap & kHwcapAsimdhp;
    f.asimddp = hwcap & kHwcapAsimddp;
    f.sve = hwcap & kHwcapSve;
    f.bf16 = hwcap2 & kHwcap2Bf16;
  }
  f.i8mm = hwcap2 & kHwcap2I8mm;
  f.asimdfhm = hwcap & kHwcapAsimdfhm;  // not in this cpuinfo either
#endif
#endif
  if (have_cpuinfo) {
    const cpuinfo_processor* p = cpuinfo_get_current_processor();
    if (!p) p = cpuinfo_get_processor(0);
    if (p) {
      if (p->cache.l1d) f.caches.l1d = p->cache.l1d->size;
      if (p->cache.l2) f.caches.l2 = p->cache.l2->size;
      if (p->cache.l3) f.caches.l3 = p->cache.l3->size;
    }
  }
  return f;
}

const Features& Cpu() {
  static const Features f = Detect();
  return f;
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kPortable: return "portable";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Vnni: return "avx512vnni";
    case Isa::kAvx512Vbmi: return "avx512vbmi";
    case Isa::kAvx512Bf16: return "avx512bf16";
    case Isa::kAvx512Fp16: return "avx512fp16";
    case Isa::kAmx: return "amx";
    case Isa::kNeon: return "neon";
    case Isa::kNeonFp16: return "neonfp16";
    case Isa::kNeonDot: return "neondot";
    case Isa::kNeonFhm: return "neonfhm";
    case Isa::kNeonI8mm: return "neoni8mm";
  }
  return "unknown";
}

const std::vector<Isa>& AllIsas() {
  static const std::vector<Isa> all = {Isa::kPortable,   Isa::kAvx2,       Isa::kAvx512,      Isa::kAvx512Vnni,
                                       Isa::kAvx512Vbmi, Isa::kAvx512Bf16, Isa::kAvx512Fp16, Isa::kAmx,
                                       Isa::kNeon,       Isa::kNeonFp16,   Isa::kNeonDot,     Isa::kNeonFhm,
                                       Isa::kNeonI8mm};
  return all;
}

bool ParseIsa(const std::string& s, Isa* out) {
  for (Isa isa : AllIsas()) {
    if (s == IsaName(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

Isa IsaFallback(Isa isa) {
  switch (isa) {
    case Isa::kAvx512Vbmi: return Isa::kAvx512Vnni;
    case Isa::kAvx512Vnni: return Isa::kAvx512;
    case Isa::kAvx512: return Isa::kAvx2;
    case Isa::kAvx512Bf16: return Isa::kAvx512Vbmi;
    case Isa::kAvx512Fp16: return Isa::kAvx512Bf16;
    case Isa::kAmx: return Isa::kAvx512Fp16;
    case Isa::kNeonI8mm: return Isa::kNeonFhm;
    case Isa::kNeonFhm: return Isa::kNeonDot;
    case Isa::kNeonDot: return Isa::kNeonFp16;
    case Isa::kNeonFp16: return Isa::kNeon;
    default: return Isa::kPortable;
  }
}

bool IsaIncludes(Isa level, Isa feature) {
  for (;; level = IsaFallback(level)) {
    if (level == feature) return true;
    if (level == Isa::kPortable) return false;
  }
}

bool CpuSupports(Isa isa) {
  const Features& f = Cpu();
  switch (isa) {
    case Isa::kPortable: return true;
#if defined(__x86_64__) || defined(__i386__)
    case Isa::kAvx2: return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512: return CpuSupports(Isa::kAvx2) && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl;
    case Isa::kAvx512Vnni: return CpuSupports(Isa::kAvx512) && f.avx512vnni;
    case Isa::kAvx512Vbmi: return CpuSupports(Isa::kAvx512Vnni) && f.avx512vbmi;
    case Isa::kAvx512Bf16: return CpuSupports(Isa::kAvx512Vbmi) && f.avx512bf16;
    case Isa::kAvx512Fp16: return CpuSupports(Isa::kAvx512Bf16) && f.avx512fp16;
    case Isa::kAmx: return CpuSupports(Isa::kAvx512Fp16) && f.amx_usable;
#endif
#if defined(__aarch64__)
    case Isa::kNeon: return f.asimd;
    case Isa::kNeonFp16: return f.asimd && f.asimdhp;
    case Isa::kNeonDot: return CpuSupports(Isa::kNeonFp16) && f.asimddp;
    case Isa::kNeonFhm: return CpuSupports(Isa::kNeonDot) && f.asimdfhm;
    case Isa::kNeonI8mm: return CpuSupports(Isa::kNeonFhm) && f.i8mm;
#endif
    default: return false;
  }
}

Isa DetectedIsa() { return SupportedIsas().back(); }

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> r;
  for (Isa isa : AllIsas())
    if (CpuSupports(isa)) r.push_back(isa);
  return r;
}

std::vector<std::string> CpuFeatureNames() {
  const Features& f = Cpu();
  const std::pair<bool, const char*> all[] = {
      {f.avx2, "avx2"},         {f.fma, "fma"},           {f.f16c, "f16c"},
      {f.avx512f, "avx512f"},   {f.avx512bw, "avx512bw"}, {f.avx512dq, "avx512dq"},
      {f.avx512vl, "avx512vl"}, {f.avx512vnni, "avx512vnni"}, {f.avx512vbmi, "avx512vbmi"},
      {f.avx512bf16, "avx512_bf16"},
      {f.avx512fp16, "avx512_fp16"}, {f.amx_bf16, "amx_bf16"}, {f.amx_tile, "amx_tile"},
      {f.amx_int8, "amx_int8"}, {f.asimd, "asimd"}, {f.asimdhp, "asimdhp"},
      {f.asimddp, "asimddp"}, {f.asimdfhm, "asimdfhm"},   {f.i8mm, "i8mm"},         {f.bf16, "bf16"},
      {f.sve, "sve"}};
  std::vector<std::string> r;
  for (const auto& [has, name] : all)
    if (has) r.push_back(name);
  return r;
}

CacheSizes DetectedCacheSizes() { return Cpu().caches; }

CacheSizes CacheSizesOrDefaults() {
  CacheSizes c = DetectedCacheSizes();
  if (c.l1d <= 0) c.l1d = 32 * 1024;
  if (c.l2 <= 0) c.l2 = 1024 * 1024;
  return c;
}

}  // namespace scalert::kernels
