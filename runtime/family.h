// A model family run as one object: several compatible members (e.g. a `scalert scale --phi 0:3`
// sweep) prepared once, sharing one activation arena sized for the largest (members run one at a
// time), with expected latencies from a calibration at creation or from a device profile. Each
// Invoke picks a member for this frame's time budget (family_policy.h), resizes the input to the
// member's resolution and runs it.
//
// Thread safety: a Family is used by one thread at a time (like an Interpreter: it owns mutable
// state, the arena and the policy's history); give each thread its own Family. The Models may be
// shared by any number of families and interpreters.
#ifndef SCALERT_RUNTIME_FAMILY_H_
#define SCALERT_RUNTIME_FAMILY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/family_policy.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace scalert {

struct FamilyOptions {
  InterpreterOptions interpreter;  // backend, threads, precision of every member
  FamilyPolicy policy = FamilyPolicy::kGreedy;
  int static_member = 0;           // kStatic: the member that always runs
  int horizon = 8;                 // kDynamic: frames planned ahead (1..64)
  // kDynamic: the horizon may spend at most this fraction of its summed budgets running (a time
  // or energy cap, energy taken as proportional to busy time on one core); 0: no cap.
  double total_budget_fraction = 0;
  int calibration_runs = 3;        // timed warm runs per member at Create (after one cold run)
  int switch_runs = 2;             // samples per ordered member pair for switch costs (0: none)
  // A device profile: expected warm latency per member, in the order the models were given
  // (overrides calibration); switch_ms[i][j] the extra time of j's first run after i.
  std::vector<double> latency_ms;
  std::vector<std::vector<double>> switch_ms;
  std::vector<double> accuracy;    // per member in the given order; empty: EfficientNetAccuracyProxy
  int margin_window = 32;          // greedy's learned margin: frames remembered
  double margin_quantile = 0.9;    // and the quantile of observed/predicted it keeps
};

struct FamilyMemberInfo {
  std::string name;                 // the model's name (its path when loaded from a file)
  int32_t input_h = 0, input_w = 0, input_c = 0;
  int64_t macs = 0;
  double accuracy = 0;              // proxy used by the policies
  double latency_ms = 0;            // expected warm latency (calibrated or given)
  double cold_ms = 0;               // the first run after Prepare (0 when not calibrated)
  int64_t own_arena_bytes = 0;      // the arena this member alone plans
};

struct FamilyResult {
  int member = -1;          // index into the family (cheapest first)
  double budget_ms = 0;
  double predicted_ms = 0;  // the policy's expectation: latency x margin (+ switch cost)
  double run_ms = 0;        // the member's Invoke
  double resize_ms = 0;     // input resize into the member's input buffer
  double total_ms = 0;      // resize + run: what the budget is compared with
  bool switched = false;    // a different member than the previous frame's
  bool met_budget = false;  // total_ms <= budget_ms
};

class Family {
 public:
  // Members must be compatible: one float32 NHWC input each with the same channel count, and
  // the same outputs (count, shapes, dtypes). They are ordered by MACs, cheapest first.
  static absl::StatusOr<std::unique_ptr<Family>> Create(std::vector<std::shared_ptr<const Model>> models,
                                                        const FamilyOptions& options = {});
  ~Family();
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  size_t size() const { return members_.size(); }
  const FamilyMemberInfo& member(size_t i) const { return members_[i].info; }
  // switch_ms()[i][j]: measured (or given) extra time of member j's first run after member i.
  const std::vector<std::vector<double>>& switch_ms() const { return switch_ms_; }
  // The activation memory of the whole family: the one shared arena (the largest member's plan),
  // or, on the xnnpack backend, which plans its own memory, the sum of the members' arenas.
  int64_t arena_bytes() const { return arena_bytes_; }
  bool shares_arena() const { return shared_arena_ != nullptr; }
  const uint8_t* shared_arena() const { return shared_arena_; }

  // Picks a member by the policy for `budget_ms` (finite, >= 0), resizes `input` (float NHWC
  // [1, h, w, c], c = the members' channels) to its resolution, runs it.
  absl::StatusOr<FamilyResult> Invoke(const float* input, int32_t h, int32_t w, int32_t c, double budget_ms);
  // Runs the given member regardless of the policy (the policy state still learns from it).
  absl::StatusOr<FamilyResult> InvokeMember(int member, const float* input, int32_t h, int32_t w, int32_t c,
                                            double budget_ms);
  // Changes the policy and forgets what the previous one learned (margin, budget history; not
  // which member ran last, whose caches are still warm).
  absl::Status SetPolicy(FamilyPolicy policy, int static_member = 0);
  FamilyPolicy policy() const { return options_.policy; }
  void ResetPolicyState();
  double margin() const { return margin_.margin(); }

  // Outputs of the member that ran last (valid until the next Invoke); shapes equal across members.
  size_t num_outputs() const { return output_tensors_.size(); }
  const Tensor& output(size_t i) const { return *output_tensors_[i]; }
  int last_member() const { return last_member_; }
  absl::Status GetOutput(size_t i, void* data, size_t bytes) const;
  // The prepared executable of a member (tests check where its buffers live).
  Executable& executable(int member) { return *members_[member].exe; }

 private:
  struct Member {
    FamilyMemberInfo info;
    std::shared_ptr<const Model> model;
    std::unique_ptr<Executable> exe;
  };
  Family() = default;
  absl::Status Prepare();
  absl::Status Calibrate();
  void FillCalibrationInput(int member);
  double RunTimed(int member);
  absl::Status CheckFrame(const float* input, int32_t h, int32_t w, int32_t c, double budget_ms) const;
  int Choose(double budget_ms);
  absl::StatusOr<FamilyResult> Run(int member, const float* input, int32_t h, int32_t w, int32_t c,
                                   double budget_ms, double predicted_ms);

  FamilyOptions options_;
  std::vector<Member> members_;
  std::vector<std::vector<double>> switch_ms_;
  std::vector<const Tensor*> output_tensors_;
  uint8_t* shared_arena_ = nullptr;
  int64_t arena_bytes_ = 0;
  int last_member_ = -1;
  MarginLearner margin_;
  // Policy scratch, preallocated so Invoke does not allocate.
  std::vector<double> budget_history_, forecast_, predicted_;
  std::vector<int> plan_;
  DpProblem dp_;
  DpScratch dp_scratch_;
};

}  // namespace scalert

#endif  // SCALERT_RUNTIME_FAMILY_H_
