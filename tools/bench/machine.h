// What machine a timing was taken on (CPU model, cores, ISA features, caches) and, on request,
// its measured peaks: FLOP/s from an FMA loop and memory bandwidth from large streaming passes.
// Timings without this are not comparable, so every bench output carries it.
#ifndef SCALERT_TOOLS_BENCH_MACHINE_H_
#define SCALERT_TOOLS_BENCH_MACHINE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace scalert::bench {

struct MachineInfo {
  std::string cpu_model;          // "model name" (x86) or implementer/part (ARM) from /proc/cpuinfo
  std::string arch;               // "x86_64", "aarch64", ...
  int logical_cores = 0;
  std::vector<std::string> isa;   // features that matter to our kernels, e.g. avx2 fma avx512f
  int64_t l1d_bytes = 0, l2_bytes = 0, l3_bytes = 0;  // per cpu0, from sysfs (0 = unknown)
  std::string governor;           // cpufreq scaling governor, empty when not exposed
  std::string kernel;             // uname: sysname release
};

MachineInfo DetectMachine();

// Measured peaks. FLOP/s counts an FMA as two operations.
struct MachinePeaks {
  bool measured = false;
  std::string fma_kernel;        // which loop ran: "avx512f", "avx2+fma" or "generic"
  int all_threads = 1;           // threads used for the *_all numbers
  double gflops_1thread = 0, gflops_all = 0;
  double read_gbps_1thread = 0, read_gbps_all = 0;
  double write_gbps_1thread = 0;
  int64_t bandwidth_buffer_bytes = 0;

  // The roof for `threads` threads: FLOP/s and read bandwidth in bytes/s.
  double PeakFlops(int threads) const;
  double PeakBytesPerSecond(int threads) const;
};

// Runs the FMA loop and the streaming passes (about a second on a desktop; 2 x L3, at least
// 128 MiB, is allocated for the bandwidth passes).
MachinePeaks MeasurePeaks();

// One line: "AMD EPYC, x86_64, 2 logical cores, L1d 32 KiB, L2 1 MiB, L3 32 MiB, ISA: ...".
std::string MachineLine(const MachineInfo& m);
// Lines describing measured peaks (empty when not measured).
std::string PeaksText(const MachinePeaks& p);
// {"cpu": ..., "arch", "logical_cores", "isa": [...], "l1d_bytes", "l2_bytes", "l3_bytes",
//  "governor", "kernel", "scalert_version"[, "peaks": {...}]}.
std::string MachineJson(const MachineInfo& m, const MachinePeaks& p);

// "32 KiB", "1 MiB", "1.5 GiB".
std::string HumanBytes(int64_t bytes);

}  // namespace scalert::bench

#endif  // SCALERT_TOOLS_BENCH_MACHINE_H_
