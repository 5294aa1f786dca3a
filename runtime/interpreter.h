// The C++ entry point: one Interpreter runs one Model on one backend. A Model may be shared by
// many interpreters on many threads; each Interpreter is used by one thread at a time.
#ifndef SCALERT_RUNTIME_INTERPRETER_H_
#define SCALERT_RUNTIME_INTERPRETER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/image/preprocess.h"
#include "runtime/model.h"

namespace scalert {

// Most threads one interpreter may ask for: far above any core count a phone or a desktop has,
// low enough that a typo (100000) is an error instead of an attempt to start 100000 threads.
inline constexpr int kMaxThreads = 256;

struct InterpreterOptions {
  std::string backend = "native";  // our fastest; "reference" is the oracle, "xnnpack" the baseline
  int threads = 1;                 // 1..kMaxThreads
  Precision precision = Precision::kF32;
  bool poison_freed = false;
  std::string max_isa;                       // native: highest kernel ISA level; "" = best (BackendOptions)
  FusionPolicy fusion = FusionPolicy::kAuto;  // native: MBConv fusion (BackendOptions)
};

// The backend's share of the options (threads, precision, debugging), for anything that prepares
// a backend from InterpreterOptions (the Interpreter, a Family's members).
BackendOptions ToBackendOptions(const InterpreterOptions& options);

class Interpreter {
 public:
  // Never throws: a failed allocation (arena, packed weights) or thread start is a
  // kResourceExhausted status.
  static absl::StatusOr<std::unique_ptr<Interpreter>> Create(std::shared_ptr<const Model> model,
                                                             const InterpreterOptions& options = {});

  size_t num_inputs() const { return model_->graph().inputs.size(); }
  size_t num_outputs() const { return model_->graph().outputs.size(); }
  const Tensor& input(size_t i) const { return model_->graph().tensors[model_->graph().inputs[i]]; }
  const Tensor& output(size_t i) const { return model_->graph().tensors[model_->graph().outputs[i]]; }

  // Copies `bytes` into input i; the size must equal the input's size exactly.
  absl::Status SetInput(size_t i, const void* data, size_t bytes);
  // Fills input i from an image or camera frame (runtime/image/preprocess.h): crop, rotation,
  // fit, color order and normalization per the model's metadata. Allocates nothing.
  absl::Status SetInputImage(size_t i, const image::Frame& frame, const image::PreprocessOptions& options = {});
  absl::Status Invoke();
  absl::Status GetOutput(size_t i, void* data, size_t bytes) const;
  // Direct access to the input/output memory (valid until the interpreter is destroyed).
  void* input_data(size_t i) { return executable_->input_buffer(i); }
  const void* output_data(size_t i) const { return executable_->output_buffer(i); }

  const Model& model() const { return *model_; }
  const InterpreterOptions& options() const { return options_; }
  Executable& executable() { return *executable_; }
  const Executable& executable() const { return *executable_; }

 private:
  Interpreter() = default;
  static absl::StatusOr<std::unique_ptr<Interpreter>> CreateUnchecked(std::shared_ptr<const Model> model,
                                                                      const InterpreterOptions& options);
  std::shared_ptr<const Model> model_;
  InterpreterOptions options_;
  std::unique_ptr<Executable> executable_;
};

}  // namespace scalert

#endif  // SCALERT_RUNTIME_INTERPRETER_H_
