#include "tools/bench/machine.h"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/version.h"
#include "tools/json.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define SCALERT_BENCH_X86 1
#endif

namespace scalert::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  size_t e = s.find_last_not_of(" \t\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return Trim(line);
}

// "32K" / "1024K" / "32M" -> bytes.
int64_t ParseCacheSize(const std::string& s) {
  if (s.empty()) return 0;
  char* end = nullptr;
  int64_t v = std::strtoll(s.c_str(), &end, 10);
  if (*end == 'K') v *= 1024;
  else if (*end == 'M') v *= 1024 * 1024;
  else if (*end == 'G') v *= int64_t{1024} * 1024 * 1024;
  return v;
}

// Values of the first occurrence of each "key : value" line in /proc/cpuinfo.
std::string CpuinfoField(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (Trim(line.substr(0, colon)) == key) return Trim(line.substr(colon + 1));
  }
  return "";
}

bool HasWord(const std::string& list, const std::string& word) {
  std::istringstream in(list);
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

#ifdef SCALERT_BENCH_X86
// CPUID bit, for features some compilers' __builtin_cpu_supports does not name (Clang 14 has
// no "f16c", "avxvnni" or "avx512fp16").
bool CpuidBit(unsigned leaf, unsigned subleaf, int reg, int bit) {
  unsigned r[4] = {0, 0, 0, 0};  // eax, ebx, ecx, edx
  if (!__get_cpuid_count(leaf, subleaf, &r[0], &r[1], &r[2], &r[3])) return false;
  return (r[reg] >> bit) & 1u;
}
constexpr int kEax = 0, kEcx = 2, kEdx = 3;
#endif

// ---- FMA loops: independent accumulators so the FMA units, not their latency, set the rate.
constexpr int kAccumulators = 12;

double FmaGeneric(int64_t iters) {
  float acc[kAccumulators * 8];
  for (int i = 0; i < kAccumulators * 8; ++i) acc[i] = 1.f + 0.001f * static_cast<float>(i);
  const float a = 0.999999f, b = 1e-7f;
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < kAccumulators * 8; ++i) acc[i] = acc[i] * a + b;
  float s = 0;
  for (float v : acc) s += v;
  return s;
}
constexpr double kGenericFlopsPerIter = 2.0 * kAccumulators * 8;

#ifdef SCALERT_BENCH_X86
__attribute__((target("avx2,fma"))) double FmaAvx2(int64_t iters) {
  __m256 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_set1_ps(1.f + 0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 s = acc[0];
  for (int i = 1; i < kAccumulators; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
}
constexpr double kAvx2FlopsPerIter = 2.0 * kAccumulators * 8;

__attribute__((target("avx512f"))) double FmaAvx512(int64_t iters) {
  __m512 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_ps(1.f + 0.001f * static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < kAccumulators; ++i) s = _mm512_add_ps(s, acc[i]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}
constexpr double kAvx512FlopsPerIter = 2.0 * kAccumulators * 16;

__attribute__((target("avx2"))) double SumAvx2(const float* p, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  double s = 0;
  for (float v : out) s += v;
  for (; i < n; ++i) s += p[i];
  return s;
}
#endif

double SumGeneric(const float* p, int64_t n) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) acc[j] += p[i + j];
  double s = 0;
  for (float v : acc) s += v;
  for (; i < n; ++i) s += p[i];
  return s;
}

struct FmaKernel {
  const char* name;
  double (*fn)(int64_t);
  double flops_per_iter;
};

FmaKernel PickFma() {
#ifdef SCALERT_BENCH_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {"avx512f", FmaAvx512, kAvx512FlopsPerIter};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"avx2+fma", FmaAvx2, kAvx2FlopsPerIter};
#endif
  return {"generic", FmaGeneric, kGenericFlopsPerIter};
}

double (*PickSum())(const float*, int64_t) {
#ifdef SCALERT_BENCH_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return SumAvx2;
#endif
  return SumGeneric;
}

// Runs `work(thread_index)` on `threads` threads at once and returns the wall seconds.
template <typename F>
double TimeOnThreads(int threads, const F& work) {
  auto t0 = Clock::now();
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { work(t); });
    for (auto& th : pool) th.join();
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

volatile double g_sink;  // keeps the measured loops from being optimized away

double MeasureGflops(const FmaKernel& k, int threads) {
  // Calibrate to ~20 ms per trial, then keep the best of many short trials: on a shared or
  // throttling machine a short window without interruptions shows the peak.
  int64_t iters = 1 << 12;
  while (TimeOnThreads(1, [&](int) { g_sink = k.fn(iters); }) < 0.01 && iters < (int64_t{1} << 34)) iters *= 2;
  double best = 0;
  for (int trial = 0; trial < 12; ++trial) {
    double s = TimeOnThreads(threads, [&](int) { g_sink = k.fn(iters); });
    best = std::max(best, k.flops_per_iter * static_cast<double>(iters) * threads / s / 1e9);
  }
  return best;
}

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};

}  // namespace

MachineInfo DetectMachine() {
  MachineInfo m;
  std::ifstream f("/proc/cpuinfo");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string cpuinfo = ss.str();
  m.cpu_model = CpuinfoField(cpuinfo, "model name");
  if (m.cpu_model.empty()) {
    std::string impl = CpuinfoField(cpuinfo, "CPU implementer"), part = CpuinfoField(cpuinfo, "CPU part");
    if (!impl.empty()) m.cpu_model = absl::StrCat("ARM implementer ", impl, " part ", part);
  }
  if (m.cpu_model.empty()) m.cpu_model = "unknown CPU";
  m.logical_cores = static_cast<int>(std::thread::hardware_concurrency());
  struct utsname u;
  if (uname(&u) == 0) {
    m.arch = u.machine;
    m.kernel = absl::StrCat(u.sysname, " ", u.release);
  }
#ifdef SCALERT_BENCH_X86
  __builtin_cpu_init();
  // The ISA levels our kernels and XNNPACK pick between, as the CPU reports them (cpuid).
  // __builtin_cpu_supports also checks that the OS enabled the wide registers; the CPUID-only
  // bits are gated on the family they extend.
  const bool avx = __builtin_cpu_supports("avx"), avx512 = __builtin_cpu_supports("avx512f");
  struct Feature { const char* name; bool present; };
  const Feature features[] = {
      {"sse4.2", static_cast<bool>(__builtin_cpu_supports("sse4.2"))},
      {"avx", avx},
      {"f16c", avx && CpuidBit(1, 0, kEcx, 29)},
      {"fma", static_cast<bool>(__builtin_cpu_supports("fma"))},
      {"avx2", static_cast<bool>(__builtin_cpu_supports("avx2"))},
      {"avxvnni", avx && CpuidBit(7, 1, kEax, 4)},
      {"avx512f", avx512},
      {"avx512bw", static_cast<bool>(__builtin_cpu_supports("avx512bw"))},
      {"avx512vl", static_cast<bool>(__builtin_cpu_supports("avx512vl"))},
      {"avx512vnni", static_cast<bool>(__builtin_cpu_supports("avx512vnni"))},
      {"avx512bf16", avx512 && CpuidBit(7, 1, kEax, 5)},
      {"avx512fp16", avx512 && CpuidBit(7, 0, kEdx, 23)},
      // AMX tiles (TDPBSSD / TDPBF16PS); whether Linux grants the process their state is
      // kernels/isa.h's `amx` level.
      {"amx_int8", avx512 && CpuidBit(7, 0, kEdx, 24) && CpuidBit(7, 0, kEdx, 25)},
      {"amx_bf16", avx512 && CpuidBit(7, 0, kEdx, 24) && CpuidBit(7, 0, kEdx, 22)},
  };
  for (const Feature& feat : features)
    if (feat.present) m.isa.push_back(feat.name);
#else
  // ARM: /proc/cpuinfo "Features" (asimd = NEON, asimdhp = FP16 arithmetic, asimddp = dot product).
  const std::string flags = CpuinfoField(cpuinfo, "Features");
  for (const char* name : {"asimd", "fphp", "asimdhp", "asimddp", "i8mm", "bf16", "sve", "sve2"})
    if (HasWord(flags, name)) m.isa.push_back(name);
#endif
  (void)HasWord;
  for (int i = 0; i < 8; ++i) {
    const std::string dir = absl::StrCat("/sys/devices/system/cpu/cpu0/cache/index", i, "/");
    const std::string level = ReadFirstLine(dir + "level");
    if (level.empty()) continue;
    const std::string type = ReadFirstLine(dir + "type");
    const int64_t size = ParseCacheSize(ReadFirstLine(dir + "size"));
    if (level == "1" && type == "Data") m.l1d_bytes = size;
    else if (level == "2") m.l2_bytes = size;
    else if (level == "3") m.l3_bytes = size;
  }
  m.governor = ReadFirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  return m;
}

double MachinePeaks::PeakFlops(int threads) const {
  return 1e9 * (threads <= 1 ? gflops_1thread : std::min(gflops_all, gflops_1thread * threads));
}

double MachinePeaks::PeakBytesPerSecond(int threads) const {
  return 1e9 * (threads <= 1 ? read_gbps_1thread : std::max(read_gbps_1thread, read_gbps_all));
}

MachinePeaks MeasurePeaks() {
  MachinePeaks p;
  p.all_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const FmaKernel k = PickFma();
  p.fma_kernel = k.name;
  p.gflops_1thread = MeasureGflops(k, 1);
  p.gflops_all = p.all_threads > 1 ? MeasureGflops(k, p.all_threads) : p.gflops_1thread;

  // Streaming passes over a buffer well beyond the last-level cache.
  const MachineInfo m = DetectMachine();
  int64_t bytes = std::max<int64_t>(int64_t{128} << 20, 2 * m.l3_bytes);
  bytes = std::min<int64_t>(bytes, int64_t{1} << 30);
  const int64_t n = bytes / 4 / 64 * 64;
  std::unique_ptr<float, AlignedFree> buf(static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(n) * 4)));
  if (!buf) return p;
  float* data = buf.get();
  std::memset(data, 0, static_cast<size_t>(n) * 4);  // fault the pages in before timing
  p.bandwidth_buffer_bytes = n * 4;
  auto sum = PickSum();
  auto read_gbps = [&](int threads) {
    const int64_t chunk = n / threads / 64 * 64;
    double best = 0;
    for (int trial = 0; trial < 5; ++trial) {
      double s = TimeOnThreads(threads, [&](int t) { g_sink = sum(data + t * chunk, chunk); });
      best = std::max(best, static_cast<double>(chunk * threads * 4) / s / 1e9);
    }
    return best;
  };
  p.read_gbps_1thread = read_gbps(1);
  p.read_gbps_all = p.all_threads > 1 ? read_gbps(p.all_threads) : p.read_gbps_1thread;
  double best_write = 0;
  for (int trial = 0; trial < 5; ++trial) {
    const float v = static_cast<float>(trial + 1);
    double s = TimeOnThreads(1, [&](int) { std::fill(data, data + n, v); });
    g_sink = data[n / 2];
    best_write = std::max(best_write, static_cast<double>(n * 4) / s / 1e9);
  }
  p.write_gbps_1thread = best_write;
  p.measured = true;
  return p;
}

std::string HumanBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return absl::StrCat(bytes, " B");
  if (v == static_cast<double>(static_cast<int64_t>(v))) return absl::StrFormat("%.0f %s", v, units[u]);
  return absl::StrFormat("%.1f %s", v, units[u]);
}

std::string MachineLine(const MachineInfo& m) {
  std::string s = absl::StrCat(m.cpu_model, ", ", m.arch, ", ", m.logical_cores, " logical cores");
  if (m.l1d_bytes) absl::StrAppend(&s, ", L1d ", HumanBytes(m.l1d_bytes));
  if (m.l2_bytes) absl::StrAppend(&s, ", L2 ", HumanBytes(m.l2_bytes));
  if (m.l3_bytes) absl::StrAppend(&s, ", L3 ", HumanBytes(m.l3_bytes));
  absl::StrAppend(&s, ", ISA: ", m.isa.empty() ? "baseline" : absl::StrJoin(m.isa, " "));
  if (!m.governor.empty()) absl::StrAppend(&s, ", governor ", m.governor);
  return s;
}

std::string PeaksText(const MachinePeaks& p) {
  if (!p.measured) return "";
  return absl::StrFormat(
      "peak FP32 FLOP/s (%s FMA loop): %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d threads\n"
      "memory bandwidth (%s buffer): read %.1f GB/s on 1 thread, %.1f GB/s on %d threads; write %.1f GB/s on 1 "
      "thread\n"
      "machine balance: %.1f FLOP/byte on 1 thread (below it an op is memory-bound)\n",
      p.fma_kernel, p.gflops_1thread, p.gflops_all, p.all_threads, HumanBytes(p.bandwidth_buffer_bytes),
      p.read_gbps_1thread, p.read_gbps_all, p.all_threads, p.write_gbps_1thread,
      p.read_gbps_1thread > 0 ? p.gflops_1thread / p.read_gbps_1thread : 0.0);
}

std::string MachineJson(const MachineInfo& m, const MachinePeaks& p) {
  using tools::JsonArray;
  using tools::JsonObject;
  using tools::JsonString;
  std::vector<std::string> isa;
  for (const std::string& f : m.isa) isa.push_back(JsonString(f));
  JsonObject o;
  o.Str("cpu", m.cpu_model).Str("arch", m.arch).Int("logical_cores", m.logical_cores).Raw("isa", JsonArray(isa))
      .Int("l1d_bytes", m.l1d_bytes).Int("l2_bytes", m.l2_bytes).Int("l3_bytes", m.l3_bytes)
      .Str("governor", m.governor).Str("kernel", m.kernel).Str("scalert_version", SCALERT_VERSION_STRING);
  if (p.measured)
    o.Raw("peaks", JsonObject()
                       .Str("fma_kernel", p.fma_kernel)
                       .Num("gflops_1thread", p.gflops_1thread)
                       .Num("gflops_all_threads", p.gflops_all)
                       .Int("all_threads", p.all_threads)
                       .Num("read_gbps_1thread", p.read_gbps_1thread)
                       .Num("read_gbps_all_threads", p.read_gbps_all)
                       .Num("write_gbps_1thread", p.write_gbps_1thread)
                       .Int("bandwidth_buffer_bytes", p.bandwidth_buffer_bytes)
                       .str());
  return o.str();
}

}  // namespace scalert::bench
