// A small JSON reader for the CLI's input files (arch-def tables): the whole value tree, each
// value with the line it starts on, so that errors can name the line. Strict RFC 8259 syntax;
// nesting deeper than 64 levels and duplicate object keys are errors.
#ifndef SCALERT_TOOLS_JSON_READER_H_
#define SCALERT_TOOLS_JSON_READER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::tools {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  int line = 0;  // 1-based line where the value starts
  bool boolean = false;
  double number = 0;
  std::string text;      // kString: the decoded string; kNumber: its literal text
  std::vector<JsonValue> items;                            // kArray
  std::vector<std::pair<std::string, JsonValue>> members;  // kObject, in file order

  // Member `key` of an object, or null.
  const JsonValue* Find(const std::string& key) const;
};

const char* JsonTypeName(JsonValue::Type t);

// Parses one JSON document; errors say "line N: what was expected".
absl::StatusOr<JsonValue> ParseJson(const std::string& text);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_JSON_READER_H_
