#include "runtime/c_api.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "kernels/isa.h"
#include "runtime/family.h"
#include "runtime/interpreter.h"
#include "runtime/version.h"

static_assert(SCALERT_MAX_THREADS == scalert::kMaxThreads, "c_api.h documents the interpreter's limit");

struct scalert_model {
  std::shared_ptr<const scalert::Model> model;
};
struct scalert_options {
  scalert::InterpreterOptions options;
};
struct scalert_family_options {
  scalert::FamilyOptions options;
};
struct scalert_family {
  std::unique_ptr<scalert::Family> family;
};
struct scalert_interpreter {
  std::unique_ptr<scalert::Interpreter> interpreter;
  std::vector<bool> input_set;
  bool invoked = false;
};

namespace {

thread_local std::string g_last_error;

scalert_status Fail(scalert_status code, const char* message) noexcept {
  try {
    g_last_error = message;
  } catch (...) {  // no memory even for the message: keep what fits
    g_last_error.clear();
  }
  return code;
}
scalert_status Fail(scalert_status code, const std::string& message) noexcept { return Fail(code, message.c_str()); }

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

// Every entry point runs inside Guard: no exception (std::bad_alloc, std::system_error, ...)
// crosses into C, where it would terminate the app.
template <typename F>
scalert_status Guard(const char* function, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(SCALERT_RESOURCE_EXHAUSTED, std::string(function) + ": out of memory");
  } catch (const std::exception& e) {
    return Fail(SCALERT_INTERNAL, std::string(function) + ": " + e.what());
  } catch (...) {
    return Fail(SCALERT_INTERNAL, std::string(function) + ": unknown exception");
  }
}

// For the accessors that return a value instead of a status.
template <typename T, typename F>
T GuardValue(T fallback, F&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return fallback;
  }
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

scalert_status IndexError(const char* what, int32_t index) {
  return Fail(SCALERT_INVALID_ARGUMENT, std::string(what) + " index " + std::to_string(index) + " out of range");
}

}  // namespace

extern "C" {

const char* scalert_version(void) { return SCALERT_VERSION_STRING; }
const char* scalert_last_error(void) { return g_last_error.c_str(); }

scalert_status scalert_model_load_file(const char* path, scalert_model** out) {
  return Guard(__func__, [&] {
    if (!path) return Fail(SCALERT_INVALID_ARGUMENT, "path is NULL");
    return LoadModel(out, [&] { return scalert::Model::Load(path); });
  });
}

scalert_status scalert_model_load_memory(const void* data, size_t size, scalert_model** out) {
  return Guard(__func__, [&] {
    if (!data || size == 0) return Fail(SCALERT_INVALID_ARGUMENT, "model data is NULL or empty");
    return LoadModel(out, [&] { return scalert::Model::LoadFromMemory(data, size); });
  });
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

scalert_options* scalert_options_create(void) {
  return GuardValue<scalert_options*>(nullptr, [] { return new scalert_options(); });
}
void scalert_options_free(scalert_options* options) { delete options; }

scalert_status scalert_options_set_threads(scalert_options* options, int32_t threads) {
  if (!options) return Fail(SCALERT_INVALID_ARGUMENT, "options is NULL");
  if (threads < 1 || threads > SCALERT_MAX_THREADS)
    return Fail(SCALERT_INVALID_ARGUMENT, "threads must be in [1, " + std::to_string(SCALERT_MAX_THREADS) + "], got " +
                                              std::to_string(threads));
  options->options.threads = threads;
  return SCALERT_OK;
}

scalert_status scalert_options_set_backend(scalert_options* options, const char* backend) {
  return Guard(__func__, [&] {
    if (!options || !backend) return Fail(SCALERT_INVALID_ARGUMENT, "options or backend is NULL");
    options->options.backend = backend;
    return SCALERT_OK;
  });
}

scalert_status scalert_options_set_precision(scalert_options* options, const char* precision) {
  return Guard(__func__, [&] {
    if (!options || !precision) return Fail(SCALERT_INVALID_ARGUMENT, "options or precision is NULL");
    if (!scalert::ParsePrecision(precision, &options->options.precision))
      return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown precision '") + precision + "' (fp32, fp16, bf16, int8)");
    return SCALERT_OK;
  });
}

scalert_status scalert_options_set_max_isa(scalert_options* options, const char* isa) {
  return Guard(__func__, [&] {
    if (!options) return Fail(SCALERT_INVALID_ARGUMENT, "options is NULL");
    scalert::kernels::Isa unused;
    if (isa && *isa && !scalert::kernels::ParseIsa(isa, &unused))
      return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown ISA level '") + isa +
                                                "' (portable, avx2, avx512, avx512vnni, avx512vbmi, neon, neonfp16, "
                                                "neondot, neonfhm, neoni8mm)");
    options->options.max_isa = isa ? isa : "";
    return SCALERT_OK;
  });
}

scalert_status scalert_options_set_fusion(scalert_options* options, const char* policy) {
  return Guard(__func__, [&] {
    if (!options || !policy) return Fail(SCALERT_INVALID_ARGUMENT, "options or policy is NULL");
    if (!scalert::ParseFusionPolicy(policy, &options->options.fusion))
      return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown fusion policy '") + policy + "' (auto, on, off)");
    return SCALERT_OK;
  });
}

scalert_status scalert_interpreter_create(const scalert_model* model, const scalert_options* options,
                                          scalert_interpreter** out) {
  return Guard(__func__, [&] {
    if (!out) return Fail(SCALERT_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (!model) return Fail(SCALERT_INVALID_ARGUMENT, "model is NULL");
    scalert::InterpreterOptions o = options ? options->options : scalert::InterpreterOptions();
    auto it = scalert::Interpreter::Create(model->model, o);
    if (!it.ok()) return FromStatus(it.status());
    auto h = std::make_unique<scalert_interpreter>();
    h->input_set.assign(it.value()->num_inputs(), false);
    h->interpreter = std::move(it).value();
    *out = h.release();
    return SCALERT_OK;
  });
}

void scalert_interpreter_free(scalert_interpreter* interpreter) { delete interpreter; }

int32_t scalert_interpreter_input_count(const scalert_interpreter* it) {
  return it ? static_cast<int32_t>(it->interpreter->num_inputs()) : 0;
}
int32_t scalert_interpreter_output_count(const scalert_interpreter* it) {
  return it ? static_cast<int32_t>(it->interpreter->num_outputs()) : 0;
}

scalert_status scalert_interpreter_input_info(const scalert_interpreter* it, int32_t index, scalert_tensor_info* info) {
  return Guard(__func__, [&] {
    if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
    if (index < 0 || index >= scalert_interpreter_input_count(it)) return IndexError("input", index);
    return FillInfo(it->interpreter->input(index), info);
  });
}

scalert_status scalert_interpreter_output_info(const scalert_interpreter* it, int32_t index, scalert_tensor_info* info) {
  return Guard(__func__, [&] {
    if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
    if (index < 0 || index >= scalert_interpreter_output_count(it)) return IndexError("output", index);
    return FillInfo(it->interpreter->output(index), info);
  });
}

scalert_status scalert_interpreter_set_input(scalert_interpreter* it, int32_t index, const void* data, size_t bytes) {
  return Guard(__func__, [&] {
    if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
    if (index < 0) return IndexError("input", index);
    scalert_status s = FromStatus(it->interpreter->SetInput(static_cast<size_t>(index), data, bytes));
    if (s == SCALERT_OK) it->input_set[index] = true;
    return s;
  });
}

scalert_status scalert_interpreter_set_input_image(scalert_interpreter* it, int32_t index, const scalert_image* image,
                                                   const scalert_rect* crop, int32_t rotation_degrees, int32_t fit) {
  return Guard(__func__, [&] {
    if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
    if (!image) return Fail(SCALERT_INVALID_ARGUMENT, "image is NULL");
    if (index < 0) return IndexError("input", index);
    if (image->format < SCALERT_PIXEL_RGB || image->format > SCALERT_PIXEL_GRAY)
      return Fail(SCALERT_INVALID_ARGUMENT, "unknown pixel format " + std::to_string(image->format));
    if (fit < SCALERT_FIT_STRETCH || fit > SCALERT_FIT_LETTERBOX)
      return Fail(SCALERT_INVALID_ARGUMENT, "unknown fit " + std::to_string(fit));
    scalert::image::Frame f;
    f.data = static_cast<const uint8_t*>(image->data);
    f.width = image->width;
    f.height = image->height;
    f.stride = image->stride;
    f.format = static_cast<scalert::image::PixelFormat>(image->format);
    f.uv = static_cast<const uint8_t*>(image->uv);
    f.uv_stride = image->uv_stride;
    scalert::image::PreprocessOptions o;
    if (crop) o.crop = {crop->x, crop->y, crop->width, crop->height};
    o.rotation = rotation_degrees;
    o.fit = static_cast<scalert::image::Fit>(fit);
    scalert_status s = FromStatus(it->interpreter->SetInputImage(static_cast<size_t>(index), f, o));
    if (s == SCALERT_OK) it->input_set[index] = true;
    return s;
  });
}

scalert_status scalert_interpreter_invoke(scalert_interpreter* it) {
  return Guard(__func__, [&] {
    if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
    for (size_t i = 0; i < it->input_set.size(); ++i)
      if (!it->input_set[i])
        return Fail(SCALERT_FAILED_PRECONDITION,
                    "input " + std::to_string(i) + " '" + it->interpreter->input(i).name + "' was never set");
    scalert_status s = FromStatus(it->interpreter->Invoke());
    if (s == SCALERT_OK) it->invoked = true;
    return s;
  });
}

scalert_status scalert_interpreter_get_output(const scalert_interpreter* it, int32_t index, void* data, size_t bytes) {
  return Guard(__func__, [&] {
    if (!it) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter is NULL");
    if (!it->invoked) return Fail(SCALERT_FAILED_PRECONDITION, "get_output before a successful invoke");
    if (index < 0) return IndexError("output", index);
    return FromStatus(it->interpreter->GetOutput(static_cast<size_t>(index), data, bytes));
  });
}

scalert_status scalert_interpreter_output_index(const scalert_interpreter* it, const char* name, int32_t* index) {
  return Guard(__func__, [&] {
    if (!it || !name || !index) return Fail(SCALERT_INVALID_ARGUMENT, "interpreter, name and index must not be NULL");
    std::string known;
    for (int32_t i = 0; i < scalert_interpreter_output_count(it); ++i) {
      const std::string& n = it->interpreter->output(static_cast<size_t>(i)).name;
      if (n == name) {
        *index = i;
        return SCALERT_OK;
      }
      known += (i ? ", '" : "'") + n + "'";
    }
    return Fail(SCALERT_NOT_FOUND, "no output named '" + std::string(name) + "' (outputs: " + known + ")");
  });
}

int64_t scalert_interpreter_arena_bytes(const scalert_interpreter* it) {
  return it ? it->interpreter->executable().arena_bytes() : 0;
}


/* ---- Model families ---------------------------------------------------------------------- */

scalert_family_options* scalert_family_options_create(void) { return new (std::nothrow) scalert_family_options(); }
void scalert_family_options_free(scalert_family_options* options) { delete options; }

scalert_status scalert_family_options_set_policy(scalert_family_options* options, const char* policy,
                                                 int32_t static_member) {
  return Guard(__func__, [&] {
    if (!options || !policy) return Fail(SCALERT_INVALID_ARGUMENT, "options or policy is NULL");
    if (!scalert::ParseFamilyPolicy(policy, &options->options.policy))
      return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown policy '") + policy + "' (greedy, dp, static)");
    if (static_member < 0) return Fail(SCALERT_INVALID_ARGUMENT, "static member must be >= 0");
    options->options.static_member = static_member;
    return SCALERT_OK;
  });
}

scalert_status scalert_family_options_set_horizon(scalert_family_options* options, int32_t frames,
                                                  double total_budget_fraction) {
  return Guard(__func__, [&] {
    if (!options) return Fail(SCALERT_INVALID_ARGUMENT, "options is NULL");
    if (frames < 1 || frames > 64) return Fail(SCALERT_INVALID_ARGUMENT, "horizon must be in [1, 64] frames");
    if (!(total_budget_fraction >= 0) || !std::isfinite(total_budget_fraction))
      return Fail(SCALERT_INVALID_ARGUMENT, "total budget fraction must be finite and >= 0");
    options->options.horizon = frames;
    options->options.total_budget_fraction = total_budget_fraction;
    return SCALERT_OK;
  });
}

scalert_status scalert_family_options_set_calibration(scalert_family_options* options, int32_t runs,
                                                      int32_t switch_runs) {
  return Guard(__func__, [&] {
    if (!options) return Fail(SCALERT_INVALID_ARGUMENT, "options is NULL");
    if (runs < 0 || runs > 1000 || switch_runs < 0 || switch_runs > 1000)
      return Fail(SCALERT_INVALID_ARGUMENT, "calibration runs must be in [0, 1000]");
    options->options.calibration_runs = runs;
    options->options.switch_runs = switch_runs;
    return SCALERT_OK;
  });
}

scalert_status scalert_family_options_set_profile(scalert_family_options* options, const double* latency_ms,
                                                  const double* switch_ms, int32_t count) {
  return Guard(__func__, [&] {
    if (!options || !latency_ms) return Fail(SCALERT_INVALID_ARGUMENT, "options or latencies is NULL");
    if (count < 1 || count > 1024) return Fail(SCALERT_INVALID_ARGUMENT, "profile count must be in [1, 1024]");
    options->options.latency_ms.assign(latency_ms, latency_ms + count);
    options->options.switch_ms.clear();
    if (switch_ms)
      for (int32_t i = 0; i < count; ++i) options->options.switch_ms.emplace_back(switch_ms + i * count, switch_ms + (i + 1) * count);
    return SCALERT_OK;
  });
}

scalert_status scalert_family_create(const scalert_model* const* models, int32_t count, const scalert_options* options,
                                     const scalert_family_options* family_options, scalert_family** out) {
  return Guard(__func__, [&] {
    if (!out) return Fail(SCALERT_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (!models || count < 1) return Fail(SCALERT_INVALID_ARGUMENT, "a family needs at least one model");
    std::vector<std::shared_ptr<const scalert::Model>> ms;
    for (int32_t i = 0; i < count; ++i) {
      if (!models[i]) return Fail(SCALERT_INVALID_ARGUMENT, "model " + std::to_string(i) + " is NULL");
      ms.push_back(models[i]->model);
    }
    scalert::FamilyOptions o = family_options ? family_options->options : scalert::FamilyOptions();
    if (options) o.interpreter = options->options;
    auto f = scalert::Family::Create(std::move(ms), o);
    if (!f.ok()) return FromStatus(f.status());
    *out = new scalert_family{std::move(f).value()};
    return SCALERT_OK;
  });
}

void scalert_family_free(scalert_family* family) { delete family; }

int32_t scalert_family_member_count(const scalert_family* family) {
  return family ? static_cast<int32_t>(family->family->size()) : 0;
}

scalert_status scalert_family_member_info(const scalert_family* family, int32_t index, scalert_family_member* info) {
  return Guard(__func__, [&] {
    if (!family || !info) return Fail(SCALERT_INVALID_ARGUMENT, "family or info is NULL");
    if (index < 0 || index >= scalert_family_member_count(family))
      return Fail(SCALERT_INVALID_ARGUMENT, "member index " + std::to_string(index) + " out of range");
    const scalert::FamilyMemberInfo& m = family->family->member(static_cast<size_t>(index));
    info->name = m.name.c_str();
    info->input_h = m.input_h;
    info->input_w = m.input_w;
    info->input_c = m.input_c;
    info->macs = m.macs;
    info->accuracy = m.accuracy;
    info->latency_ms = m.latency_ms;
    info->cold_ms = m.cold_ms;
    info->own_arena_bytes = m.own_arena_bytes;
    return SCALERT_OK;
  });
}

int64_t scalert_family_arena_bytes(const scalert_family* family) { return family ? family->family->arena_bytes() : 0; }

scalert_status scalert_family_set_policy(scalert_family* family, const char* policy, int32_t static_member) {
  return Guard(__func__, [&] {
    if (!family || !policy) return Fail(SCALERT_INVALID_ARGUMENT, "family or policy is NULL");
    scalert::FamilyPolicy p;
    if (!scalert::ParseFamilyPolicy(policy, &p))
      return Fail(SCALERT_INVALID_ARGUMENT, std::string("unknown policy '") + policy + "' (greedy, dp, static)");
    return FromStatus(family->family->SetPolicy(p, static_member));
  });
}

scalert_status scalert_family_invoke(scalert_family* family, const float* frame, int32_t height, int32_t width,
                                     int32_t channels, double budget_ms, scalert_family_result* result) {
  return Guard(__func__, [&] {
    if (!family) return Fail(SCALERT_INVALID_ARGUMENT, "family is NULL");
    auto r = family->family->Invoke(frame, height, width, channels, budget_ms);
    if (!r.ok()) return FromStatus(r.status());
    if (result) {
      result->member = r->member;
      result->budget_ms = r->budget_ms;
      result->predicted_ms = r->predicted_ms;
      result->run_ms = r->run_ms;
      result->resize_ms = r->resize_ms;
      result->total_ms = r->total_ms;
      result->switched = r->switched ? 1 : 0;
      result->met_budget = r->met_budget ? 1 : 0;
    }
    return SCALERT_OK;
  });
}

scalert_status scalert_family_output_info(const scalert_family* family, int32_t index, scalert_tensor_info* info) {
  return Guard(__func__, [&] {
    if (!family) return Fail(SCALERT_INVALID_ARGUMENT, "family is NULL");
    if (index < 0 || static_cast<size_t>(index) >= family->family->num_outputs())
      return Fail(SCALERT_INVALID_ARGUMENT, "output index " + std::to_string(index) + " out of range");
    return FillInfo(family->family->output(static_cast<size_t>(index)), info);
  });
}

scalert_status scalert_family_get_output(const scalert_family* family, int32_t index, void* data, size_t bytes) {
  return Guard(__func__, [&] {
    if (!family) return Fail(SCALERT_INVALID_ARGUMENT, "family is NULL");
    if (index < 0) return Fail(SCALERT_INVALID_ARGUMENT, "output index " + std::to_string(index) + " out of range");
    return FromStatus(family->family->GetOutput(static_cast<size_t>(index), data, bytes));
  });
}

/* ---- end of model families ---------------------------------------------------------------- */

}  // extern "C"
