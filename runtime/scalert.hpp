// ScaleRT C++ wrapper: RAII handles over the C API (header-only, so it depends only on the
// stable C ABI). Errors throw scalert::Error carrying the C status and message.
#ifndef SCALERT_SCALERT_HPP_
#define SCALERT_SCALERT_HPP_

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "c_api.h"

namespace scalert {

class Error : public std::runtime_error {
 public:
  Error(scalert_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  scalert_status status() const { return status_; }

 private:
  scalert_status status_;
};

inline void Check(scalert_status s) {
  if (s != SCALERT_OK) throw Error(s, scalert_last_error());
}

// A loaded model; cheap to share (copies share the same handle).
class ModelHandle {
 public:
  static ModelHandle FromFile(const std::string& path) {
    scalert_model* m = nullptr;
    Check(scalert_model_load_file(path.c_str(), &m));
    return ModelHandle(m);
  }
  static ModelHandle FromMemory(const void* data, size_t size) {
    scalert_model* m = nullptr;
    Check(scalert_model_load_memory(data, size, &m));
    return ModelHandle(m);
  }
  const scalert_model* get() const { return model_.get(); }
  std::string metadata(const char* key) const { return scalert_model_metadata(get(), key); }
  std::vector<std::string> labels() const {
    std::vector<std::string> r;
    for (int32_t i = 0; i < scalert_model_label_count(get()); ++i) r.push_back(scalert_model_label(get(), i));
    return r;
  }

 private:
  explicit ModelHandle(scalert_model* m) : model_(m, scalert_model_free) {}
  std::shared_ptr<scalert_model> model_;
};

struct Options {
  std::string backend = "native";
  std::string precision = "fp32";
  int threads = 1;
};

// One interpreter per thread; move-only.
class InterpreterHandle {
 public:
  InterpreterHandle(const ModelHandle& model, const Options& options = {}) : model_(model) {
    std::unique_ptr<scalert_options, void (*)(scalert_options*)> o(scalert_options_create(), scalert_options_free);
    Check(scalert_options_set_backend(o.get(), options.backend.c_str()));
    Check(scalert_options_set_precision(o.get(), options.precision.c_str()));
    Check(scalert_options_set_threads(o.get(), options.threads));
    scalert_interpreter* it = nullptr;
    Check(scalert_interpreter_create(model.get(), o.get(), &it));
    it_.reset(it);
  }
  scalert_tensor_info input_info(int32_t i) const {
    scalert_tensor_info info;
    Check(scalert_interpreter_input_info(it_.get(), i, &info));
    return info;
  }
  scalert_tensor_info output_info(int32_t i) const {
    scalert_tensor_info info;
    Check(scalert_interpreter_output_info(it_.get(), i, &info));
    return info;
  }
  // The index of the output named `name` (throws if there is none).
  int32_t output_index(const std::string& name) const {
    int32_t index = -1;
    Check(scalert_interpreter_output_index(it_.get(), name.c_str(), &index));
    return index;
  }
  void SetInput(int32_t i, const std::vector<float>& data) {
    Check(scalert_interpreter_set_input(it_.get(), i, data.data(), data.size() * sizeof(float)));
  }
  // A camera frame or decoded image: see scalert_interpreter_set_input_image.
  void SetInputImage(int32_t i, const scalert_image& image, const scalert_rect* crop = nullptr, int rotation_degrees = 0,
                     scalert_fit fit = SCALERT_FIT_STRETCH) {
    Check(scalert_interpreter_set_input_image(it_.get(), i, &image, crop, rotation_degrees, fit));
  }
  void Invoke() { Check(scalert_interpreter_invoke(it_.get())); }
  std::vector<float> GetOutput(int32_t i) const {
    std::vector<float> out(output_info(i).bytes / sizeof(float));
    Check(scalert_interpreter_get_output(it_.get(), i, out.data(), out.size() * sizeof(float)));
    return out;
  }

 private:
  struct Free {
    void operator()(scalert_interpreter* p) const { scalert_interpreter_free(p); }
  };
  ModelHandle model_;  // keeps the model alive as long as the interpreter
  std::unique_ptr<scalert_interpreter, Free> it_;
};

struct FamilyOptions {
  std::string policy = "greedy";  // "greedy", "dp" or "static"
  int static_member = 0;          // for "static"
  int horizon = 8;                // "dp": frames planned ahead
  double total_budget_fraction = 0;  // "dp": cap on the horizon's running time (0: none)
  int calibration_runs = 3;       // per member at creation
  int switch_runs = 2;            // samples per member pair for switch costs
  std::vector<double> latency_ms; // a device profile instead of calibration (models' order)
};

// A model family that runs, per frame, the member that fits the time budget (see c_api.h). One
// thread at a time; move-only.
class FamilyHandle {
 public:
  FamilyHandle(const std::vector<ModelHandle>& models, const Options& options = {},
               const FamilyOptions& family = {}) {
    std::unique_ptr<scalert_options, void (*)(scalert_options*)> o(scalert_options_create(), scalert_options_free);
    Check(scalert_options_set_backend(o.get(), options.backend.c_str()));
    Check(scalert_options_set_precision(o.get(), options.precision.c_str()));
    Check(scalert_options_set_threads(o.get(), options.threads));
    std::unique_ptr<scalert_family_options, void (*)(scalert_family_options*)> f(scalert_family_options_create(),
                                                                                 scalert_family_options_free);
    Check(scalert_family_options_set_policy(f.get(), family.policy.c_str(), family.static_member));
    Check(scalert_family_options_set_horizon(f.get(), family.horizon, family.total_budget_fraction));
    Check(scalert_family_options_set_calibration(f.get(), family.calibration_runs, family.switch_runs));
    if (!family.latency_ms.empty())
      Check(scalert_family_options_set_profile(f.get(), family.latency_ms.data(), nullptr,
                                               static_cast<int32_t>(family.latency_ms.size())));
    std::vector<const scalert_model*> handles;
    for (const ModelHandle& m : models) handles.push_back(m.get());
    scalert_family* fam = nullptr;
    Check(scalert_family_create(handles.data(), static_cast<int32_t>(handles.size()), o.get(), f.get(), &fam));
    family_.reset(fam);
  }
  int32_t size() const { return scalert_family_member_count(family_.get()); }
  scalert_family_member member(int32_t i) const {
    scalert_family_member info;
    Check(scalert_family_member_info(family_.get(), i, &info));
    return info;
  }
  int64_t arena_bytes() const { return scalert_family_arena_bytes(family_.get()); }
  void SetPolicy(const std::string& policy, int static_member = 0) {
    Check(scalert_family_set_policy(family_.get(), policy.c_str(), static_member));
  }
  // `frame` is float32 NHWC [height, width, channels], any size.
  scalert_family_result Invoke(const std::vector<float>& frame, int32_t height, int32_t width, int32_t channels,
                               double budget_ms) {
    if (frame.size() != static_cast<size_t>(height) * width * channels)
      throw Error(SCALERT_INVALID_ARGUMENT, "frame size does not match height x width x channels");
    scalert_family_result r;
    Check(scalert_family_invoke(family_.get(), frame.data(), height, width, channels, budget_ms, &r));
    return r;
  }
  std::vector<float> GetOutput(int32_t i) const {
    scalert_tensor_info info;
    Check(scalert_family_output_info(family_.get(), i, &info));
    std::vector<float> out(info.bytes / sizeof(float));
    Check(scalert_family_get_output(family_.get(), i, out.data(), out.size() * sizeof(float)));
    return out;
  }

 private:
  struct Free {
    void operator()(scalert_family* p) const { scalert_family_free(p); }
  };
  std::unique_ptr<scalert_family, Free> family_;
};

}  // namespace scalert

#endif  // SCALERT_SCALERT_HPP_
