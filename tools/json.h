// Minimal JSON emitting for the CLI's --json output (objects built as ordered key/value text).
#ifndef SCALERT_TOOLS_JSON_H_
#define SCALERT_TOOLS_JSON_H_

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace scalert::tools {

inline std::string JsonString(const std::string& s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') { r += '\\'; r += static_cast<char>(c); }
    else if (c == '\n') r += "\\n";
    else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); r += b; }
    else r += static_cast<char>(c);
  }
  return r + "\"";
}

inline std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}
inline std::string JsonNumber(int64_t v) { return std::to_string(v); }
inline std::string JsonNumber(int32_t v) { return std::to_string(v); }

// Builds {"k": v, ...}; values are already-encoded JSON text.
class JsonObject {
 public:
  JsonObject& Raw(const std::string& key, const std::string& json) {
    fields_.push_back(JsonString(key) + ": " + json);
    return *this;
  }
  JsonObject& Str(const std::string& key, const std::string& v) { return Raw(key, JsonString(v)); }
  JsonObject& Num(const std::string& key, double v) { return Raw(key, JsonNumber(v)); }
  JsonObject& Int(const std::string& key, int64_t v) { return Raw(key, JsonNumber(v)); }
  std::string str() const {
    std::string r = "{";
    for (size_t i = 0; i < fields_.size(); ++i) r += (i ? ", " : "") + fields_[i];
    return r + "}";
  }

 private:
  std::vector<std::string> fields_;
};

inline std::string JsonArray(const std::vector<std::string>& items) {
  std::string r = "[";
  for (size_t i = 0; i < items.size(); ++i) r += (i ? ", " : "") + items[i];
  return r + "]";
}

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_JSON_H_
