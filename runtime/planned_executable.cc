#include "runtime/planned_executable.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "runtime/status_macros.h"

namespace scalert {

absl::StatusOr<std::unique_ptr<PlannedExecutable>> PlannedExecutable::Create(const Graph& g,
                                                                             const BackendOptions& options,
                                                                             const StepFactory& factory,
                                                                             const std::vector<int64_t>& step_scratch) {
  std::unique_ptr<PlannedExecutable> e(new PlannedExecutable());
  e->precision_ = options.precision;
  e->plan_ = PlanMemory(g, 64, step_scratch);
  const int64_t arena = std::max<int64_t>(e->plan_.arena_bytes, 64);
  if (options.external_arena) {
    if (options.external_arena_bytes < arena || reinterpret_cast<uintptr_t>(options.external_arena) % 64 != 0)
      return absl::InvalidArgumentError(absl::StrCat("the external arena (", options.external_arena_bytes,
                                                     " bytes) is smaller than the planned ", arena,
                                                     " bytes or not 64-byte aligned"));
    e->arena_ = options.external_arena;
    e->owns_arena_ = false;
  } else {
    e->arena_ = static_cast<uint8_t*>(std::aligned_alloc(64, static_cast<size_t>(arena)));
  }
  if (!e->arena_) return absl::ResourceExhaustedError(absl::StrCat("cannot allocate a ", arena, "-byte arena"));
  std::memset(e->arena_, 0, static_cast<size_t>(arena));
  e->tensors_.ptr.resize(g.tensors.size(), nullptr);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (g.tensors[t].is_constant()) e->tensors_.ptr[t] = const_cast<uint8_t*>(g.tensors[t].data);
    else if (e->plan_.offset[t] >= 0) e->tensors_.ptr[t] = e->arena_ + e->plan_.offset[t];
  }
  e->tensors_.scratch.assign(g.nodes.size(), nullptr);
  for (size_t s = 0; s < g.nodes.size(); ++s)
    if (e->plan_.scratch_offset[s] >= 0) e->tensors_.scratch[s] = e->arena_ + e->plan_.scratch_offset[s];
  e->input_ids_ = g.inputs;
  e->output_ids_ = g.outputs;
  e->poison_after_.resize(g.nodes.size());
  for (size_t s = 0; s < g.nodes.size(); ++s) {
    ASSIGN_OR_RETURN(PreparedStep step, factory(g, s, e->tensors_));
    StepProfile prof;
    prof.name = g.NodeLabel(s);
    prof.kernel = step.kernel;
    prof.macs = NodeMacs(g, g.nodes[s]);
    for (int32_t t : g.nodes[s].inputs) if (t >= 0) prof.bytes += g.tensors[t].bytes();
    for (int32_t t : g.nodes[s].outputs) prof.bytes += g.tensors[t].bytes();
    e->profile_.push_back(prof);
    e->steps_.push_back(std::move(step));
  }
  if (options.poison_freed) {
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      int32_t last = e->plan_.last_step[t];
      if (e->plan_.offset[t] >= 0 && last >= 0 && last < static_cast<int32_t>(g.nodes.size()))
        e->poison_after_[last].push_back({e->tensors_.ptr[t], g.tensors[t].bytes()});
    }
  }
  return e;
}

PlannedExecutable::~PlannedExecutable() {
  if (owns_arena_) std::free(arena_);
}

absl::Status PlannedExecutable::Invoke() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t s = 0; s < steps_.size(); ++s) {
    if (profiling_) {
      auto t0 = std::chrono::steady_clock::now();
      steps_[s].run();
      profile_[s].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++profile_[s].calls;
    } else {
      steps_[s].run();
    }
    for (const auto& [p, bytes] : poison_after_[s]) {
      float* f = reinterpret_cast<float*>(p);
      for (int64_t i = 0; i < bytes / 4; ++i) f[i] = nan;
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> PlannedExecutable::op_descriptions() const {
  std::vector<std::string> r;
  if (!original_step_of_.empty()) {
    for (int32_t s : original_step_of_) r.push_back(s >= 0 ? steps_[s].kernel : "");
    return r;
  }
  for (const PreparedStep& s : steps_) r.push_back(s.kernel);
  return r;
}

}  // namespace scalert
