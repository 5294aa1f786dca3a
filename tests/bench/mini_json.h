// A tiny JSON reader for the bench tests: enough to check the shape of what bench writes
// (objects keep their key order so a test can compare it).
#ifndef SCALERT_TESTS_BENCH_MINI_JSON_H_
#define SCALERT_TESTS_BENCH_MINI_JSON_H_

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace scalert::testing {

struct JsonValue {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  const JsonValue* get(const std::string& key) const {
    for (const auto& [k, v] : object)
      if (k == key) return &v;
    return nullptr;
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> r;
    for (const auto& kv : object) r.push_back(kv.first);
    return r;
  }
};

// Returns false (and leaves `out` partial) on malformed input or trailing garbage.
class JsonReader {
 public:
  static bool Parse(const std::string& text, JsonValue* out) {
    JsonReader r(text);
    if (!r.Value(out)) return false;
    r.Space();
    return r.pos_ == text.size();
  }

 private:
  explicit JsonReader(const std::string& t) : t_(t) {}
  void Space() {
    while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Space();
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Literal(const char* word) {
    std::string w(word);
    if (t_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  bool String(std::string* s) {
    if (!Eat('"')) return false;
    while (pos_ < t_.size() && t_[pos_] != '"') {
      char c = t_[pos_++];
      if (c == '\\') {
        if (pos_ >= t_.size()) return false;
        char e = t_[pos_++];
        if (e == 'n') c = '\n';
        else if (e == 't') c = '\t';
        else if (e == 'u') {
          if (pos_ + 4 > t_.size()) return false;
          c = static_cast<char>(std::strtol(t_.substr(pos_, 4).c_str(), nullptr, 16));
          pos_ += 4;
        } else c = e;
      }
      *s += c;
    }
    return pos_++ < t_.size();
  }
  bool Value(JsonValue* v) {
    Space();
    if (pos_ >= t_.size()) return false;
    const char c = t_[pos_];
    if (c == '{') {
      ++pos_;
      v->type = JsonValue::kObject;
      if (Eat('}')) return true;
      do {
        std::string key;
        JsonValue item;
        if (!String(&key) || !Eat(':') || !Value(&item)) return false;
        v->object.emplace_back(key, std::move(item));
      } while (Eat(','));
      return Eat('}');
    }
    if (c == '[') {
      ++pos_;
      v->type = JsonValue::kArray;
      if (Eat(']')) return true;
      do {
        JsonValue item;
        if (!Value(&item)) return false;
        v->array.push_back(std::move(item));
      } while (Eat(','));
      return Eat(']');
    }
    if (c == '"') {
      v->type = JsonValue::kString;
      return String(&v->string);
    }
    if (Literal("null")) return true;
    if (Literal("true") || Literal("false")) {
      v->type = JsonValue::kBool;
      v->boolean = t_[pos_ - 1] == 'e' && t_[pos_ - 2] == 'u';
      return true;
    }
    char* end = nullptr;
    v->number = std::strtod(t_.c_str() + pos_, &end);
    if (end == t_.c_str() + pos_) return false;
    v->type = JsonValue::kNumber;
    pos_ = static_cast<size_t>(end - t_.c_str());
    return true;
  }

  const std::string& t_;
  size_t pos_ = 0;
};

}  // namespace scalert::testing

#endif  // SCALERT_TESTS_BENCH_MINI_JSON_H_
