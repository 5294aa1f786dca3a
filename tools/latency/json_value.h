// A strict JSON reader for device profiles: files that travel between machines are untrusted,
// so the parser bounds nesting, rejects trailing bytes and duplicate keys, and reports the line
// and column of the first problem.
#ifndef SCALERT_TOOLS_LATENCY_JSON_VALUE_H_
#define SCALERT_TOOLS_LATENCY_JSON_VALUE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::latency {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in file order

  // The member `key` of an object, or null.
  const JsonValue* Find(const std::string& key) const;
};

const char* JsonTypeName(JsonValue::Type t);

// Parses one JSON document (RFC 8259; numbers must be finite). At most `max_depth` nested
// arrays/objects.
absl::StatusOr<JsonValue> ParseJson(const std::string& text, int max_depth = 32);

}  // namespace scalert::latency

#endif  // SCALERT_TOOLS_LATENCY_JSON_VALUE_H_
