#include "tools/latency/native_steps.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "runtime/interpreter.h"
#include "runtime/model_format.h"
#include "tools/bench/stats.h"

namespace scalert::latency {
namespace {

using Clock = std::chrono::steady_clock;

absl::StatusOr<std::unique_ptr<Interpreter>> PrepareNative(std::shared_ptr<const Model> model, int threads,
                                                           Precision precision) {
  InterpreterOptions o;
  o.backend = "native";
  o.threads = threads;
  o.precision = precision;
  auto it = Interpreter::Create(std::move(model), o);
  if (!it.ok()) return it.status();
  // Inputs in [-1, 1): data-dependent paths (activations) see realistic values.
  for (size_t i = 0; i < (*it)->num_inputs(); ++i) {
    const Tensor& t = (*it)->input(i);
    if (t.dtype != DType::kF32) {
      std::memset((*it)->input_data(i), 0, static_cast<size_t>(t.bytes()));
      continue;
    }
    std::mt19937 rng(static_cast<uint32_t>(i));
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    float* f = static_cast<float*>((*it)->input_data(i));
    for (int64_t k = 0; k < t.num_elements(); ++k) f[k] = u(rng);
  }
  return it;
}

// Per-step seconds of the latest run: the difference of two cumulative profiles.
std::vector<double> StepDelta(const std::vector<StepProfile>& before, const std::vector<StepProfile>& after) {
  std::vector<double> ms(after.size(), 0);
  for (size_t i = 0; i < after.size(); ++i)
    ms[i] = (after[i].seconds - (i < before.size() ? before[i].seconds : 0)) * 1e3;
  return ms;
}

// Reads `bytes` of a buffer kept for the purpose, then the interpreter's inputs.
class CacheEvictor {
 public:
  explicit CacheEvictor(int64_t bytes) : buffer_(static_cast<size_t>(std::max<int64_t>(bytes, 0)) / 8, 1) {}
  void Run(Interpreter& it) {
    if (buffer_.empty()) return;
    uint64_t sum = 0;
    for (size_t i = 0; i < buffer_.size(); i += 8) sum += buffer_[i];  // one read per 64-byte line
    for (size_t k = 0; k < it.num_inputs(); ++k) {
      const auto* p = static_cast<const uint8_t*>(it.input_data(k));
      for (int64_t b = 0; b < it.input(k).bytes(); b += 64) sum += p[b];
    }
    sink_ = sink_ + sum;
  }

 private:
  std::vector<uint64_t> buffer_;
  volatile uint64_t sink_ = 0;
};

}  // namespace

std::vector<bool> FindEmptySteps(const std::vector<std::string>& labels, const std::vector<double>& step_ms) {
  std::vector<bool> empty(labels.size(), false);
  for (size_t i = 0; i < labels.size() && i < step_ms.size(); ++i) {
    size_t end = i;
    while (end + 1 < labels.size() && end + 1 < step_ms.size() && labels[end + 1] == labels[i]) ++end;
    if (end == i) continue;
    // Within a run of equal labels, steps before a real one that cost nothing next to it.
    for (size_t k = i; k < end; ++k) {
      size_t next = k + 1;
      while (next < end && step_ms[next] < 1e-3) ++next;
      empty[k] = step_ms[k] < 1e-3 && step_ms[k] < 0.05 * step_ms[next];
    }
    i = end;
  }
  return empty;
}

absl::StatusOr<std::shared_ptr<const Model>> ModelFromGraph(const Graph& g, const std::string& name) {
  auto bytes = SerializeGraph(g);
  if (!bytes.ok()) return bytes.status();
  return Model::LoadFromMemory(bytes->data(), bytes->size(), {}, name);
}

absl::StatusOr<NativePlan> DescribeNativePlan(std::shared_ptr<const Model> model, int threads, Precision precision,
                                              bool find_empty) {
  auto it = PrepareNative(std::move(model), threads, precision);
  if (!it.ok()) return it.status();
  NativePlan p;
  Executable& e = (*it)->executable();
  p.labels = e.op_descriptions();
  p.effective_precision = e.effective_precision();
  p.footprint_bytes = e.arena_bytes();
  for (const Tensor& t : (*it)->model().graph().tensors)
    if (t.is_constant()) p.footprint_bytes += t.bytes();
  if (find_empty) {
    e.set_profiling(true);
    std::vector<double> best;
    for (int r = 0; r < 2; ++r) {  // the smaller of two runs: a preempted empty step still looks empty
      const std::vector<StepProfile> before = e.profile();
      if (absl::Status s = (*it)->Invoke(); !s.ok()) return s;
      std::vector<double> ms = StepDelta(before, e.profile());
      if (best.empty()) best = ms;
      for (size_t i = 0; i < ms.size() && i < best.size(); ++i) best[i] = std::min(best[i], ms[i]);
    }
    e.set_profiling(false);
    p.empty = FindEmptySteps(p.labels, best);
  }
  return p;
}

absl::StatusOr<StepTiming> TimeSteps(std::shared_ptr<const Model> model, int threads, Precision precision,
                                     const StepTimingSettings& settings) {
  auto it = PrepareNative(std::move(model), threads, precision);
  if (!it.ok()) return it.status();
  Interpreter& interp = **it;
  Executable& e = interp.executable();
  StepTiming r;
  r.labels = e.op_descriptions();
  r.effective_precision = e.effective_precision();
  for (int w = 0; w < settings.warmup; ++w)
    if (absl::Status s = interp.Invoke(); !s.ok()) return s;
  CacheEvictor evict(settings.evict_bytes), evict_l2(settings.warm_evict_bytes);
  // Profiled runs, warm (back to back) then cold (after eviction); per-step medians of each.
  auto profiled = [&](bool cold, std::vector<double>* medians) -> absl::Status {
    std::vector<std::vector<double>> per_step(r.labels.size());
    double seconds = 0;
    const int max_runs = std::max(settings.max_runs, settings.min_runs);
    for (int runs = 0; runs < max_runs && (runs < settings.min_runs || seconds < settings.min_time_s); ++runs) {
      (cold ? evict : evict_l2).Run(interp);
      e.set_profiling(true);
      const std::vector<StepProfile> before = e.profile();
      auto t0 = Clock::now();
      if (absl::Status s = interp.Invoke(); !s.ok()) return s;
      seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      const std::vector<double> ms = StepDelta(before, e.profile());
      e.set_profiling(false);
      for (size_t i = 0; i < ms.size() && i < per_step.size(); ++i) per_step[i].push_back(ms[i]);
    }
    for (const std::vector<double>& v : per_step) medians->push_back(bench::Median(v));
    return absl::OkStatus();
  };
  if (absl::Status s = profiled(false, &r.step_ms); !s.ok()) return s;
  if (settings.evict_bytes > 0)
    if (absl::Status s = profiled(true, &r.step_ms_cold); !s.ok()) return s;
  std::vector<double> whole;
  for (int runs = 0; runs < settings.unprofiled_runs; ++runs) {
    auto t0 = Clock::now();
    if (absl::Status s = interp.Invoke(); !s.ok()) return s;
    whole.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  r.measured_ms = bench::Median(whole);
  r.empty = FindEmptySteps(r.labels, r.step_ms);
  return r;
}

}  // namespace scalert::latency
