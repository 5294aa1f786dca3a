#include "runtime/interpreter.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace scalert {

absl::StatusOr<std::unique_ptr<Interpreter>> Interpreter::Create(std::shared_ptr<const Model> model,
                                                                 const InterpreterOptions& options) {
  if (!model) return absl::InvalidArgumentError("model is null");
  std::unique_ptr<Interpreter> it(new Interpreter());
  it->model_ = std::move(model);
  it->options_ = options;
  BackendOptions bo;
  bo.threads = options.threads;
  bo.precision = options.precision;
  bo.poison_freed = options.poison_freed;
  bo.max_isa = options.max_isa;
  bo.fusion = options.fusion;
  auto e = PrepareBackend(options.backend, it->model_->graph(), bo);
  if (!e.ok())
    return absl::Status(e.status().code(), absl::StrCat(it->model_->name(), ": ", e.status().message()));
  it->executable_ = std::move(e).value();
  return it;
}

absl::Status Interpreter::SetInput(size_t i, const void* data, size_t bytes) {
  if (i >= num_inputs())
    return absl::OutOfRangeError(absl::StrCat("input index ", i, " out of range (model has ", num_inputs(), ")"));
  const Tensor& t = input(i);
  if (data == nullptr) return absl::InvalidArgumentError("input data is null");
  if (static_cast<int64_t>(bytes) != t.bytes())
    return absl::InvalidArgumentError(absl::StrCat("input '", t.name, "' expects ", t.bytes(), " bytes (shape ",
                                                   ShapeToString(t.shape), " ", DTypeName(t.dtype), "), got ", bytes));
  std::memcpy(executable_->input_buffer(i), data, bytes);
  return absl::OkStatus();
}

absl::Status Interpreter::Invoke() { return executable_->Invoke(); }

absl::Status Interpreter::GetOutput(size_t i, void* data, size_t bytes) const {
  if (i >= num_outputs())
    return absl::OutOfRangeError(absl::StrCat("output index ", i, " out of range (model has ", num_outputs(), ")"));
  const Tensor& t = output(i);
  if (data == nullptr) return absl::InvalidArgumentError("output buffer is null");
  if (static_cast<int64_t>(bytes) != t.bytes())
    return absl::InvalidArgumentError(absl::StrCat("output '", t.name, "' has ", t.bytes(), " bytes (shape ",
                                                   ShapeToString(t.shape), "), buffer has ", bytes));
  std::memcpy(data, executable_->output_buffer(i), bytes);
  return absl::OkStatus();
}

}  // namespace scalert
