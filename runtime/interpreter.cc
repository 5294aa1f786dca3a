#include "runtime/interpreter.h"

#include <cstring>
#include <exception>
#include <new>

#include "absl/strings/str_cat.h"

namespace scalert {

BackendOptions ToBackendOptions(const InterpreterOptions& options) {
  BackendOptions bo;
  bo.threads = options.threads;
  bo.precision = options.precision;
  bo.poison_freed = options.poison_freed;
  bo.max_isa = options.max_isa;
  bo.fusion = options.fusion;
  return bo;
}

absl::StatusOr<std::unique_ptr<Interpreter>> Interpreter::Create(std::shared_ptr<const Model> model,
                                                                 const InterpreterOptions& options) {
  if (!model) return absl::InvalidArgumentError("model is null");
  if (options.threads < 1 || options.threads > kMaxThreads)
    return absl::InvalidArgumentError(
        absl::StrCat("threads must be in [1, ", kMaxThreads, "], got ", options.threads));
  try {
    return CreateUnchecked(model, options);  // a copy: `model` names the file below
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(model->name(), ": out of memory while preparing the model on backend '",
                                                     options.backend, "'"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("preparing the model on backend '", options.backend, "': ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<Interpreter>> Interpreter::CreateUnchecked(std::shared_ptr<const Model> model,
                                                                          const InterpreterOptions& options) {
  std::unique_ptr<Interpreter> it(new Interpreter());
  it->model_ = std::move(model);
  it->options_ = options;
  auto e = PrepareBackend(options.backend, it->model_->graph(), ToBackendOptions(options));
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

absl::Status Interpreter::SetInputImage(size_t i, const image::Frame& frame, const image::PreprocessOptions& options) {
  if (i >= num_inputs())
    return absl::OutOfRangeError(absl::StrCat("input index ", i, " out of range (model has ", num_inputs(), ")"));
  auto spec = image::InputSpecFor(input(i), model_->graph().metadata);
  if (!spec.ok()) return spec.status();
  return image::Preprocess(frame, options, *spec, static_cast<float*>(executable_->input_buffer(i)));
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
