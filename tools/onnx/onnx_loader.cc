#include "tools/onnx/onnx_loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace scalert::onnx_import {
namespace {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return absl::DataLossError(absl::StrCat("error reading '", path, "'"));
  return ss.str();
}

// Bytes per element in raw_data, 0 for dtypes we do not read.
size_t RawElementSize(int32_t dt) {
  switch (dt) {
    case onnx::TensorProto::FLOAT: case onnx::TensorProto::INT32: return 4;
    case onnx::TensorProto::INT64: return 8;
    case onnx::TensorProto::INT16: case onnx::TensorProto::UINT16: return 2;
    case onnx::TensorProto::INT8: case onnx::TensorProto::UINT8: case onnx::TensorProto::BOOL: return 1;
    default: return 0;
  }
}

int64_t RawInt(const char* p, int32_t dt) {
  switch (dt) {
    case onnx::TensorProto::INT32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case onnx::TensorProto::INT64: { int64_t v; std::memcpy(&v, p, 8); return v; }
    case onnx::TensorProto::INT16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case onnx::TensorProto::UINT16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case onnx::TensorProto::INT8: return static_cast<int8_t>(*p);
    default: return static_cast<uint8_t>(*p);  // UINT8, BOOL
  }
}

// Where the bytes of an external tensor live, resolved inside `base_dir`.
absl::StatusOr<std::string> ReadExternalData(const onnx::TensorProto& t, const std::string& base_dir,
                                             const std::string& what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = std::strtoll(kv.value().c_str(), nullptr, 10);
    else if (kv.key() == "length") length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty())
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data without a 'location'"));
  // External files must sit next to the model: no absolute paths, no climbing out.
  if (location[0] == '/' || location.find("..") != std::string::npos)
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data location '", location,
                                                   "' must be a relative path inside the model's directory"));
  if (offset < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": negative external data offset"));
  const std::string path = base_dir.empty() ? location : base_dir + "/" + location;
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f)
    return absl::NotFoundError(absl::StrCat(what, ": cannot open external data file '", path, "': ",
                                            std::strerror(errno)));
  const int64_t size = static_cast<int64_t>(f.tellg());
  if (length < 0) length = size - offset;
  if (offset > size || length > size - offset)
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data [", offset, ", ", offset + length,
                                                   ") lies outside '", path, "' (", size, " bytes)"));
  std::string bytes(static_cast<size_t>(length), '\0');
  f.seekg(offset);
  f.read(bytes.data(), length);
  if (!f) return absl::DataLossError(absl::StrCat(what, ": error reading '", path, "'"));
  return bytes;
}

}  // namespace

int64_t HostTensor::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> HostTensor::AsInts() const {
  if (!is_float) return i;
  return std::vector<int64_t>(f.begin(), f.end());
}

std::vector<float> HostTensor::AsFloats() const {
  if (is_float) return f;
  return std::vector<float>(i.begin(), i.end());
}

std::string OnnxDTypeName(int32_t data_type) {
  switch (data_type) {
    case onnx::TensorProto::FLOAT: return "float32";
    case onnx::TensorProto::DOUBLE: return "double";
    case onnx::TensorProto::FLOAT16: return "float16";
    case onnx::TensorProto::BFLOAT16: return "bfloat16";
    case onnx::TensorProto::INT64: return "int64";
    case onnx::TensorProto::INT32: return "int32";
    case onnx::TensorProto::INT16: return "int16";
    case onnx::TensorProto::INT8: return "int8";
    case onnx::TensorProto::UINT8: return "uint8";
    case onnx::TensorProto::UINT16: return "uint16";
    case onnx::TensorProto::UINT32: return "uint32";
    case onnx::TensorProto::UINT64: return "uint64";
    case onnx::TensorProto::BOOL: return "bool";
    case onnx::TensorProto::STRING: return "string";
    case onnx::TensorProto::COMPLEX64: return "complex64";
    case onnx::TensorProto::COMPLEX128: return "complex128";
    default: return absl::StrCat("dtype ", data_type);
  }
}

absl::StatusOr<onnx::ModelProto> LoadOnnxModel(const std::string& path) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  onnx::ModelProto m;
  // Protobuf happily parses many non-protobuf byte strings, so also require a graph and an opset.
  if (!m.ParseFromString(*bytes) || !m.has_graph() || m.opset_import_size() == 0)
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not an ONNX model (",
                                                   bytes->empty() ? "the file is empty"
                                                                  : "no ModelProto with a graph and an opset",
                                                   ")"));
  return m;
}

absl::StatusOr<HostTensor> ReadTensorProto(const onnx::TensorProto& t, const std::string& base_dir,
                                           const std::string& what) {
  const int32_t dt = t.data_type();
  HostTensor h;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && n > (int64_t{1} << 40) / d))
      return absl::InvalidArgumentError(absl::StrCat(what, ": invalid dimension ", d));
    h.dims.push_back(d);
    n *= d;
  }
  if (t.has_segment()) return absl::UnimplementedError(absl::StrCat(what, ": segmented tensors are not supported"));
  const size_t esize = RawElementSize(dt);
  if (esize == 0)
    return absl::UnimplementedError(absl::StrCat(what, ": dtype ", OnnxDTypeName(dt),
                                                 " is not supported (float32 and integer types only)"));
  h.is_float = dt == onnx::TensorProto::FLOAT;

  std::string external;
  const std::string* raw = nullptr;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    auto e = ReadExternalData(t, base_dir, what);
    if (!e.ok()) return e.status();
    external = std::move(*e);
    raw = &external;
  } else if (t.has_raw_data()) {
    raw = &t.raw_data();
  }
  if (raw != nullptr) {
    if (raw->size() != static_cast<size_t>(n) * esize)
      return absl::InvalidArgumentError(absl::StrCat(what, ": has ", raw->size(), " data bytes but ", n, " ",
                                                     OnnxDTypeName(dt), " elements need ", n * esize));
    if (h.is_float) {
      h.f.resize(static_cast<size_t>(n));
      if (!raw->empty()) std::memcpy(h.f.data(), raw->data(), raw->size());  // n may be 0
    } else {
      h.i.resize(static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k) h.i[k] = RawInt(raw->data() + k * esize, dt);
    }
    return h;
  }
  int64_t found;
  if (h.is_float) {
    h.f.assign(t.float_data().begin(), t.float_data().end());
    found = t.float_data_size();
  } else if (dt == onnx::TensorProto::INT64) {
    h.i.assign(t.int64_data().begin(), t.int64_data().end());
    found = t.int64_data_size();
  } else {
    h.i.assign(t.int32_data().begin(), t.int32_data().end());
    found = t.int32_data_size();
  }
  if (found != n)
    return absl::InvalidArgumentError(absl::StrCat(what, ": has ", found, " values but its shape needs ", n));
  return h;
}

absl::StatusOr<HostTensor> ReadTensorProtoFile(const std::string& path) {
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  onnx::TensorProto t;
  if (!t.ParseFromString(*bytes))
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a serialized ONNX TensorProto"));
  const std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  return ReadTensorProto(t, dir, path);
}

}  // namespace scalert::onnx_import
