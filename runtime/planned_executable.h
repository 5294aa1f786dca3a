// An Executable made of per-operator steps over one planned arena. Backends that run op by op
// (reference, native) supply a step factory; the arena, plan, poisoning and profiling are here.
#ifndef SCALERT_RUNTIME_PLANNED_EXECUTABLE_H_
#define SCALERT_RUNTIME_PLANNED_EXECUTABLE_H_

#include <functional>
#include <memory>
#include <vector>

#include "runtime/backend.h"
#include "runtime/memory_planner.h"

namespace scalert {

// Pointers to every tensor of the graph: constants in place, activations in the arena.
struct TensorPointers {
  std::vector<uint8_t*> ptr;
  std::vector<uint8_t*> scratch;  // per node: its planned scratch region, or null
  template <typename T>
  T* get(int32_t t) const { return t < 0 ? nullptr : reinterpret_cast<T*>(ptr[t]); }
};

struct PreparedStep {
  std::function<void()> run;  // must not allocate
  std::string kernel;         // what runs it
};

// Builds the step for node `index`; may keep state (packed weights) inside the closure.
using StepFactory = std::function<absl::StatusOr<PreparedStep>(const Graph& g, size_t index,
                                                               const TensorPointers& tensors)>;

class PlannedExecutable : public Executable {
 public:
  // `step_scratch` (optional, bytes per node) is planned in the arena, live only during its step
  // (MemoryPlan); the factory finds it in TensorPointers::scratch.
  static absl::StatusOr<std::unique_ptr<PlannedExecutable>> Create(const Graph& g, const BackendOptions& options,
                                                                    const StepFactory& factory,
                                                                    const std::vector<int64_t>& step_scratch = {});
  // For a graph a pass rewrote: node i of the original graph ran as step step_of[i], so
  // op_descriptions() answers per original node.
  void set_original_nodes(std::vector<int32_t> step_of) { original_step_of_ = std::move(step_of); }
  ~PlannedExecutable() override;
  void* input_buffer(size_t i) override { return tensors_.ptr[input_ids_[i]]; }
  const void* output_buffer(size_t i) const override { return tensors_.ptr[output_ids_[i]]; }
  absl::Status Invoke() override;
  int64_t arena_bytes() const override { return plan_.arena_bytes; }
  void set_profiling(bool on) override { profiling_ = on; }
  std::vector<StepProfile> profile() const override { return profile_; }
  std::vector<std::string> op_descriptions() const override;
  Precision effective_precision() const override { return precision_; }

 private:
  PlannedExecutable() = default;
  MemoryPlan plan_;
  uint8_t* arena_ = nullptr;
  bool owns_arena_ = true;  // false when BackendOptions::external_arena supplied it
  TensorPointers tensors_;
  std::vector<int32_t> input_ids_, output_ids_;
  std::vector<PreparedStep> steps_;
  std::vector<int32_t> original_step_of_;
  std::vector<std::vector<std::pair<uint8_t*, int64_t>>> poison_after_;  // per step
  std::vector<StepProfile> profile_;
  bool profiling_ = false;
  Precision precision_ = Precision::kF32;
};

}  // namespace scalert

#endif  // SCALERT_RUNTIME_PLANNED_EXECUTABLE_H_
