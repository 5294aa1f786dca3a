// A small flag parser for the CLI: `--name value`, `--name=value`, boolean `--flag`, positionals.
#ifndef SCALERT_TOOLS_ARGS_H_
#define SCALERT_TOOLS_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scalert::tools {

struct FlagSpec {
  std::string name;       // without dashes
  bool takes_value;
  std::string help;       // one line, shown by --help
  std::string value_name = "VALUE";
};

class Args {
 public:
  // Parses `args` against `specs`; unknown flags and missing values are errors.
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& def = "") const;
  // Every value of a flag given several times, in order (get() returns the last).
  std::vector<std::string> get_all(const std::string& name) const;
  absl::StatusOr<int64_t> get_int(const std::string& name, int64_t def) const;
  absl::StatusOr<double> get_double(const std::string& name, double def) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_values_;
  std::vector<std::string> positional_;
};

// Usage text: "usage: scalert <cmd> <synopsis>", a description, then one line per flag.
std::string Usage(const std::string& command, const std::string& synopsis, const std::string& description,
                  const std::vector<FlagSpec>& specs);

// Comma-separated list ("1,2" -> {"1","2"}).
std::vector<std::string> SplitList(const std::string& s);

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_ARGS_H_
