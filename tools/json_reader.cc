#include "tools/json_reader.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace scalert::tools {
namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(const std::string& text) : s_(text) {}

  absl::StatusOr<JsonValue> Document() {
    JsonValue v;
    if (absl::Status st = Value(&v, 0); !st.ok()) return st;
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the JSON value");
    return v;
  }

 private:
  absl::Status Error(const std::string& what) const { return absl::InvalidArgumentError(absl::StrCat("line ", line_, ": ", what)); }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      if (s_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }

  bool Consume(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }

  absl::Status Value(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return Error("nesting deeper than 64 levels");
    SkipSpace();
    v->line = line_;
    if (pos_ >= s_.size()) return Error("unexpected end of input, expected a value");
    const char c = s_[pos_];
    if (c == '{') return Object(v, depth);
    if (c == '[') return Array(v, depth);
    if (c == '"') {
      v->type = JsonValue::Type::kString;
      return String(&v->text);
    }
    if (Consume("true")) { v->type = JsonValue::Type::kBool; v->boolean = true; return absl::OkStatus(); }
    if (Consume("false")) { v->type = JsonValue::Type::kBool; return absl::OkStatus(); }
    if (Consume("null")) return absl::OkStatus();
    if (c == '-' || (c >= '0' && c <= '9')) return Number(v);
    return Error(absl::StrCat("unexpected character '", std::string(1, c), "', expected a value"));
  }

  absl::Status Number(JsonValue* v) {
    const size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > d;
    };
    if (!digits()) return Error("a number needs digits");
    if (pos_ < s_.size() && s_[pos_] == '.' && (++pos_, !digits())) return Error("a number needs digits after '.'");
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return Error("a number needs digits in its exponent");
    }
    v->type = JsonValue::Type::kNumber;
    v->text = s_.substr(start, pos_ - start);
    v->number = std::strtod(v->text.c_str(), nullptr);
    return absl::OkStatus();
  }

  absl::Status String(std::string* out) {
    ++pos_;  // opening quote
    while (pos_ < s_.size() && s_[pos_] != '"') {
      const char c = s_[pos_++];
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character inside a string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': out->push_back(e); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
          char* end = nullptr;
          const std::string hex = s_.substr(pos_, 4);
          const long code = std::strtol(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 4) return Error("bad \\u escape");
          pos_ += 4;
          if (code < 0x80) {
            out->push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (code >> 6)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {  // surrogate pairs are kept as two code points: names here are ASCII
            out->push_back(static_cast<char>(0xE0 | (code >> 12)));
            out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default: return Error(absl::StrCat("unknown escape '\\", std::string(1, e), "'"));
      }
    }
    if (pos_ >= s_.size()) return Error("unterminated string");
    ++pos_;  // closing quote
    return absl::OkStatus();
  }

  absl::Status Array(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kArray;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, absl::OkStatus();
    while (true) {
      v->items.emplace_back();
      if (absl::Status st = Value(&v->items.back(), depth + 1); !st.ok()) return st;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, absl::OkStatus();
      return Error("expected ',' or ']' in an array");
    }
  }

  absl::Status Object(JsonValue* v, int depth) {
    v->type = JsonValue::Type::kObject;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, absl::OkStatus();
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a quoted key in an object");
      std::string key;
      if (absl::Status st = String(&key); !st.ok()) return st;
      if (v->Find(key) != nullptr) return Error(absl::StrCat("key \"", key, "\" appears twice"));
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Error(absl::StrCat("expected ':' after key \"", key, "\""));
      ++pos_;
      v->members.emplace_back(key, JsonValue());
      if (absl::Status st = Value(&v->members.back().second, depth + 1); !st.ok()) return st;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, absl::OkStatus();
      return Error("expected ',' or '}' in an object");
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

const JsonValue* JsonValue::Find(const std::string& key) const {
  for (const auto& [k, v] : members)
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

absl::StatusOr<JsonValue> ParseJson(const std::string& text) { return Reader(text).Document(); }

}  // namespace scalert::tools
