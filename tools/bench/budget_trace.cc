#include "tools/bench/budget_trace.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace scalert::bench {

bool IsGeneratedTrace(const std::string& name) {
  return name == "steady" || name == "sawtooth" || name == "throttling";
}

absl::StatusOr<BudgetTrace> GenerateTrace(const std::string& kind, int frames, double lo_ms, double hi_ms,
                                          uint32_t seed) {
  if (!IsGeneratedTrace(kind))
    return absl::InvalidArgumentError(absl::StrCat("unknown trace '", kind, "' (steady, sawtooth, throttling, or a file)"));
  if (frames < 1) return absl::InvalidArgumentError(absl::StrCat("a trace needs at least one frame, got ", frames));
  if (!(lo_ms > 0) || !(hi_ms >= lo_ms) || !std::isfinite(hi_ms))
    return absl::InvalidArgumentError(absl::StrCat("trace range must satisfy 0 < lo <= hi, got ", lo_ms, " .. ", hi_ms));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  BudgetTrace t;
  t.name = kind;
  const double n = static_cast<double>(frames);
  for (int k = 0; k < frames; ++k) {
    double b = 0;
    if (kind == "steady") {
      b = std::sqrt(lo_ms * hi_ms) * (1 + 0.03 * unit(rng));
    } else if (kind == "sawtooth") {
      const int period = std::max(8, frames / 4);
      b = lo_ms + (hi_ms - lo_ms) * static_cast<double>(k % period) / (period - 1);
    } else {  // throttling
      const double floor = lo_ms + 0.2 * (hi_ms - lo_ms);
      const double start = 0.2 * n, tau = std::max(1.0, 0.1 * n);
      b = k < start ? hi_ms : floor + (hi_ms - floor) * std::exp(-(k - start) / tau);
      b *= 1 + 0.05 * unit(rng);
    }
    t.budgets.push_back(b);
  }
  return t;
}

absl::StatusOr<BudgetTrace> ReadTraceFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot open the budget trace"));
  BudgetTrace t;
  t.name = std::filesystem::path(path).stem().string();
  std::string line;
  for (int number = 1; std::getline(f, line); ++number) {
    absl::string_view s = absl::StripAsciiWhitespace(line);
    if (s.empty() || s[0] == '#') continue;
    const std::string text(s);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || errno != 0 || !std::isfinite(v) || !(v > 0))
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected a budget in ms (a number > 0), found '", text, "'"));
    t.budgets.push_back(v);
  }
  if (t.budgets.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no budgets (one number in ms per line)"));
  return t;
}

}  // namespace scalert::bench
