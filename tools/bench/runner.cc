#include "tools/bench/runner.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace scalert::bench {

std::string CandidateSpec::label() const {
  std::vector<std::string> parts;
  if (!max_isa.empty()) parts.push_back(max_isa);
  if (!fusion.empty()) parts.push_back("fusion=" + fusion);
  return parts.empty() ? backend : absl::StrCat(backend, "[", absl::StrJoin(parts, ","), "]");
}

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Random inputs so data-dependent paths (activations, softmax) see realistic values.
void FillInputs(Interpreter* it, uint32_t seed) {
  for (size_t i = 0; i < it->num_inputs(); ++i) {
    const Tensor& t = it->input(i);
    void* dst = it->input_data(i);
    if (t.dtype == DType::kF32) {
      std::mt19937 rng(seed + static_cast<uint32_t>(i));
      std::uniform_real_distribution<float> u(-1.f, 1.f);
      float* f = static_cast<float*>(dst);
      for (int64_t k = 0; k < t.num_elements(); ++k) f[k] = u(rng);
    } else {
      std::memset(dst, 0, static_cast<size_t>(t.bytes()));
    }
  }
}

struct Live {
  std::unique_ptr<Interpreter> interp;
  int64_t runs_per_round = 1;
  double timed_ms = 0;
};

}  // namespace

int64_t ProcessPeakRssBytes() {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

absl::Status ValidateSettings(const RunSettings& s) {
  if (s.warmup < 0) return absl::InvalidArgumentError(absl::StrCat("--warmup must be >= 0, got ", s.warmup));
  if (s.min_iters < 1) return absl::InvalidArgumentError(absl::StrCat("--min-iters must be >= 1, got ", s.min_iters));
  if (!(s.min_time_s > 0) || !std::isfinite(s.min_time_s))
    return absl::InvalidArgumentError(absl::StrCat("--min-time must be > 0 seconds, got ", s.min_time_s));
  if (!(s.sustained_s >= 0) || !std::isfinite(s.sustained_s))
    return absl::InvalidArgumentError(absl::StrCat("--sustained must be > 0 seconds, got ", s.sustained_s));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CandidateResult>> RunCandidates(const std::vector<CandidateSpec>& specs,
                                                           const RunSettings& settings, const ProgressFn& progress) {
  if (absl::Status s = ValidateSettings(settings); !s.ok()) return s;
  if (specs.empty()) return absl::InvalidArgumentError("nothing to benchmark: no candidates");
  auto say = [&](const std::string& msg) {
    if (progress) progress(msg);
  };

  // Each file is loaded once and shared by its candidates, as an app would share a Model.
  std::map<std::string, std::pair<std::shared_ptr<const Model>, double>> models;
  for (const CandidateSpec& c : specs) {
    if (models.count(c.model)) continue;
    say(absl::StrCat("loading ", c.model));
    auto t0 = Clock::now();
    auto m = Model::Load(c.model);
    const double ms = MsSince(t0);
    if (!m.ok()) return m.status();
    models[c.model] = {*m, ms};
  }

  std::vector<CandidateResult> results(specs.size());
  std::vector<Live> live(specs.size());
  std::vector<size_t> active;
  for (size_t i = 0; i < specs.size(); ++i) {
    CandidateResult& r = results[i];
    r.spec = specs[i];
    r.load_ms = models[r.spec.model].second;
    say(absl::StrCat("setting up ", i + 1, "/", specs.size(), ": ", r.spec.model, " ", r.spec.label(), " ",
                     PrecisionName(r.spec.precision), " ", r.spec.threads, "t"));
    InterpreterOptions o;
    o.backend = r.spec.backend;
    o.precision = r.spec.precision;
    o.threads = r.spec.threads;
    o.max_isa = r.spec.max_isa;
    if (!r.spec.fusion.empty() && !ParseFusionPolicy(r.spec.fusion, &o.fusion)) {
      r.error = absl::StrCat("unknown fusion policy '", r.spec.fusion, "'");
      continue;
    }
    auto t0 = Clock::now();
    auto it = Interpreter::Create(models[r.spec.model].first, o);
    r.prepare_ms = MsSince(t0);
    if (!it.ok()) {
      r.error = std::string(it.status().message());
      continue;
    }
    Live& l = live[i];
    l.interp = std::move(*it);
    r.effective_precision = l.interp->executable().effective_precision();
    r.arena_bytes = l.interp->executable().arena_bytes();
    FillInputs(l.interp.get(), settings.seed);
    t0 = Clock::now();
    absl::Status s = l.interp->Invoke();
    r.first_run_ms = MsSince(t0);
    std::vector<double> warm;
    for (int64_t w = 0; s.ok() && w < settings.warmup; ++w) {
      t0 = Clock::now();
      s = l.interp->Invoke();
      warm.push_back(MsSince(t0));
    }
    if (!s.ok()) {
      r.error = absl::StrCat("invoke failed: ", s.message());
      l.interp.reset();
      continue;
    }
    r.peak_rss_bytes = ProcessPeakRssBytes();
    // Latency estimate used only to balance the rounds below.
    l.timed_ms = 0;
    l.runs_per_round = 1;
    r.stats.median = warm.empty() ? r.first_run_ms : Median(warm);
    active.push_back(i);
  }

  // Interleaved rounds: every round runs each unfinished candidate k times back to back, with k
  // chosen so that all candidates finish in the same number of rounds R; slow drift (heat,
  // other load) then hits all alike, and the total is no longer than the slowest candidate's
  // own minimum. R = the fewest runs any candidate still needs; k_i = ceil(need_i / R).
  // Sustained mode instead gives each candidate the same wall time per round.
  auto rebalance = [&] {
    if (settings.sustained_s > 0) {
      double slowest = 0;
      for (size_t i : active) slowest = std::max(slowest, results[i].stats.median);
      for (size_t i : active)
        live[i].runs_per_round = std::clamp<int64_t>(
            static_cast<int64_t>(std::lround(slowest / std::max(results[i].stats.median, 1e-4))), 1, 10000);
      return;
    }
    std::vector<int64_t> need(results.size(), 0);
    int64_t rounds = 0;
    for (size_t i : active) {
      const double est = std::max(results[i].stats.median, 1e-4);
      const int64_t by_count = settings.min_iters - static_cast<int64_t>(results[i].samples_ms.size());
      const int64_t by_time = static_cast<int64_t>(std::ceil((settings.min_time_s * 1e3 - live[i].timed_ms) / est));
      need[i] = std::max<int64_t>({by_count, by_time, 0});
      if (need[i] > 0) rounds = rounds == 0 ? need[i] : std::min(rounds, need[i]);
    }
    for (size_t i : active)
      live[i].runs_per_round = need[i] == 0 ? 0 : std::min<int64_t>((need[i] + rounds - 1) / rounds, 10000);
  };
  rebalance();
  const auto start = Clock::now();
  auto done = [&] {
    if (settings.sustained_s > 0) return std::chrono::duration<double>(Clock::now() - start).count() >= settings.sustained_s;
    for (size_t i : active) {
      if (static_cast<int64_t>(results[i].samples_ms.size()) < settings.min_iters) return false;
      if (live[i].timed_ms < settings.min_time_s * 1e3) return false;
    }
    return true;
  };
  int64_t round = 0;
  double last_said = -1;
  while (!active.empty() && !done()) {
    ++round;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (last_said < 0 || elapsed - last_said >= 1) {  // at most one progress line a second
      int64_t runs = 0;
      for (size_t i : active) runs += static_cast<int64_t>(results[i].samples_ms.size());
      say(absl::StrCat("timing: round ", round, ", ", runs, " timed runs, ", static_cast<int>(elapsed), " s"));
      last_said = elapsed;
    }
    for (size_t idx = 0; idx < active.size(); ++idx) {
      const size_t i = active[idx];
      CandidateResult& r = results[i];
      for (int64_t k = 0; k < live[i].runs_per_round; ++k) {
        auto t0 = Clock::now();
        absl::Status s = live[i].interp->Invoke();
        const double ms = MsSince(t0);
        if (!s.ok()) {
          r.error = absl::StrCat("invoke failed: ", s.message());
          break;
        }
        r.samples_ms.push_back(ms);
        r.sample_end_s.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        live[i].timed_ms += ms;
      }
    }
    active.erase(std::remove_if(active.begin(), active.end(), [&](size_t i) { return !results[i].error.empty(); }),
                 active.end());
    // Re-estimate from the latest runs only: cheap however long the run, and follows drift.
    for (size_t i : active) {
      const std::vector<double>& v = results[i].samples_ms;
      const size_t recent = std::min<size_t>(v.size(), 64);
      if (recent > 0)
        results[i].stats.median = Median(std::vector<double>(v.end() - static_cast<std::ptrdiff_t>(recent), v.end()));
    }
    rebalance();
  }
  for (CandidateResult& r : results)
    if (r.error.empty()) r.stats = Summarize(r.samples_ms);

  if (settings.profile) {
    // A separate pass: the per-step clock reads must not touch the latency numbers above.
    for (size_t i : active) {
      say(absl::StrCat("profiling ", results[i].spec.model, " ", results[i].spec.label()));
      Executable& e = live[i].interp->executable();
      e.set_profiling(true);
      for (int64_t k = 0; k < settings.min_iters; ++k) {
        if (!live[i].interp->Invoke().ok()) break;
        ++results[i].profile_runs;
      }
      e.set_profiling(false);
      results[i].profile = e.profile();
      results[i].model = models[results[i].spec.model].first;
    }
  }
  return results;
}

void ComputeRatios(std::vector<CandidateResult>* results) {
  std::vector<CandidateResult>& rs = *results;
  std::string first_model;
  for (const CandidateResult& r : rs)
    if (r.error.empty()) {
      first_model = r.spec.model;
      break;
    }
  for (CandidateResult& r : rs) {
    if (!r.error.empty()) continue;
    int xnn = -1, first_same_threads = -1, first = -1;
    for (size_t j = 0; j < rs.size(); ++j) {
      const CandidateResult& b = rs[j];
      if (!b.error.empty()) continue;
      if (first < 0) first = static_cast<int>(j);
      if (b.spec.model != first_model || b.spec.threads != r.spec.threads) continue;
      if (first_same_threads < 0) first_same_threads = static_cast<int>(j);
      if (xnn < 0 && b.spec.backend == "xnnpack" && b.effective_precision == Precision::kF32) xnn = static_cast<int>(j);
    }
    r.baseline = xnn >= 0 ? xnn : first_same_threads >= 0 ? first_same_threads : first;
    const double base = rs[static_cast<size_t>(r.baseline)].stats.median;
    r.ratio_to_baseline = base > 0 ? r.stats.median / base : 0;
  }
}

}  // namespace scalert::bench
