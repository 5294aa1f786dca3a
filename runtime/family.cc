#include "runtime/family.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "runtime/resize_bilinear.h"
#include "runtime/status_macros.h"

namespace scalert {
namespace {

constexpr int kMaxHorizon = 64;
constexpr size_t kBudgetHistory = 8;

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int64_t GraphMacs(const Graph& g) {
  int64_t macs = 0;
  for (const Node& n : g.nodes) macs += NodeMacs(g, n);
  return macs;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The members' one input: float32 [1, h, w, c].
absl::Status CheckInput(const Model& m) {
  const Graph& g = m.graph();
  if (g.inputs.size() != 1)
    return absl::InvalidArgumentError(absl::StrCat(m.name(), ": a family member needs exactly one input, found ",
                                                   g.inputs.size()));
  const Tensor& t = g.tensors[g.inputs[0]];
  if (t.dtype != DType::kF32 || t.shape.size() != 4 || t.shape[0] != 1)
    return absl::InvalidArgumentError(absl::StrCat(m.name(), ": a family member's input must be float32 NHWC [1, h, w, c]; '",
                                                   t.name, "' is ", ShapeToString(t.shape), " ", DTypeName(t.dtype)));
  return absl::OkStatus();
}

absl::Status CheckCompatible(const Model& first, const Model& m) {
  const Graph& a = first.graph();
  const Graph& b = m.graph();
  const Tensor& ia = a.tensors[a.inputs[0]];
  const Tensor& ib = b.tensors[b.inputs[0]];
  if (ia.shape[3] != ib.shape[3])
    return absl::InvalidArgumentError(absl::StrCat(m.name(), ": input has ", ib.shape[3], " channels but ", first.name(),
                                                   " has ", ia.shape[3], "; family members must agree"));
  if (a.outputs.size() != b.outputs.size())
    return absl::InvalidArgumentError(absl::StrCat(m.name(), ": ", b.outputs.size(), " outputs but ", first.name(), " has ",
                                                   a.outputs.size(), "; family members must agree"));
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    const Tensor& oa = a.tensors[a.outputs[i]];
    const Tensor& ob = b.tensors[b.outputs[i]];
    if (oa.shape != ob.shape || oa.dtype != ob.dtype)
      return absl::InvalidArgumentError(absl::StrCat(m.name(), ": output ", i, " '", ob.name, "' is ", ShapeToString(ob.shape),
                                                     " ", DTypeName(ob.dtype), " but ", first.name(), "'s is ",
                                                     ShapeToString(oa.shape), " ", DTypeName(oa.dtype)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Family>> Family::Create(std::vector<std::shared_ptr<const Model>> models,
                                                       const FamilyOptions& options) {
  const size_t n = models.size();
  if (n == 0) return absl::InvalidArgumentError("a family needs at least one member");
  for (const auto& m : models)
    if (!m) return absl::InvalidArgumentError("a family member is null");
  if (options.horizon < 1 || options.horizon > kMaxHorizon)
    return absl::InvalidArgumentError(absl::StrCat("horizon must be in [1, ", kMaxHorizon, "] frames, got ", options.horizon));
  if (!(options.total_budget_fraction >= 0) || !std::isfinite(options.total_budget_fraction))
    return absl::InvalidArgumentError("total_budget_fraction must be finite and >= 0");
  if (options.calibration_runs < 0 || options.switch_runs < 0)
    return absl::InvalidArgumentError("calibration_runs and switch_runs must be >= 0");
  if (options.latency_ms.empty() && options.calibration_runs == 0)
    return absl::InvalidArgumentError("without calibration runs, give the members' latencies (a device profile)");
  if (!options.latency_ms.empty() && options.latency_ms.size() != n)
    return absl::InvalidArgumentError(absl::StrCat(options.latency_ms.size(), " latencies for ", n, " members"));
  for (double ms : options.latency_ms)
    if (!(ms > 0) || !std::isfinite(ms)) return absl::InvalidArgumentError("member latencies must be finite and > 0");
  if (!options.switch_ms.empty()) {
    if (options.latency_ms.empty()) return absl::InvalidArgumentError("switch costs come with the latencies they add to");
    if (options.switch_ms.size() != n) return absl::InvalidArgumentError("switch costs must be an n x n matrix");
    for (const auto& row : options.switch_ms) {
      if (row.size() != n) return absl::InvalidArgumentError("switch costs must be an n x n matrix");
      for (double ms : row)
        if (!(ms >= 0) || !std::isfinite(ms)) return absl::InvalidArgumentError("switch costs must be finite and >= 0");
    }
  }
  if (!options.accuracy.empty() && options.accuracy.size() != n)
    return absl::InvalidArgumentError(absl::StrCat(options.accuracy.size(), " accuracies for ", n, " members"));
  if (options.margin_window < 1 || !(options.margin_quantile >= 0 && options.margin_quantile <= 1))
    return absl::InvalidArgumentError("margin_window must be >= 1 and margin_quantile in [0, 1]");
  for (const auto& m : models) RETURN_IF_ERROR(CheckInput(*m));
  for (size_t i = 1; i < n; ++i) RETURN_IF_ERROR(CheckCompatible(*models[0], *models[i]));

  std::unique_ptr<Family> f(new Family());
  f->options_ = options;
  f->margin_ = MarginLearner(options.margin_window, options.margin_quantile);
  // Cheapest first; `given` maps a sorted position back to the caller's order.
  std::vector<size_t> given(n);
  std::iota(given.begin(), given.end(), 0);
  std::vector<int64_t> macs(n);
  for (size_t i = 0; i < n; ++i) macs[i] = GraphMacs(models[i]->graph());
  std::stable_sort(given.begin(), given.end(), [&](size_t a, size_t b) { return macs[a] < macs[b]; });
  for (size_t pos = 0; pos < n; ++pos) {
    const size_t i = given[pos];
    Member m;
    m.model = models[i];
    const Graph& g = m.model->graph();
    const Tensor& in = g.tensors[g.inputs[0]];
    m.info.name = m.model->name();
    m.info.input_h = in.shape[1];
    m.info.input_w = in.shape[2];
    m.info.input_c = in.shape[3];
    m.info.macs = macs[i];
    m.info.accuracy = options.accuracy.empty() ? EfficientNetAccuracyProxy(macs[i]) : options.accuracy[i];
    if (!options.latency_ms.empty()) m.info.latency_ms = options.latency_ms[i];
    f->members_.push_back(std::move(m));
  }
  f->switch_ms_.assign(n, std::vector<double>(n, 0.0));
  if (!options.switch_ms.empty())
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b) f->switch_ms_[a][b] = options.switch_ms[given[a]][given[b]];
  if (options.policy == FamilyPolicy::kStatic && (options.static_member < 0 || static_cast<size_t>(options.static_member) >= n))
    return absl::InvalidArgumentError(absl::StrCat("static member ", options.static_member, " out of range (", n, " members)"));

  RETURN_IF_ERROR(f->Prepare());
  const Graph& g0 = f->members_[0].model->graph();
  for (int32_t t : g0.outputs) f->output_tensors_.push_back(&g0.tensors[t]);
  if (options.latency_ms.empty()) RETURN_IF_ERROR(f->Calibrate());

  f->budget_history_.reserve(kBudgetHistory);
  f->forecast_.reserve(kMaxHorizon);
  f->plan_.reserve(kMaxHorizon);
  f->predicted_.resize(n);
  f->dp_.predicted_ms.resize(n);
  f->dp_.budgets_ms.reserve(kMaxHorizon);
  f->dp_.switch_ms = f->switch_ms_;
  for (const Member& m : f->members_) f->dp_.accuracy.push_back(m.info.accuracy);
  // Size the DP scratch once so that the first Invoke does not allocate either.
  f->dp_.budgets_ms.assign(static_cast<size_t>(options.horizon), 1.0);
  f->dp_.total_budget_ms = options.total_budget_fraction > 0 ? 1.0 : 0.0;
  DpPlan(f->dp_, &f->dp_scratch_, &f->plan_);
  f->ResetPolicyState();
  return f;
}

Family::~Family() {
  for (Member& m : members_) m.exe.reset();  // before the arena they point into
  std::free(shared_arena_);
}

absl::Status Family::Prepare() {
  const std::string& backend = options_.interpreter.backend;
  const BackendOptions base = ToBackendOptions(options_.interpreter);
  // Each member prepared alone tells its arena size (the plan depends on the backend's passes).
  int64_t largest = 0, sum = 0;
  for (Member& m : members_) {
    auto e = PrepareBackend(backend, m.model->graph(), base);
    if (!e.ok()) return absl::Status(e.status().code(), absl::StrCat(m.info.name, ": ", e.status().message()));
    m.info.own_arena_bytes = (*e)->arena_bytes();
    largest = std::max(largest, m.info.own_arena_bytes);
    sum += m.info.own_arena_bytes;
    if (backend == "xnnpack") m.exe = std::move(e).value();  // plans its own memory: no sharing
  }
  if (backend == "xnnpack") {
    arena_bytes_ = sum;
    return absl::OkStatus();
  }
  const int64_t bytes = (std::max<int64_t>(largest, 64) + 63) / 64 * 64;
  shared_arena_ = static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>(bytes)));
  if (!shared_arena_) return absl::ResourceExhaustedError(absl::StrCat("cannot allocate a ", bytes, "-byte arena"));
  arena_bytes_ = largest;
  BackendOptions shared = base;
  shared.external_arena = shared_arena_;
  shared.external_arena_bytes = bytes;
  for (Member& m : members_) {
    auto e = PrepareBackend(backend, m.model->graph(), shared);
    if (!e.ok()) return absl::Status(e.status().code(), absl::StrCat(m.info.name, ": ", e.status().message()));
    m.exe = std::move(e).value();
  }
  return absl::OkStatus();
}

void Family::FillCalibrationInput(int member) {
  // Members share the arena, so another member's run overwrote this input: refill it with
  // values in [-1, 1) (not garbage that could be NaN or denormal and skew the timing).
  const FamilyMemberInfo& info = members_[member].info;
  float* in = static_cast<float*>(members_[member].exe->input_buffer(0));
  const size_t count = static_cast<size_t>(info.input_h) * info.input_w * info.input_c;
  uint32_t state = 12345;
  for (size_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    in[i] = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  }
}

double Family::RunTimed(int member) {
  FillCalibrationInput(member);
  const auto t0 = std::chrono::steady_clock::now();
  (void)members_[member].exe->Invoke();  // the calibrated backends do not fail at Invoke
  return MsSince(t0);
}

absl::Status Family::Calibrate() {
  const int n = static_cast<int>(members_.size());
  for (int i = 0; i < n; ++i) {
    members_[i].info.cold_ms = RunTimed(i);
    std::vector<double> warm;
    for (int r = 0; r < options_.calibration_runs; ++r) warm.push_back(RunTimed(i));
    members_[i].info.latency_ms = std::max(Median(warm), 1e-3);
  }
  // Switch cost i -> j: j's first run right after i, above j's warm latency (caches hold i's
  // weights and activations then). The minimum of a few samples rejects interruptions.
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j || options_.switch_runs == 0) continue;
      double best = 1e300;
      for (int r = 0; r < options_.switch_runs; ++r) {
        RunTimed(i);
        best = std::min(best, RunTimed(j) - members_[j].info.latency_ms);
      }
      switch_ms_[i][j] = std::max(0.0, best);
    }
  return absl::OkStatus();
}

absl::Status Family::SetPolicy(FamilyPolicy policy, int static_member) {
  if (policy == FamilyPolicy::kStatic && (static_member < 0 || static_cast<size_t>(static_member) >= members_.size()))
    return absl::InvalidArgumentError(absl::StrCat("static member ", static_member, " out of range (", members_.size(),
                                                   " members)"));
  options_.policy = policy;
  options_.static_member = static_member;
  ResetPolicyState();
  return absl::OkStatus();
}

void Family::ResetPolicyState() {
  // The member that ran last stays: its caches are real, so the next switch still costs.
  margin_.Reset();
  budget_history_.clear();
}

int Family::Choose(double budget_ms) {
  const int n = static_cast<int>(members_.size());
  switch (options_.policy) {
    case FamilyPolicy::kStatic: return options_.static_member;
    case FamilyPolicy::kGreedy: {
      for (int i = 0; i < n; ++i) predicted_[i] = members_[i].info.latency_ms;
      return GreedyChoose(predicted_, margin_.margin(), budget_ms);
    }
    case FamilyPolicy::kDynamic: {
      if (budget_history_.size() == kBudgetHistory) budget_history_.erase(budget_history_.begin());
      budget_history_.push_back(budget_ms);
      ForecastBudgets(budget_history_, options_.horizon, &forecast_);
      for (int i = 0; i < n; ++i) dp_.predicted_ms[i] = members_[i].info.latency_ms * margin_.margin();
      dp_.budgets_ms.assign(forecast_.begin(), forecast_.end());
      dp_.previous = last_member_;
      double total = 0;
      for (double b : forecast_) total += b;
      dp_.total_budget_ms = options_.total_budget_fraction > 0 ? total * options_.total_budget_fraction : 0;
      DpPlan(dp_, &dp_scratch_, &plan_);
      return plan_.empty() ? 0 : plan_[0];
    }
  }
  return 0;
}

absl::StatusOr<FamilyResult> Family::Invoke(const float* input, int32_t h, int32_t w, int32_t c, double budget_ms) {
  RETURN_IF_ERROR(CheckFrame(input, h, w, c, budget_ms));
  const int m = Choose(budget_ms);
  const double switch_cost = last_member_ >= 0 && last_member_ != m ? switch_ms_[last_member_][m] : 0.0;
  return Run(m, input, h, w, c, budget_ms, members_[m].info.latency_ms * margin_.margin() + switch_cost);
}

absl::StatusOr<FamilyResult> Family::InvokeMember(int member, const float* input, int32_t h, int32_t w, int32_t c,
                                                  double budget_ms) {
  if (member < 0 || static_cast<size_t>(member) >= members_.size())
    return absl::OutOfRangeError(absl::StrCat("member ", member, " out of range (", members_.size(), " members)"));
  RETURN_IF_ERROR(CheckFrame(input, h, w, c, budget_ms));
  const double switch_cost = last_member_ >= 0 && last_member_ != member ? switch_ms_[last_member_][member] : 0.0;
  return Run(member, input, h, w, c, budget_ms, members_[member].info.latency_ms * margin_.margin() + switch_cost);
}

absl::Status Family::CheckFrame(const float* input, int32_t h, int32_t w, int32_t c, double budget_ms) const {
  if (!(budget_ms >= 0) || !std::isfinite(budget_ms))
    return absl::InvalidArgumentError(absl::StrCat("budget must be finite and >= 0 ms, got ", budget_ms));
  if (!input) return absl::InvalidArgumentError("input is null");
  if (h < 1 || w < 1 || h > 16384 || w > 16384)
    return absl::InvalidArgumentError(absl::StrCat("input size ", h, "x", w, " must be within 1..16384"));
  if (c != members_[0].info.input_c)
    return absl::InvalidArgumentError(
        absl::StrCat("input has ", c, " channels; the family's members take ", members_[0].info.input_c));
  return absl::OkStatus();
}

absl::StatusOr<FamilyResult> Family::Run(int m, const float* input, int32_t h, int32_t w, int32_t c, double budget_ms,
                                         double predicted_ms) {
  const FamilyMemberInfo& info = members_[m].info;
  FamilyResult r;
  r.member = m;
  r.budget_ms = budget_ms;
  r.predicted_ms = predicted_ms;
  r.switched = last_member_ >= 0 && last_member_ != m;
  const auto t0 = std::chrono::steady_clock::now();
  ResizeBilinearNhwc(input, h, w, c, static_cast<float*>(members_[m].exe->input_buffer(0)), info.input_h, info.input_w);
  const auto t1 = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(members_[m].exe->Invoke());
  r.run_ms = MsSince(t1);
  r.resize_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  r.total_ms = r.resize_ms + r.run_ms;
  r.met_budget = r.total_ms <= budget_ms;
  // The margin learns how far reality is from the warm latency; a predicted switch cost is not
  // a surprise, so it is part of the expectation.
  const double switch_cost = r.switched ? switch_ms_[last_member_][m] : 0.0;
  margin_.Observe(info.latency_ms + switch_cost, r.run_ms);
  last_member_ = m;
  for (size_t i = 0; i < output_tensors_.size(); ++i)
    output_tensors_[i] = &members_[m].model->graph().tensors[members_[m].model->graph().outputs[i]];
  return r;
}

absl::Status Family::GetOutput(size_t i, void* data, size_t bytes) const {
  if (last_member_ < 0) return absl::FailedPreconditionError("get_output before a successful invoke");
  if (i >= output_tensors_.size())
    return absl::OutOfRangeError(absl::StrCat("output index ", i, " out of range (", output_tensors_.size(), " outputs)"));
  if (!data) return absl::InvalidArgumentError("output buffer is null");
  const Tensor& t = *output_tensors_[i];
  if (static_cast<int64_t>(bytes) != t.bytes())
    return absl::InvalidArgumentError(absl::StrCat("output '", t.name, "' has ", t.bytes(), " bytes (shape ",
                                                   ShapeToString(t.shape), "), buffer has ", bytes));
  std::memcpy(data, members_[last_member_].exe->output_buffer(i), bytes);
  return absl::OkStatus();
}

}  // namespace scalert
