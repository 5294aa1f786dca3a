// The `scalert._scalert` extension: Model and Interpreter over the C++ runtime (linked in
// statically, so the wheel needs no libscalert.so and no library path). Binding the C++ API
// rather than the C API gives direct access to the input/output buffers and to each
// absl::Status message; the runtime never throws past Interpreter::Create, and what pybind11
// might still see (std::bad_alloc) becomes MemoryError, not an abort.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "runtime/family.h"
#include "runtime/image/decode.h"
#include "runtime/interpreter.h"
#include "runtime/version.h"

namespace py = pybind11;

namespace scalert::python {
namespace {

// scalert.Error, raised with the runtime's message.
PyObject* g_error = nullptr;

[[noreturn]] void Raise(const absl::Status& s) {
  PyErr_SetString(g_error, std::string(s.message()).c_str());
  throw py::error_already_set();
}

template <typename T>
T Value(absl::StatusOr<T> v) {
  if (!v.ok()) Raise(v.status());
  return std::move(v).value();
}

void Check(const absl::Status& s) {
  if (!s.ok()) Raise(s);
}

py::dtype NumpyType(DType t) {
  switch (t) {
    case DType::kF32: return py::dtype::of<float>();
    case DType::kF16: return py::dtype("float16");
    case DType::kI8: return py::dtype::of<int8_t>();
    case DType::kI32: return py::dtype::of<int32_t>();
  }
  return py::dtype::of<float>();
}

py::dict TensorDict(const Tensor& t) {
  py::dict d;
  d["name"] = t.name;
  d["shape"] = py::tuple(py::cast(std::vector<int64_t>(t.shape.begin(), t.shape.end())));
  d["dtype"] = NumpyType(t.dtype);
  return d;
}

// An input or output by index or by name.
template <typename TensorAt>
size_t Index(const py::handle& key, const char* what, size_t count, const TensorAt& tensor) {
  if (py::isinstance<py::str>(key)) {
    const std::string name = key.cast<std::string>();
    for (size_t i = 0; i < count; ++i)
      if (tensor(i).name == name) return i;
    Raise(absl::InvalidArgumentError(std::string("no ") + what + " named '" + name + "'"));
  }
  const int64_t i = key.cast<int64_t>();
  if (i < 0 || i >= static_cast<int64_t>(count))
    Raise(absl::OutOfRangeError(std::string(what) + " index " + std::to_string(i) + " out of range (model has " +
                                std::to_string(count) + ")"));
  return static_cast<size_t>(i);
}

class PyInterpreter {
 public:
  PyInterpreter(std::shared_ptr<const Model> model, const std::string& backend, int threads,
                const std::string& precision) {
    InterpreterOptions o;
    o.backend = backend;
    o.threads = threads;
    if (!ParsePrecision(precision, &o.precision))
      Raise(absl::InvalidArgumentError("unknown precision '" + precision + "' (fp32, fp16, int8)"));
    it_ = Value(Interpreter::Create(std::move(model), o));
  }

  size_t InputIndex(const py::handle& key) const {
    return Index(key, "input", it_->num_inputs(), [&](size_t i) -> const Tensor& { return it_->input(i); });
  }
  size_t OutputIndex(const py::handle& key) const {
    return Index(key, "output", it_->num_outputs(), [&](size_t i) -> const Tensor& { return it_->output(i); });
  }

  // Copies a float32 C-contiguous view of `array` into input i (other float types are converted).
  void SetInput(const py::handle& key, const py::handle& array) {
    const size_t i = InputIndex(key);
    const Tensor& t = it_->input(i);
    if (t.dtype != DType::kF32) Raise(absl::UnimplementedError("only f32 inputs can be set from Python"));
    auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
    if (!a) Raise(absl::InvalidArgumentError("input '" + t.name + "' needs a numeric array"));
    Shape shape(a.shape(), a.shape() + a.ndim());
    if (shape != t.shape)
      Raise(absl::InvalidArgumentError("input '" + t.name + "' expects shape " + ShapeToString(t.shape) + ", got " +
                                       ShapeToString(shape)));
    std::lock_guard<std::mutex> lock(mutex_);
    Check(it_->SetInput(i, a.data(), static_cast<size_t>(a.nbytes())));
    set_[i] = true;
  }

  void SetInputImage(const py::handle& key, const py::handle& image, const std::string& fit, int rotation) {
    const size_t i = InputIndex(key);
    image::PreprocessOptions o;
    if (!image::ParseFit(fit, &o.fit)) Raise(absl::InvalidArgumentError("unknown fit '" + fit + "' (stretch, crop, letterbox)"));
    o.rotation = rotation;
    image::Image decoded;
    image::Frame f;
    py::array_t<uint8_t, py::array::c_style> pixels;
    if (py::isinstance<py::str>(image) || py::hasattr(image, "__fspath__")) {
      const std::string path = py::str(py::module_::import("os").attr("fspath")(image));
      decoded = Value(image::ReadImageFile(path));
      f = decoded.frame();
    } else {
      auto a = py::array::ensure(image, py::array::c_style);
      if (!a || !a.dtype().is(py::dtype::of<uint8_t>()))
        Raise(absl::InvalidArgumentError("an image is a file path or a uint8 array of shape (H, W), (H, W, 3) or (H, W, 4)"));
      pixels = py::array_t<uint8_t, py::array::c_style>::ensure(a);
      const bool gray = pixels.ndim() == 2;
      if (!gray && !(pixels.ndim() == 3 && (pixels.shape(2) == 3 || pixels.shape(2) == 4)))
        Raise(absl::InvalidArgumentError("an image array must have shape (H, W), (H, W, 3) RGB or (H, W, 4) RGBA"));
      f.data = pixels.data();
      f.height = static_cast<int32_t>(std::min<py::ssize_t>(pixels.shape(0), image::kMaxSide + 1));
      f.width = static_cast<int32_t>(std::min<py::ssize_t>(pixels.shape(1), image::kMaxSide + 1));
      f.format = gray ? image::PixelFormat::kGray
                      : pixels.shape(2) == 3 ? image::PixelFormat::kRGB : image::PixelFormat::kRGBA;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Check(it_->SetInputImage(i, f, o));
    set_[i] = true;
  }

  void Invoke() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < it_->num_inputs(); ++i)
      if (!set_[i]) Raise(absl::FailedPreconditionError("input " + std::to_string(i) + " '" + it_->input(i).name +
                                                        "' was never set"));
    absl::Status s;
    {
      py::gil_scoped_release release;  // other Python threads run while the model does
      s = it_->Invoke();
    }
    Check(s);
    invoked_ = true;
  }

  // A copy of output i: it stays valid after the next run.
  py::array Output(const py::handle& key) const {
    const size_t i = OutputIndex(key);
    if (!invoked_) Raise(absl::FailedPreconditionError("no output before a successful run"));
    const Tensor& t = it_->output(i);
    py::array a(NumpyType(t.dtype), std::vector<py::ssize_t>(t.shape.begin(), t.shape.end()));
    std::memcpy(a.mutable_data(), it_->output_data(i), static_cast<size_t>(t.bytes()));
    return a;
  }

  py::list Outputs() const {
    py::list out;
    for (size_t i = 0; i < it_->num_outputs(); ++i) out.append(Output(py::int_(i)));
    return out;
  }

  int threads() const { return it_->options().threads; }
  std::string backend() const { return it_->options().backend; }
  std::string precision() const { return PrecisionName(it_->executable().effective_precision()); }
  int64_t arena_bytes() const { return it_->executable().arena_bytes(); }
  void Init() { set_.assign(it_->num_inputs(), false); }

 private:
  std::unique_ptr<Interpreter> it_;
  std::vector<bool> set_;
  bool invoked_ = false;
  std::mutex mutex_;  // one run at a time per interpreter, even with the GIL released
};


// A model family (runtime/family.h): members prepared once on one shared arena; invoke() picks a
// member for each frame's time budget. One thread at a time (a mutex guards it); the GIL is
// released while a member runs.
class PyFamily {
 public:
  PyFamily(std::vector<std::shared_ptr<const Model>> models, const std::string& backend, int threads,
           const std::string& precision, const std::string& policy, int static_member, int horizon,
           double total_budget_fraction, int calibration_runs, int switch_runs, std::vector<double> latency_ms,
           std::vector<std::vector<double>> switch_ms) {
    FamilyOptions o;
    o.interpreter.backend = backend;
    o.interpreter.threads = threads;
    if (!ParsePrecision(precision, &o.interpreter.precision))
      Raise(absl::InvalidArgumentError("unknown precision '" + precision + "' (fp32, fp16, bf16, int8)"));
    if (!ParseFamilyPolicy(policy, &o.policy))
      Raise(absl::InvalidArgumentError("unknown policy '" + policy + "' (greedy, dp, static)"));
    o.static_member = static_member;
    o.horizon = horizon;
    o.total_budget_fraction = total_budget_fraction;
    o.calibration_runs = calibration_runs;
    o.switch_runs = switch_runs;
    o.latency_ms = std::move(latency_ms);
    o.switch_ms = std::move(switch_ms);
    absl::StatusOr<std::unique_ptr<Family>> f;
    {
      py::gil_scoped_release release;  // calibration runs every member
      f = Family::Create(std::move(models), o);
    }
    family_ = Value(std::move(f));
  }

  py::list Members() const {
    py::list out;
    for (size_t i = 0; i < family_->size(); ++i) {
      const FamilyMemberInfo& m = family_->member(i);
      py::dict d;
      d["name"] = m.name;
      d["input_h"] = m.input_h;
      d["input_w"] = m.input_w;
      d["input_c"] = m.input_c;
      d["macs"] = m.macs;
      d["accuracy"] = m.accuracy;
      d["latency_ms"] = m.latency_ms;
      d["cold_ms"] = m.cold_ms;
      d["own_arena_bytes"] = m.own_arena_bytes;
      out.append(d);
    }
    return out;
  }

  void SetPolicy(const std::string& policy, int static_member) {
    FamilyPolicy p;
    if (!ParseFamilyPolicy(policy, &p))
      Raise(absl::InvalidArgumentError("unknown policy '" + policy + "' (greedy, dp, static)"));
    std::lock_guard<std::mutex> lock(mutex_);
    Check(family_->SetPolicy(p, static_member));
  }

  // `frame`: float32 [H, W, C] or [1, H, W, C] (converted when needed).
  py::dict Invoke(const py::handle& frame, double budget_ms) {
    auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(frame);
    if (!a) Raise(absl::InvalidArgumentError("frame must be a numeric array [H, W, C] or [1, H, W, C]"));
    const bool batched = a.ndim() == 4 && a.shape(0) == 1;
    if (a.ndim() != 3 && !batched) Raise(absl::InvalidArgumentError("frame must be [H, W, C] or [1, H, W, C]"));
    const int off = batched ? 1 : 0;
    const auto h = static_cast<int32_t>(a.shape(off)), w = static_cast<int32_t>(a.shape(off + 1)),
               c = static_cast<int32_t>(a.shape(off + 2));
    std::lock_guard<std::mutex> lock(mutex_);
    absl::StatusOr<FamilyResult> r;
    {
      py::gil_scoped_release release;
      r = family_->Invoke(a.data(), h, w, c, budget_ms);
    }
    const FamilyResult res = Value(std::move(r));
    py::dict d;
    d["member"] = res.member;
    d["budget_ms"] = res.budget_ms;
    d["predicted_ms"] = res.predicted_ms;
    d["run_ms"] = res.run_ms;
    d["resize_ms"] = res.resize_ms;
    d["total_ms"] = res.total_ms;
    d["switched"] = res.switched;
    d["met_budget"] = res.met_budget;
    return d;
  }

  py::array Output(size_t i) const {
    if (i >= family_->num_outputs())
      Raise(absl::OutOfRangeError("output index " + std::to_string(i) + " out of range (family has " +
                                  std::to_string(family_->num_outputs()) + ")"));
    if (family_->last_member() < 0) Raise(absl::FailedPreconditionError("no output before a successful invoke"));
    const Tensor& t = family_->output(i);
    py::array a(NumpyType(t.dtype), std::vector<py::ssize_t>(t.shape.begin(), t.shape.end()));
    Check(family_->GetOutput(i, a.mutable_data(), static_cast<size_t>(t.bytes())));
    return a;
  }

  int64_t arena_bytes() const { return family_->arena_bytes(); }

 private:
  std::unique_ptr<Family> family_;
  std::mutex mutex_;
};

class PyModel {
 public:
  explicit PyModel(const py::object& source) {
    if (py::isinstance<py::bytes>(source) || py::isinstance<py::bytearray>(source) ||
        py::isinstance<py::memoryview>(source)) {
      py::buffer_info b = py::buffer(source).request();
      model_ = Value(Model::LoadFromMemory(b.ptr, static_cast<size_t>(b.size * b.itemsize)));
    } else {
      const std::string path = py::str(py::module_::import("os").attr("fspath")(source));
      model_ = Value(Model::Load(path));
    }
  }
  std::shared_ptr<const Model> model() const { return model_; }
  const ModelMetadata& md() const { return model_->graph().metadata; }

  py::dict Metadata() const {
    const ModelMetadata& m = md();
    py::dict d;
    d["family"] = m.family;
    d["base_config"] = m.base_config;
    d["phi"] = m.phi;
    d["alpha"] = m.alpha;
    d["beta"] = m.beta;
    d["gamma"] = m.gamma;
    d["width_multiplier"] = m.width_multiplier;
    d["depth_multiplier"] = m.depth_multiplier;
    d["resolution_multiplier"] = m.resolution_multiplier;
    d["input_h"] = m.input_h;
    d["input_w"] = m.input_w;
    d["params_trained"] = m.params_trained;
    d["producer"] = m.producer;
    d["producer_version"] = m.producer_version;
    d["source"] = m.source;
    d["input_layout"] = m.input_layout;
    d["color_order"] = m.color_order;
    d["mean"] = m.mean;
    d["std"] = m.std;
    return d;
  }
  py::list Tensors(const std::vector<int32_t>& which) const {
    py::list l;
    for (int32_t t : which) l.append(TensorDict(model_->graph().tensors[t]));
    return l;
  }

 private:
  std::shared_ptr<const Model> model_;
};

}  // namespace
}  // namespace scalert::python

PYBIND11_MODULE(_scalert, m) {
  using namespace scalert::python;
  namespace sp = scalert::python;
  m.doc() = "ScaleRT runtime: load .srm models and run them (see the scalert package).";
  m.attr("__version__") = SCALERT_VERSION_STRING;
  static py::exception<std::runtime_error> error(m, "Error", PyExc_RuntimeError);
  sp::g_error = error.ptr();
  m.attr("MAX_THREADS") = scalert::kMaxThreads;
  m.def("available_backends", &scalert::AvailableBackends, "Backends built into this package.");
  m.def("jpeg_png_supported", &scalert::image::JpegPngSupported);

  py::class_<PyInterpreter>(m, "Interpreter", "A model prepared on one backend; one run at a time.")
      .def("set_input", &PyInterpreter::SetInput, py::arg("key"), py::arg("array"),
           "Copies an array (converted to float32) into the input named or numbered `key`.")
      .def("set_input_image", &PyInterpreter::SetInputImage, py::arg("key"), py::arg("image"),
           py::arg("fit") = "stretch", py::arg("rotation") = 0,
           "Sets an input from an image file path or a uint8 array (H, W[, 3|4]) RGB(A)/gray: resized, "
           "color-converted and normalized as the model's metadata says.")
      .def("invoke", &PyInterpreter::Invoke, "Runs the model (the GIL is released meanwhile).")
      .def("output", &PyInterpreter::Output, py::arg("key"), "A copy of the output named or numbered `key`.")
      .def("outputs", &PyInterpreter::Outputs, "Copies of every output, in order.")
      .def_property_readonly("backend", &PyInterpreter::backend)
      .def_property_readonly("threads", &PyInterpreter::threads)
      .def_property_readonly("precision", &PyInterpreter::precision, "What the backend actually runs.")
      .def_property_readonly("arena_bytes", &PyInterpreter::arena_bytes);

  py::class_<PyModel>(m, "Model", "A loaded and validated .srm model, shared read-only by its interpreters.")
      .def(py::init<const py::object&>(), py::arg("source"), "Loads a path (str or os.PathLike) or bytes.")
      .def_property_readonly("name", [](const PyModel& p) { return p.model()->name(); })
      .def_property_readonly("metadata", &PyModel::Metadata)
      .def_property_readonly("labels", [](const PyModel& p) { return p.md().labels; })
      .def_property_readonly("inputs", [](const PyModel& p) { return p.Tensors(p.model()->graph().inputs); })
      .def_property_readonly("outputs", [](const PyModel& p) { return p.Tensors(p.model()->graph().outputs); })
      .def(
          "_interpreter",
          [](const PyModel& p, const std::string& backend, int threads, const std::string& precision) {
            auto it = std::make_unique<PyInterpreter>(p.model(), backend, threads, precision);
            it->Init();
            return it;
          },
          py::arg("backend"), py::arg("threads"), py::arg("precision"));

  py::class_<sp::PyFamily>(m, "Family", "Several compatible models run as one: a member per frame's time budget.")
      .def(py::init([](const std::vector<py::object>& models, const std::string& backend, int threads,
                       const std::string& precision, const std::string& policy, int static_member, int horizon,
                       double total_budget_fraction, int calibration_runs, int switch_runs,
                       std::vector<double> latency_ms, std::vector<std::vector<double>> switch_ms) {
             std::vector<std::shared_ptr<const scalert::Model>> ms;
             for (const py::object& o : models) ms.push_back(o.cast<const sp::PyModel&>().model());
             return std::make_unique<sp::PyFamily>(std::move(ms), backend, threads, precision, policy, static_member,
                                                   horizon, total_budget_fraction, calibration_runs, switch_runs,
                                                   std::move(latency_ms), std::move(switch_ms));
           }),
           py::arg("models"), py::arg("backend"), py::arg("threads"), py::arg("precision"), py::arg("policy"),
           py::arg("static_member"), py::arg("horizon"), py::arg("total_budget_fraction"),
           py::arg("calibration_runs"), py::arg("switch_runs"), py::arg("latency_ms"), py::arg("switch_ms"))
      .def_property_readonly("members", &sp::PyFamily::Members)
      .def_property_readonly("arena_bytes", &sp::PyFamily::arena_bytes)
      .def("set_policy", &sp::PyFamily::SetPolicy, py::arg("policy"), py::arg("static_member") = 0)
      .def("invoke", &sp::PyFamily::Invoke, py::arg("frame"), py::arg("budget_ms"))
      .def("output", &sp::PyFamily::Output, py::arg("index") = 0);
}
