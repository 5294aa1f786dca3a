#include "tools/latency/device_profile.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "runtime/types.h"
#include "tools/json.h"
#include "tools/latency/json_value.h"

namespace scalert::latency {
namespace {

using tools::JsonArray;
using tools::JsonObject;

constexpr int64_t kMaxProfileBytes = int64_t{64} << 20;
constexpr size_t kMaxSamples = 1000000;

std::string SampleJson(const StepSample& s) {
  return JsonObject()
      .Str("kernel", s.kernel)
      .Str("class", s.klass)
      .Int("nodes", s.nodes)
      .Num("flops", s.flops)
      .Num("bytes", s.bytes)
      .Num("ms", s.ms)
      .Num("ms_cold", s.ms_cold)
      .Str("graph", s.graph)
      .str();
}

// Field access with errors that name the path of the field.
class Reader {
 public:
  Reader(const JsonValue& v, std::string path) : v_(v), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  absl::Status Expect(JsonValue::Type t) const {
    if (v_.type == t) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": expected ", JsonTypeName(t), ", found ", JsonTypeName(v_.type)));
  }
  absl::StatusOr<Reader> Field(const std::string& key, JsonValue::Type t, bool required = true) const {
    if (absl::Status s = Expect(JsonValue::Type::kObject); !s.ok()) return s;
    const JsonValue* f = v_.Find(key);
    const std::string p = absl::StrCat(path_, path_.empty() ? "" : ".", key);
    if (!f) {
      if (!required) return Reader(kNull, p);
      return absl::InvalidArgumentError(absl::StrCat(p, ": missing"));
    }
    Reader r(*f, p);
    if (absl::Status s = r.Expect(t); !s.ok()) return s;
    return r;
  }
  absl::StatusOr<std::string> Str(const std::string& key, bool required = true, size_t max_len = 4096) const {
    auto r = Field(key, JsonValue::Type::kString, required);
    if (!r.ok()) return r.status();
    if (r->v_.string.size() > max_len)
      return absl::InvalidArgumentError(absl::StrCat(r->path_, ": longer than ", max_len, " characters"));
    return r->v_.string;
  }
  // A finite number in [lo, hi].
  absl::StatusOr<double> Num(const std::string& key, double lo, double hi, bool required = true,
                             double def = 0) const {
    auto r = Field(key, JsonValue::Type::kNumber, required);
    if (!r.ok()) return r.status();
    if (r->v_.type == JsonValue::Type::kNull) return def;
    const double v = r->v_.number;
    if (!(v >= lo && v <= hi))
      return absl::InvalidArgumentError(absl::StrCat(r->path_, ": ", v, " is outside [", lo, ", ", hi, "]"));
    return v;
  }
  absl::StatusOr<int64_t> Int(const std::string& key, int64_t lo, int64_t hi, bool required = true) const {
    auto d = Num(key, static_cast<double>(lo), static_cast<double>(hi), required, static_cast<double>(lo));
    if (!d.ok()) return d.status();
    if (*d != std::floor(*d))
      return absl::InvalidArgumentError(absl::StrCat(path_, ".", key, ": ", *d, " is not an integer"));
    return static_cast<int64_t>(*d);
  }
  absl::StatusOr<bool> Bool(const std::string& key) const {
    auto r = Field(key, JsonValue::Type::kBool, false);
    if (!r.ok()) return r.status();
    return r->v_.boolean;
  }
  const JsonValue& value() const { return v_; }

 private:
  static inline const JsonValue kNull{};
  const JsonValue& v_;
  std::string path_;
};

#define PROFILE_ASSIGN(lhs, expr)          \
  do {                                     \
    auto _v = (expr);                      \
    if (!_v.ok()) return _v.status();      \
    lhs = static_cast<decltype(lhs)>(*_v); \
  } while (0)

absl::Status CheckPrecision(const std::string& path, const std::string& name) {
  Precision p;
  if (!ParsePrecision(name, &p))
    return absl::InvalidArgumentError(absl::StrCat(path, ": unknown precision '", name, "' (fp32, fp16, int8)"));
  return absl::OkStatus();
}

absl::StatusOr<StepSample> ReadSample(const Reader& r) {
  StepSample s;
  PROFILE_ASSIGN(s.kernel, r.Str("kernel", true, 200));
  if (s.kernel.empty()) return absl::InvalidArgumentError(absl::StrCat(r.path(), ".kernel: empty"));
  PROFILE_ASSIGN(s.klass, r.Str("class", true, 200));
  if (s.klass.empty()) return absl::InvalidArgumentError(absl::StrCat(r.path(), ".class: empty"));
  PROFILE_ASSIGN(s.nodes, r.Int("nodes", 1, 100000));
  PROFILE_ASSIGN(s.flops, r.Num("flops", 0, 1e16));
  PROFILE_ASSIGN(s.bytes, r.Num("bytes", 0, 1e15));
  PROFILE_ASSIGN(s.ms, r.Num("ms", 0, 1e7));
  PROFILE_ASSIGN(s.ms_cold, r.Num("ms_cold", 0, 1e7, false));
  PROFILE_ASSIGN(s.graph, r.Str("graph", false, 400));
  return s;
}

absl::StatusOr<DeviceSetting> ReadSetting(const Reader& r) {
  DeviceSetting s;
  PROFILE_ASSIGN(s.threads, r.Int("threads", 1, 1024));
  PROFILE_ASSIGN(s.precision, r.Str("precision", true, 16));
  if (absl::Status st = CheckPrecision(r.path() + ".precision", s.precision); !st.ok()) return st;
  PROFILE_ASSIGN(s.requested_precision, r.Str("requested_precision", false, 16));
  if (s.requested_precision.empty()) s.requested_precision = s.precision;
  if (absl::Status st = CheckPrecision(r.path() + ".requested_precision", s.requested_precision); !st.ok()) return st;
  PROFILE_ASSIGN(s.sustained, r.Bool("sustained"));
  PROFILE_ASSIGN(s.drift_pct, r.Num("drift_pct", -1e6, 1e6, false));
  auto samples = r.Field("samples", JsonValue::Type::kArray);
  if (!samples.ok()) return samples.status();
  const std::vector<JsonValue>& items = samples->value().array;
  if (items.empty()) return absl::InvalidArgumentError(absl::StrCat(samples->path(), ": no samples"));
  if (items.size() > kMaxSamples)
    return absl::InvalidArgumentError(absl::StrCat(samples->path(), ": more than ", kMaxSamples, " samples"));
  for (size_t i = 0; i < items.size(); ++i) {
    Reader item(items[i], absl::StrCat(samples->path(), "[", i, "]"));
    auto sample = ReadSample(item);
    if (!sample.ok()) return sample.status();
    s.samples.push_back(std::move(*sample));
  }
  auto graphs = r.Field("graphs", JsonValue::Type::kArray, false);
  if (!graphs.ok()) return graphs.status();
  if (graphs->value().array.size() > kMaxSamples)
    return absl::InvalidArgumentError(absl::StrCat(graphs->path(), ": more than ", kMaxSamples, " entries"));
  for (size_t i = 0; i < graphs->value().array.size(); ++i) {
    Reader item(graphs->value().array[i], absl::StrCat(graphs->path(), "[", i, "]"));
    GraphTiming t;
    PROFILE_ASSIGN(t.name, item.Str("name", true, 400));
    PROFILE_ASSIGN(t.measured_ms, item.Num("measured_ms", 0, 1e7));
    PROFILE_ASSIGN(t.steps_ms, item.Num("steps_ms", 0, 1e7));
    s.graphs.push_back(std::move(t));
  }
  return s;
}

}  // namespace

std::string DeviceProfileJson(const DeviceProfile& p) {
  std::vector<std::string> features;
  for (const std::string& f : p.device.isa_features) features.push_back(tools::JsonString(f));
  const std::string device = JsonObject()
                                 .Str("cpu", p.device.cpu)
                                 .Str("arch", p.device.arch)
                                 .Int("logical_cores", p.device.logical_cores)
                                 .Str("isa", p.device.isa)
                                 .Raw("isa_features", JsonArray(features))
                                 .Int("l2_bytes", p.device.l2_bytes)
                                 .Int("l3_bytes", p.device.l3_bytes)
                                 .str();
  std::string settings;
  for (size_t i = 0; i < p.settings.size(); ++i) {
    const DeviceSetting& s = p.settings[i];
    std::string samples, graphs;
    for (size_t k = 0; k < s.samples.size(); ++k)
      absl::StrAppend(&samples, k ? ",\n      " : "", SampleJson(s.samples[k]));
    for (size_t k = 0; k < s.graphs.size(); ++k)
      absl::StrAppend(&graphs, k ? ",\n      " : "",
                      JsonObject()
                          .Str("name", s.graphs[k].name)
                          .Num("measured_ms", s.graphs[k].measured_ms)
                          .Num("steps_ms", s.graphs[k].steps_ms)
                          .str());
    absl::StrAppend(&settings, i ? ",\n" : "", "  {\"threads\": ", s.threads,
                    ", \"precision\": ", tools::JsonString(s.precision),
                    ", \"requested_precision\": ", tools::JsonString(s.requested_precision),
                    ", \"sustained\": ", s.sustained ? "true" : "false", ", \"drift_pct\": ",
                    tools::JsonNumber(s.drift_pct), ",\n    \"samples\": [\n      ", samples,
                    "],\n    \"graphs\": [\n      ", graphs, "]}");
  }
  return absl::StrCat("{\"format\": ", tools::JsonString(kProfileFormat), ", \"version\": ", p.version,
                      ", \"scalert_version\": ", tools::JsonString(p.scalert_version),
                      ", \"created\": ", tools::JsonString(p.created), ", \"grid\": ", tools::JsonString(p.grid),
                      ",\n \"device\": ", device, ",\n \"settings\": [\n", settings, "]}\n");
}

absl::StatusOr<DeviceProfile> ParseDeviceProfile(const std::string& text) {
  auto json = ParseJson(text);
  if (!json.ok()) return json.status();
  Reader root(*json, "");
  if (absl::Status s = root.Expect(JsonValue::Type::kObject); !s.ok())
    return absl::InvalidArgumentError("not a device profile: the top level is not a JSON object");
  DeviceProfile p;
  std::string format;
  PROFILE_ASSIGN(format, root.Str("format"));
  if (format != kProfileFormat)
    return absl::InvalidArgumentError(
        absl::StrCat("format: '", format, "' is not a device profile (expected '", kProfileFormat, "')"));
  PROFILE_ASSIGN(p.version, root.Int("version", 0, 1000000));
  if (p.version != kProfileVersion)
    return absl::InvalidArgumentError(absl::StrCat("version: profile version ", p.version,
                                                   " is not supported (this build reads version ", kProfileVersion,
                                                   "); make a new profile with scalert profile-device"));
  PROFILE_ASSIGN(p.scalert_version, root.Str("scalert_version", false, 64));
  PROFILE_ASSIGN(p.created, root.Str("created", false, 64));
  PROFILE_ASSIGN(p.grid, root.Str("grid", false, 32));
  auto dev = root.Field("device", JsonValue::Type::kObject);
  if (!dev.ok()) return dev.status();
  PROFILE_ASSIGN(p.device.cpu, dev->Str("cpu", true, 256));
  PROFILE_ASSIGN(p.device.arch, dev->Str("arch", true, 64));
  PROFILE_ASSIGN(p.device.logical_cores, dev->Int("logical_cores", 0, 65536));
  PROFILE_ASSIGN(p.device.isa, dev->Str("isa", true, 32));
  PROFILE_ASSIGN(p.device.l2_bytes, dev->Int("l2_bytes", 0, int64_t{1} << 40, false));
  PROFILE_ASSIGN(p.device.l3_bytes, dev->Int("l3_bytes", 0, int64_t{1} << 40, false));
  auto features = dev->Field("isa_features", JsonValue::Type::kArray, false);
  if (!features.ok()) return features.status();
  for (size_t i = 0; i < features->value().array.size() && i < 256; ++i) {
    const JsonValue& f = features->value().array[i];
    if (f.type != JsonValue::Type::kString)
      return absl::InvalidArgumentError(absl::StrCat(features->path(), "[", i, "]: expected a string"));
    p.device.isa_features.push_back(f.string);
  }
  auto settings = root.Field("settings", JsonValue::Type::kArray);
  if (!settings.ok()) return settings.status();
  if (settings->value().array.empty()) return absl::InvalidArgumentError("settings: the profile has no settings");
  std::set<std::pair<int32_t, std::string>> seen;
  for (size_t i = 0; i < settings->value().array.size(); ++i) {
    Reader item(settings->value().array[i], absl::StrCat("settings[", i, "]"));
    auto s = ReadSetting(item);
    if (!s.ok()) return s.status();
    if (!seen.insert({s->threads, s->requested_precision}).second)
      return absl::InvalidArgumentError(absl::StrCat(item.path(), ": a second setting for ", s->threads,
                                                     " thread(s) at ", s->requested_precision));
    p.settings.push_back(std::move(*s));
  }
  return p;
}

absl::StatusOr<DeviceProfile> LoadDeviceProfile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open the device profile"));
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size < 0 || size > kMaxProfileBytes)
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a device profile (size ", static_cast<int64_t>(size),
                                                   " bytes, limit ", kMaxProfileBytes, ")"));
  f.seekg(0);
  std::stringstream ss;
  ss << f.rdbuf();
  auto p = ParseDeviceProfile(ss.str());
  if (!p.ok()) return absl::Status(p.status().code(), absl::StrCat(path, ": ", p.status().message()));
  return p;
}

absl::StatusOr<const DeviceSetting*> FindSetting(const DeviceProfile& p, int32_t threads,
                                                 const std::string& precision) {
  std::vector<std::string> have;
  for (const DeviceSetting& s : p.settings) {
    if (s.threads == threads && (s.requested_precision == precision || s.precision == precision)) return &s;
    have.push_back(absl::StrCat(s.threads, " thread(s) ", s.requested_precision));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the device profile has no setting for ", threads, " thread(s) at ", precision, " (it has: ",
      absl::StrJoin(have, ", "), "); latency at one thread count or precision does not predict another: run "
      "scalert profile-device --threads ", threads, " --precision ", precision, " on the device"));
}

}  // namespace scalert::latency
