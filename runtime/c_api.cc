#include "runtime/c_api.h"

#include <cstring>
#include <string>
#include <vector>

#include "kernels/isa.h"
#include "runtime/interpreter.h"
#include "runtime/version.h"

struct scalert_model {
  std::shared_ptr<const scalert::Model> model;
};
struct scalert_options {
  scalert::InterpreterOptions options;
};
struct scalert_interpreter {
  std::unique_ptr<scalert::Interpreter> interpreter;
  std::vector<bool> input_set;
  bool invoked = false;
};

namespace {

thread_local std::string g_last_error;

scalert_status Fail(scalert_status code, std::string message) {
  g_last_error = std::move(message);
  return code;
}

scalert_status FromStatus(const absl::Status& s) {
  if (s.ok()) return SCALERT_OK;
  scalert_status code = SCALERT_INTERNAL;
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange: code = SCALERT_INVALID_ARGUMENT; break;
    case absl::StatusCode::kNotFound: code = SCALERT_NOT_FOUND; break;
    case absl::StatusCode::kUnimplemented: code = SCALERT_UNSUPPORTED; break;
    case absl::StatusCode::kFailedPrecondition: code = SCALERT_FAILED_PRECONDITION; break;
    case absl::StatusCode::kResourceExhausted: code = SCALERT_RESOURCE_EXHAUSTED; break;
    default: break;
  }
  return Fail(code, std::string(s.message()));
}

scalert_status FillInfo(const scalert::Tensor& t, scalert_tensor_info* info) {
  if (!info) return Fail(SCALERT_INVALID_ARGUMENT, "info is NULL");
  info->name = t.name.c_str();
  info->dtype = static_cast<scalert_dtype>(t.dtype);
  info->rank = static_cast<int32_t>(t.shape.size());
  for (int i = 0; i < SCALERT_MAX_RANK; ++i) info->dims[i] = i < info->rank ? t.shape[i] : 0;
  info->bytes = static_cast<size_t>(t.bytes());
  return SCALERT_OK;
}

template <typename Loader>
scalert_status LoadModel(scalert_model** out, Loader load) {
  if (!out) return Fail(SCALERT_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  auto m = load();
  if (!m.ok()) return FromStatus(m.status());
  *out = new scalert_model{std::move(m).value()};
  return SCALERT_OK;
}

}  // namespace

extern "C" {

const char* scalert_version(void) { return SCALERT_VERSION_STRING; }
const char* scalert_last_error(void) { return g_last_error.c_str(); }

scalert_status scalert_model_load_file(const char* path, scalert_model** out) {
  if (!path) return Fail(SCALERT_INVALID_ARGUMENT, "path is NULL");
  return LoadModel(out, [&] { return scalert::Model::Load(path); });
}

scalert_status scalert_model_load_memory(const void* data, size_t size, scalert_model** out) {
  if (!data || size == 0) return Fail(SCALERT_INVALID_ARGUMENT, "model data is NULL or empty");
  return LoadModel(out, [&] { return scalert::Model::LoadFromMemory(data, size); });
}

void scalert_model_free(scalert_model* model) { delete model; }

const char* scalert_model_metadata(const scalert_model* model, const char* key) {
  if (!model || !key) return "";
  const scalert::ModelMetadata& m = model->model->graph().metadata;
  if (!std::strcmp(key, "family")) return m.family.c_str();
  if (!std::strcmp(key, "base_config")) return m.base_config.c_str();
  if (!std::strcmp(key, "source")) return m.source.c_str();
  if (!std::strcmp(key, "input_layout")) return m.input_layout.c_str();
  if (!std::strcmp(key, "color_order")) return m.color_order.c_str();
  if (!std::strcmp(key, "producer")) return m.producer.c_str();
  return "";
}

int32_t scalert_model_normalization(const scalert_model* model, float* mean, float* std, int32_t max) {
  if (!model || max <= 0) return 0;
  const scalert::ModelMetadata& m = model->model->graph().metadata;
  int32_t n = static_cast<int32_t>(std::min(m.mean.size(), m.std.size()));
  n = std::min(n, max);
  for (int32_t i = 0; i < n; ++i) {
    if (mean) mean[i] = m.mean[i];
    if (std) std[i] = m.std[i];
  }
  return n;
}

int32_t scalert_model_label_count(const scalert_model* model) {
  return model ? static_cast<int32_t>(model->model->graph().metadata.labels.size()) : 0;
}

const char* scalert_model_label(const scalert_model* model, int32_t index) {
  if (!model || index < 0 || index >= scalert_model_label_count(model)) return "";
  return model->model->graph().metadata.labels[index].c_str();
}

scalert_options* scalert_options_create(void) { return new scalert_options(); }
void scalert_options_free(scalert_options* options) { delete options; }

scalert_status scalert_options_set_threads(scalert_options* options, int32_t threads) {
  if (!options) return Fail(SCALERT_INVALID_ARGUMENT, "options is NULL");
  if (threads < 1 || threads > 256) return Fail(SCALERT_INVALID_ARGUMENT, "threads must be in [1, 256]");
  options->options.threads = threads;
  return SCALERT_OK;
}

scalert_status scalert_options_set_backend(scalert_options* options, const char* backend) {
  if (!options || !backend) return Fail(SCALERT_INVALID_ARGUMENT, "options or backend is NULL");
  options->options.backend = backend;
  return SCALERT_OK;
}

scalert_status scalert_options_set_precision(scalert_options* options, const char* precision) {
  if (!options || !precision) return Fail(SCALERT_INVALID_ARGUMENT, "options or precision is NULL");
  if (!scalert::ParsePrecision(precision, &options->options.precision))
    return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown precision '") + precision + "' (fp32, fp16, int8)");
  return SCALERT_OK;
}

scalert_status scalert_options_set_max_isa(scalert_options* options, const char* isa) {
  if (!options) return Fail(SCALERT_INVALID_ARGUMENT, "options is NULL");
  scalert::kernels::Isa unused;
  if (isa && *isa && !scalert::kernels::ParseIsa(isa, &unused))
    return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown ISA level '") + isa + "' (portable, avx2, avx512, neon)");
  options->options.max_isa = isa ? isa : "";
  return SCALERT_OK;
}

scalert_status scalert_options_set_fusion(scalert_options* options, const char* policy) {
  if (!options || !policy) return Fail(SCALERT_INVALID_ARGUMENT, "options or policy is NULL");
  if (!scalert::ParseFusionPolicy(policy, &options->options.fusion))
    return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown fusion policy '") + policy + "' (auto, on, off)");
  return SCALERT_OK;
}

scalert_status scalert_interpreter_create(const scalert_model* model, const scalert_options* options,
                                          scalert_interpreter** out) {
  if (!out) return Fail(SCALERT_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!model) return Fail(SCALERT_INVALID_ARGUMENT, "model is NULL");
  scalert::InterpreterOptions o = options ? options->options : scalert::InterpreterOptions();
  auto it = scalert::Interpreter::Create(model->model, o);
  if (!it.ok()) return FromStatus(it.status());
  auto* h = new scalert_interpreter();
  h->interpreter = std::move(it).value();
  h->input_set.assign(h->interpreter->num_inputs(), false);
  *out = h;
  return SCALERT_OK;
}

void scalert_interpreter_free(scalert_interpreter* interpreter) { delete interpreter; }

int32_t scalert_interpreter_input_count(const scalert_interpreter* it) {
  return it ? static_cast<int32_t>(it->interpreter->num_inputs()) : 0;
}
int32_t scalert_interpreter_output_count(const scalert_interpreter* it) {
  return it ? static_cast<int32_t>(it->interpreter->num_outputs()) : 0;
}

scalert_status scalert_interpreter_input_info(const scalert_interpreter* it, int32_t index, scalert_tensor_info* info) {
  if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
  if (index < 0 || index >= scalert_interpreter_input_count(it))
    return Fail(SCALERT_INVALID_ARGUMENT, "input index " + std::to_string(index) + " out of range");
  return FillInfo(it->interpreter->input(index), info);
}

scalert_status scalert_interpreter_output_info(const scalert_interpreter* it, int32_t index, scalert_tensor_info* info) {
  if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
  if (index < 0 || index >= scalert_interpreter_output_count(it))
    return Fail(SCALERT_INVALID_ARGUMENT, "output index " + std::to_string(index) + " out of range");
  return FillInfo(it->interpreter->output(index), info);
}

scalert_status scalert_interpreter_set_input(scalert_interpreter* it, int32_t index, const void* data, size_t bytes) {
  if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
  if (index < 0) return Fail(SCALERT_INVALID_ARGUMENT, "input index " + std::to_string(index) + " out of range");
  scalert_status s = FromStatus(it->interpreter->SetInput(static_cast<size_t>(index), data, bytes));
  if (s == SCALERT_OK) it->input_set[index] = true;
  return s;
}

scalert_status scalert_interpreter_invoke(scalert_interpreter* it) {
  if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
  for (size_t i = 0; i < it->input_set.size(); ++i)
    if (!it->input_set[i])
      return Fail(SCALERT_FAILED_PRECONDITION,
                  "input " + std::to_string(i) + " '" + it->interpreter->input(i).name + "' was never set");
  scalert_status s = FromStatus(it->interpreter->Invoke());
  if (s == SCALERT_OK) it->invoked = true;
  return s;
}

scalert_status scalert_interpreter_get_output(const scalert_interpreter* it, int32_t index, void* data, size_t bytes) {
  if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
  if (!it->invoked) return Fail(SCALERT_FAILED_PRECONDITION, "get_output before a successful invoke");
  if (index < 0) return Fail(SCALERT_INVALID_ARGUMENT, "output index " + std::to_string(index) + " out of range");
  return FromStatus(it->interpreter->GetOutput(static_cast<size_t>(index), data, bytes));
}

int64_t scalert_interpreter_arena_bytes(const scalert_interpreter* it) {
  return it ? it->interpreter->executable().arena_bytes() : 0;
}

}  // extern "C"
