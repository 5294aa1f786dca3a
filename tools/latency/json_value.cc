#include "tools/latency/json_value.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "absl/strings/str_cat.h"

namespace scalert::latency {

const JsonValue* JsonValue::Find(const std::string& key) const {
  for (const auto& [k, v] : object)
    if (k == key) return &v;
  return nullptr;
}

const char* JsonTypeName(JsonValue::Type t) {
  switch (t) {
    case JsonValue::Type::kNull: return "null";
    case JsonValue::Type::kBool: return "a boolean";
    case JsonValue::Type::kNumber: return "a number";
    case JsonValue::Type::kString: return "a string";
    case JsonValue::Type::kArray: return "an array";
    case JsonValue::Type::kObject: return "an object";
  }
  return "?";
}

namespace {

class Parser {
 public:
  Parser(const std::string& text, int max_depth) : s_(text), max_depth_(max_depth) {}

  absl::StatusOr<JsonValue> Document() {
    JsonValue v;
    if (absl::Status st = Value(&v, 0); !st.ok()) return st;
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the JSON value");
    return v;
  }

 private:
  absl::Status Error(const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') ++line, col = 1;
      else ++col;
    }
    return absl::InvalidArgumentError(absl::StrCat("JSON line ", line, " column ", col, ": ", what));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool Literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) != 0) return false;
    pos_ += n;
    return true;
  }

  absl::Status Value(JsonValue* v, int depth) {
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end of input");
    const char c = s_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= max_depth_) return Error(absl::StrCat("nested deeper than ", max_depth_, " levels"));
      return c == '{' ? Object(v, depth + 1) : Array(v, depth + 1);
    }
    if (c == '"') {
      v->type = JsonValue::Type::kString;
      return String(&v->string);
    }
    if (Literal("true")) { v->type = JsonValue::Type::kBool; v->boolean = true; return absl::OkStatus(); }
    if (Literal("false")) { v->type = JsonValue::Type::kBool; return absl::OkStatus(); }
    if (Literal("null")) { v->type = JsonValue::Type::kNull; return absl::OkStatus(); }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(v);
    return Error(absl::StrCat("unexpected character '", std::string(1, c), "'"));
  }

  absl::Status Number(JsonValue* v) {
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    if (pos_ < s_.size() && s_[pos_] == '0') ++pos_;
    else if (digits() == 0) return Error("a number needs digits");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return Error("a number needs digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return Error("a number needs digits in its exponent");
    }
    const std::string text = s_.substr(start, pos_ - start);
    errno = 0;
    v->number = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(v->number)) {
      pos_ = start;
      return Error(absl::StrCat("number ", text, " is out of range"));
    }
    v->type = JsonValue::Type::kNumber;
    return absl::OkStatus();
  }

  absl::Status String(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= s_.size()) return Error("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return absl::OkStatus();
      if (c < 0x20) return Error("control character inside a string");
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        continue;
      }
      if (pos_ >= s_.size()) return Error("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return Error("short \\u escape");
          unsigned code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = s_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
            else return Error("bad hex digit in a \\u escape");
          }
          // Profiles are ASCII; other code points are kept as UTF-8 (surrogates rejected).
          if (code >= 0xD800 && code <= 0xDFFF) return Error("surrogate \\u escapes are not supported");
          if (code < 0x80) {
            out->push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (code >> 6)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xE0 | (code >> 12)));
            out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default: return Error(absl::StrCat("unknown escape '\\", std::string(1, e), "'"));
      }
    }
  }

  absl::Status Array(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kArray;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, absl::OkStatus();
    while (true) {
      v->array.emplace_back();
      if (absl::Status st = Value(&v->array.back(), depth); !st.ok()) return st;
      SkipSpace();
      if (pos_ >= s_.size()) return Error("unterminated array");
      if (s_[pos_] == ']') return ++pos_, absl::OkStatus();
      if (s_[pos_] != ',') return Error("expected ',' or ']' in an array");
      ++pos_;
    }
  }

  absl::Status Object(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kObject;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, absl::OkStatus();
    std::unordered_set<std::string> seen;
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a quoted key in an object");
      std::string key;
      if (absl::Status st = String(&key); !st.ok()) return st;
      if (!seen.insert(key).second) return Error(absl::StrCat("duplicate key \"", key, "\""));
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Error("expected ':' after a key");
      ++pos_;
      v->object.emplace_back(key, JsonValue{});
      if (absl::Status st = Value(&v->object.back().second, depth); !st.ok()) return st;
      SkipSpace();
      if (pos_ >= s_.size()) return Error("unterminated object");
      if (s_[pos_] == '}') return ++pos_, absl::OkStatus();
      if (s_[pos_] != ',') return Error("expected ',' or '}' in an object");
      ++pos_;
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
  int max_depth_;
};

}  // namespace

absl::StatusOr<JsonValue> ParseJson(const std::string& text, int max_depth) { return Parser(text, max_depth).Document(); }

}  // namespace scalert::latency
