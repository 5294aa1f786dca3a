#include "tools/scale/block_string.h"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/json_reader.h"

namespace scalert::scale {
namespace {

constexpr int32_t kMaxFileBytes = 1 << 20;
constexpr int32_t kMaxStages = 32;
constexpr int32_t kMaxResolution = 4096;

struct ActCode {
  const char* code;  // after timm's "n": nre, nr6, nsw, nhs
  const char* name;  // in header lines
  Activation act;
};
constexpr ActCode kActs[] = {{"re", "relu", Activation::kRelu},
                             {"r6", "relu6", Activation::kRelu6},
                             {"sw", "swish", Activation::kSwish},
                             {"hs", "hard_swish", Activation::kHardSwish}};

struct TypeCode {
  const char* code;
  BlockType type;
};
constexpr TypeCode kTypes[] = {{"ds", BlockType::kInvertedResidual},
                               {"dsa", BlockType::kSeparable},
                               {"ir", BlockType::kInvertedResidual},
                               {"er", BlockType::kEdgeResidual},
                               {"cn", BlockType::kConvBnAct}};

// timm options this builder does not have, with what they mean, so the error can say so.
const std::map<std::string, std::string>& UnsupportedOptions() {
  static const auto* kOptions = new std::map<std::string, std::string>{
      {"a", "expansion kernel size"}, {"p", "pointwise kernel size"}, {"d", "space-to-depth"},
      {"cc", "CondConv experts"},     {"gs", "group size"},           {"fc", "forced input channels"},
      {"ir", "input rank ratio"},     {"or", "output rank ratio"},    {"h", "attention heads"},
      {"v", "key/value stride"}};
  return *kOptions;
}

absl::StatusOr<Activation> ActivationByName(const std::string& name) {
  for (const ActCode& a : kActs)
    if (name == a.name) return a.act;
  if (name == "silu") return Activation::kSwish;
  return absl::InvalidArgumentError(absl::StrCat("unknown activation '", name, "' (relu, relu6, swish, hard_swish)"));
}

const char* ActivationCode(Activation act) {
  for (const ActCode& a : kActs)
    if (a.act == act) return a.code;
  return "?";
}

absl::StatusOr<int64_t> IntValue(const std::string& what, const std::string& text, int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) return absl::InvalidArgumentError(absl::StrCat(what, ": '", text, "' is not an integer"));
  if (v < lo || v > hi)
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", v, " is outside [", lo, ", ", hi, "]"));
  return v;
}

absl::StatusOr<double> RatioValue(const std::string& what, const std::string& text, double lo, double hi) {
  double v = 0;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v))
    return absl::InvalidArgumentError(absl::StrCat(what, ": '", text, "' is not a number"));
  if (!(v > lo && v <= hi)) return absl::InvalidArgumentError(absl::StrCat(what, ": ", text, " is outside (", lo, ", ", hi, "]"));
  return v;
}

// A table being read: header values and blocks, each with the line it came from.
struct Draft {
  std::string source;
  std::map<std::string, int> header_lines;  // header key -> line it was set on
  std::string name;
  int32_t stem = 32, head = 1280, classes = 1000, resolution = 224, hidden = 0;
  bool head_fixed = false, head_multiple = false;
  Activation act = Activation::kSwish;
  SeRule se = SeRule::kFromBlockInput;
  Activation se_act = Activation::kNone;  // kNone: the default act
  Activation se_gate = Activation::kSigmoid;
  struct Block {
    std::string text;
    int line;
    int32_t stage;
  };
  std::vector<Block> blocks;
  int32_t stages = 0;
};

// Letters, digits, '-', '_' and '.', not leading: safe in a file name (sweeps write <name>_phiP.srm).
std::string SafeName(std::string name) {
  for (char& c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  if (name.empty() || name[0] == '.') name.insert(name.begin(), '_');
  return name;
}

absl::Status At(const Draft& d, int line, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(d.source, ":", line, ": ", s.message()));
}

bool IsHeaderKey(const std::string& key) {
  for (const char* k : {"name", "stem", "head", "act", "classes", "resolution", "hidden", "se_base", "se_act", "se_gate"})
    if (key == k) return true;
  return false;
}

// One header line: `key` and the rest of the line.
absl::Status ApplyHeader(const std::string& key, const std::string& value, int line, Draft* d) {
  if (!IsHeaderKey(key))
    return absl::InvalidArgumentError(absl::StrCat("unknown header '", key, "' (name, stem, head, act, classes, ",
                                                   "resolution, hidden, se_base, se_act, se_gate)"));
  if (!d->header_lines.emplace(key, line).second)
    return absl::InvalidArgumentError(absl::StrCat("'", key, "' is set twice (first on line ", d->header_lines[key], ")"));
  std::vector<std::string> words = absl::StrSplit(value, ' ', absl::SkipWhitespace());
  if (words.empty()) return absl::InvalidArgumentError(absl::StrCat("'", key, "' needs a value"));
  const size_t allowed_words = key == "head" ? 2 : 1;
  if (words.size() > allowed_words)
    return absl::InvalidArgumentError(absl::StrCat("'", key, "' takes ", allowed_words == 2 ? "a number and 'fixed'" : "one value",
                                                   ", found '", value, "'"));
  const std::string& v = words[0];
  if (key == "name") {
    if (SafeName(v) != v || v.size() > 64)
      return absl::InvalidArgumentError(absl::StrCat("name: '", v, "' must be up to 64 letters, digits, '-', '_' "
                                                     "or '.' (it names sweep files)"));
    d->name = v;
    return absl::OkStatus();
  }
  if (key == "act" || key == "se_act") {
    auto a = ActivationByName(v);
    if (!a.ok()) return absl::InvalidArgumentError(absl::StrCat(key, ": ", a.status().message()));
    (key == "act" ? d->act : d->se_act) = *a;
    return absl::OkStatus();
  }
  if (key == "se_gate") {
    if (v != "sigmoid" && v != "hard_sigmoid")
      return absl::InvalidArgumentError(absl::StrCat("se_gate: '", v, "' is not sigmoid or hard_sigmoid"));
    d->se_gate = v == "sigmoid" ? Activation::kSigmoid : Activation::kHardSigmoid;
    return absl::OkStatus();
  }
  if (key == "se_base") {
    if (v != "input" && v != "expanded")
      return absl::InvalidArgumentError(absl::StrCat("se_base: '", v, "' is not input or expanded"));
    d->se = v == "input" ? SeRule::kFromBlockInput : SeRule::kFromExpandedRounded;
    return absl::OkStatus();
  }
  if (key == "stem") {
    auto s = IntValue("stem channels", v, 1, kMaxArchChannels);
    if (!s.ok()) return s.status();
    d->stem = static_cast<int32_t>(*s);
  } else if (key == "head") {
    d->head_multiple = absl::EndsWith(v, "x");  // "4x": four times the last stage's width
    auto s = d->head_multiple ? IntValue("head multiple", v.substr(0, v.size() - 1), 1, 64)
                              : IntValue("head channels", v, 0, kMaxArchChannels);
    if (!s.ok()) return s.status();
    d->head = static_cast<int32_t>(*s);
    if (d->head_multiple && words.size() == 2)
      return absl::InvalidArgumentError("head: a multiple of the last stage ('4x') cannot be 'fixed'");
    if (words.size() == 2 && words[1] != "fixed")
      return absl::InvalidArgumentError(absl::StrCat("head: '", words[1], "' is not 'fixed'"));
    d->head_fixed = words.size() == 2;
  } else if (key == "classes") {
    auto s = IntValue("classes", v, 1, 1000000);
    if (!s.ok()) return s.status();
    d->classes = static_cast<int32_t>(*s);
  } else if (key == "resolution") {
    auto s = IntValue("resolution", v, 8, kMaxResolution);
    if (!s.ok()) return s.status();
    d->resolution = static_cast<int32_t>(*s);
  } else if (key == "hidden") {
    auto s = IntValue("hidden channels", v, 0, kMaxArchChannels);
    if (!s.ok()) return s.status();
    d->hidden = static_cast<int32_t>(*s);
  }
  return absl::OkStatus();
}

absl::StatusOr<Architecture> Finish(Draft& d) {
  if (d.blocks.empty()) return absl::InvalidArgumentError(absl::StrCat(d.source, ": the table has no blocks"));
  if (d.stages > kMaxStages)
    return absl::InvalidArgumentError(absl::StrCat(d.source, ": ", d.stages, " stages, more than the limit of ", kMaxStages));
  Architecture a{};
  a.family = Family::kCustom;
  a.base_config = d.name;
  a.naming = NamingStyle::kEfficientNet;
  a.stem_channels = d.stem;
  a.stem_act = d.act;
  for (const Draft::Block& b : d.blocks) {
    auto row = ParseBlockString(b.text, d.act);
    if (!row.ok()) return At(d, b.line, row.status());
    row->stage = b.stage;
    a.rows.push_back(*row);
  }
  a.head = d.head == 0        ? HeadRule::kNone
           : d.head_multiple ? HeadRule::kMultipleOfLast
           : d.head_fixed    ? HeadRule::kFixed
                             : HeadRule::kScaled;
  a.head_channels = d.head;
  a.head_act = d.act;
  a.classifier_hidden = d.hidden;
  a.classifier_hidden_act = d.act;
  a.se = d.se;
  a.se_act = d.se_act == Activation::kNone ? d.act : d.se_act;
  a.se_gate = d.se_gate;
  a.default_resolution = d.resolution;
  a.default_classes = d.classes;
  // Every feature map keeps at least one pixel: the input is at least the total stride.
  int64_t stride = 2;
  for (const BlockRow& r : a.rows) stride *= r.stride;
  if (stride > kMaxResolution)
    return absl::InvalidArgumentError(absl::StrCat(d.source, ": the strides multiply to ", stride,
                                                   ", more than the largest input side of ", kMaxResolution));
  a.min_resolution = static_cast<int32_t>(stride);
  if (a.default_resolution < a.min_resolution) {
    auto line = d.header_lines.find("resolution");
    return At(d, line == d.header_lines.end() ? 0 : line->second,
              absl::InvalidArgumentError(absl::StrCat("resolution ", a.default_resolution, " is below the total stride ",
                                                      stride, " of the blocks")));
  }
  return a;
}

// Tokens of a stage line: blocks separated by spaces or commas.
std::vector<std::string> StageTokens(const std::string& line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t,"), absl::SkipWhitespace());
}

}  // namespace

absl::StatusOr<BlockRow> ParseBlockString(const std::string& block, Activation default_act) {
  auto fail = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("block '", block, "': ", what));
  };
  std::vector<std::string> ops = absl::StrSplit(block, '_');
  const TypeCode* type = nullptr;
  for (const TypeCode& t : kTypes)
    if (ops[0] == t.code) type = &t;
  if (type == nullptr) return fail(absl::StrCat("unknown block type '", ops[0], "' (ds, dsa, ir, er, cn)"));
  BlockRow r{};
  r.type = type->type;
  r.act = default_act;
  r.residual = r.type != BlockType::kConvBnAct;  // cn: only with "skip"
  std::map<std::string, std::string> options;
  bool skip = false, noskip = false, act_given = false;
  for (size_t i = 1; i < ops.size(); ++i) {
    const std::string& op = ops[i];
    if (op.empty()) return fail("empty option (two '_' in a row)");
    if (op == "noskip" || op == "skip") {
      (op == "skip" ? skip : noskip) = true;
      continue;
    }
    if (op[0] == 'n') {
      if (act_given) return fail("more than one activation option");
      act_given = true;
      const ActCode* found = nullptr;
      for (const ActCode& a : kActs)
        if (op.substr(1) == a.code) found = &a;
      if (found == nullptr) return fail(absl::StrCat("unknown activation '", op, "' (nre, nr6, nsw, nhs)"));
      r.act = found->act;
      continue;
    }
    size_t k = 0;
    while (k < op.size() && std::isalpha(static_cast<unsigned char>(op[k]))) ++k;
    const std::string key = op.substr(0, k), value = op.substr(k);
    if (key.empty()) return fail(absl::StrCat("option '", op, "' has no name"));
    if (auto u = UnsupportedOptions().find(key); u != UnsupportedOptions().end())
      return fail(absl::StrCat("option '", key, "' (", u->second, ") is not supported"));
    if (key != "r" && key != "k" && key != "s" && key != "e" && key != "c" && key != "se")
      return fail(absl::StrCat("unknown option '", op, "'"));
    if (value.empty()) return fail(absl::StrCat("option '", key, "' has no value"));
    if (!options.emplace(key, value).second) return fail(absl::StrCat("option '", key, "' is given twice"));
  }
  for (const char* required : {"r", "k", "s", "c"}) {
    if (options.count(required)) continue;
    const char* what = *required == 'r' ? "repeat count" : *required == 'k' ? "kernel size" : *required == 's' ? "stride" : "output channels";
    return fail(absl::StrCat("missing ", what, " '", required, "<n>'"));
  }
  auto field = [&](const char* key, const char* what, int64_t lo, int64_t hi) -> absl::StatusOr<int32_t> {
    auto v = IntValue(absl::StrCat(key, " (", what, ")"), options[key], lo, hi);
    if (!v.ok()) return fail(std::string(v.status().message()));
    return static_cast<int32_t>(*v);
  };
  auto repeats = field("r", "repeat count", 1, kMaxArchRepeats);
  auto kernel = field("k", "kernel size", 1, 15);
  auto stride = field("s", "stride", 1, 2);
  auto channels = field("c", "output channels", 1, kMaxArchChannels);
  for (const auto* v : {&repeats, &kernel, &stride, &channels})
    if (!v->ok()) return v->status();
  r.repeats = *repeats;
  r.kernel = *kernel;
  r.stride = *stride;
  r.out_channels = *channels;
  if (r.kernel % 2 == 0) return fail(absl::StrCat("k (kernel size): ", r.kernel, " is even; kernels are odd (1, 3, 5, ...)"));
  const bool expands = r.type == BlockType::kInvertedResidual && ops[0] == "ir";
  if (expands || r.type == BlockType::kEdgeResidual) {
    if (!options.count("e")) return fail("missing expansion ratio 'e<ratio>'");
    auto e = RatioValue("e (expansion ratio)", options["e"], 0, 64);
    if (!e.ok()) return fail(std::string(e.status().message()));
    r.expand_ratio = *e;
    r.always_expand = expands;  // timm's ir keeps its expand conv even at e1
  } else {
    if (options.count("e")) {
      auto e = RatioValue("e (expansion ratio)", options["e"], 0, 64);
      if (!e.ok()) return fail(std::string(e.status().message()));
      if (*e != 1) return fail(absl::StrCat("e (expansion ratio): ", ops[0], " blocks do not expand (e must be 1)"));
    }
    r.expand_ratio = 1;
  }
  if (options.count("se")) {
    if (r.type == BlockType::kConvBnAct) return fail("cn blocks have no squeeze-and-excitation");
    auto se = RatioValue("se (squeeze-and-excitation ratio)", options["se"], 0, 1);
    if (!se.ok()) return fail(std::string(se.status().message()));
    r.se_ratio = *se;
  }
  if (skip && r.type != BlockType::kConvBnAct) return fail("'skip' applies to cn blocks only (the others have one)");
  if (noskip && (r.type == BlockType::kConvBnAct || r.type == BlockType::kSeparable))
    return fail(absl::StrCat("'noskip': ", ops[0], " blocks have no residual"));
  if (skip) r.residual = true;
  if (noskip) r.residual = false;
  return r;
}

std::string FormatBlockString(const BlockRow& r) {
  const char* type = r.type == BlockType::kSeparable      ? "dsa"
                     : r.type == BlockType::kEdgeResidual ? "er"
                     : r.type == BlockType::kConvBnAct    ? "cn"
                     : r.always_expand || r.expand_ratio != 1 ? "ir"
                                                              : "ds";
  std::string s = absl::StrCat(type, "_r", r.repeats, "_k", r.kernel, "_s", r.stride);
  if (std::string(type) == "ir" || std::string(type) == "er") absl::StrAppend(&s, "_e", absl::StrFormat("%g", r.expand_ratio));
  absl::StrAppend(&s, "_c", r.out_channels);
  if (r.se_ratio > 0) absl::StrAppend(&s, "_se", absl::StrFormat("%g", r.se_ratio));
  if (r.type == BlockType::kConvBnAct && r.residual) absl::StrAppend(&s, "_skip");
  if (r.type != BlockType::kConvBnAct && r.type != BlockType::kSeparable && !r.residual) absl::StrAppend(&s, "_noskip");
  return absl::StrCat(s, "_n", ActivationCode(r.act));
}

absl::StatusOr<Architecture> ParseArchDefText(const std::string& text, const std::string& source) {
  Draft d;
  d.source = source;
  d.name = SafeName(std::filesystem::path(source).stem().string());
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_no;
    std::string line(raw.substr(0, raw.find('#')));
    absl::StripAsciiWhitespace(&line);
    if (line.empty()) continue;
    const size_t space = line.find_first_of(" \t");
    const std::string first = line.substr(0, space);
    if (IsHeaderKey(first)) {
      const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
      if (absl::Status s = ApplyHeader(first, rest, line_no, &d); !s.ok()) return At(d, line_no, s);
      continue;
    }
    for (const std::string& b : StageTokens(line)) d.blocks.push_back({b, line_no, d.stages});
    ++d.stages;
  }
  return Finish(d);
}

absl::StatusOr<Architecture> ParseArchDefJson(const std::string& text, const std::string& source) {
  Draft d;
  d.source = source;
  d.name = SafeName(std::filesystem::path(source).stem().string());
  auto root = tools::ParseJson(text);
  if (!root.ok())  // "line N: ..." -> "<source>:N: ..."
    return absl::InvalidArgumentError(absl::StrCat(source, ":", absl::StripPrefix(root.status().message(), "line ")));
  using Type = tools::JsonValue::Type;
  if (root->type != Type::kObject)
    return At(d, root->line, absl::InvalidArgumentError("the table must be a JSON object"));
  bool has_stages = false;
  for (const auto& [key, v] : root->members) {
    if (key == "stages") {
      has_stages = true;
      if (v.type != Type::kArray) return At(d, v.line, absl::InvalidArgumentError("\"stages\" must be an array"));
      for (const tools::JsonValue& stage : v.items) {
        if (stage.type == Type::kString) {
          for (const std::string& b : StageTokens(stage.text)) d.blocks.push_back({b, stage.line, d.stages});
        } else if (stage.type == Type::kArray && !stage.items.empty()) {
          for (const tools::JsonValue& b : stage.items) {
            if (b.type != Type::kString)
              return At(d, b.line, absl::InvalidArgumentError(absl::StrCat("a block must be a string, found ", JsonTypeName(b.type))));
            d.blocks.push_back({b.text, b.line, d.stages});
          }
        } else {
          return At(d, stage.line, absl::InvalidArgumentError("a stage must be a block string or a non-empty array of them"));
        }
        ++d.stages;
      }
      continue;
    }
    if (v.type != Type::kNumber && v.type != Type::kString)
      return At(d, v.line, absl::InvalidArgumentError(absl::StrCat("\"", key, "\" must be a number or a string, found ",
                                                                   JsonTypeName(v.type))));
    if (absl::Status s = ApplyHeader(key, v.text, v.line, &d); !s.ok()) return At(d, v.line, s);
  }
  if (!has_stages) return At(d, root->line, absl::InvalidArgumentError("the table has no \"stages\""));
  return Finish(d);
}

absl::StatusOr<std::shared_ptr<const Architecture>> LoadArchDef(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read architecture file '", path, "'"));
  std::string text;
  text.resize(kMaxFileBytes + 1);
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(f.gcount()));
  if (text.size() > static_cast<size_t>(kMaxFileBytes))
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than ", kMaxFileBytes, " bytes; not an architecture table"));
  const size_t first = text.find_first_not_of(" \t\r\n");
  auto a = first != std::string::npos && text[first] == '{' ? ParseArchDefJson(text, path) : ParseArchDefText(text, path);
  if (!a.ok()) return a.status();
  return std::make_shared<const Architecture>(*std::move(a));
}

}  // namespace scalert::scale
