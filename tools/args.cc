#include "tools/args.h"

#include <cerrno>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace scalert::tools {

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs) {
  Args a;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "-") {
      a.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs)
      if (s.name == name) spec = &s;
    if (name == "h") name = "help";
    if (!spec && name != "help") return absl::InvalidArgumentError(absl::StrCat("unknown flag '", arg, "'"));
    if (spec && spec->takes_value && !has_value) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      value = args[++i];
    } else if ((!spec || !spec->takes_value) && has_value) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " takes no value"));
    }
    a.values_[name] = value;
    a.all_values_[name].push_back(value);
  }
  return a;
}

std::string Args::get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() ? def : it->second;
}

std::vector<std::string> Args::get_all(const std::string& name) const {
  auto it = all_values_.find(name);
  return it == all_values_.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<int64_t> Args::get_int(const std::string& name, int64_t def) const {
  if (!has(name)) return def;
  const std::string& v = values_.at(name);
  char* end = nullptr;
  errno = 0;
  long long r = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0)
    return absl::InvalidArgumentError(absl::StrCat("--", name, " expects an integer, got '", v, "'"));
  return static_cast<int64_t>(r);
}

absl::StatusOr<double> Args::get_double(const std::string& name, double def) const {
  if (!has(name)) return def;
  const std::string& v = values_.at(name);
  char* end = nullptr;
  errno = 0;
  double r = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno != 0)
    return absl::InvalidArgumentError(absl::StrCat("--", name, " expects a number, got '", v, "'"));
  return r;
}

std::string Usage(const std::string& command, const std::string& synopsis, const std::string& description,
                  const std::vector<FlagSpec>& specs) {
  std::string s = absl::StrCat("usage: scalert ", command, " ", synopsis, "\n\n", description, "\n\nflags:\n");
  for (const FlagSpec& f : specs) {
    std::string left = absl::StrCat(f.name.size() == 1 ? "  -" : "  --", f.name, f.takes_value ? " " + f.value_name : "");
    if (left.size() < 28) left.resize(28, ' ');
    else left += "  ";
    absl::StrAppend(&s, left, f.help, "\n");
  }
  absl::StrAppend(&s, "  --help                    show this help\n");
  return s;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> r;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) r.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return r;
}

}  // namespace scalert::tools
