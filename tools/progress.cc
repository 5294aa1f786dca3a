#include "tools/progress.h"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace scalert::tools {

bool Progress::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string what, int64_t total, bool enabled)
    : what_(std::move(what)), total_(total), active_(enabled && StderrIsTerminal()) {
  start_ = std::chrono::steady_clock::now();
  last_ = start_ - std::chrono::seconds(1);
}

void Progress::Update(int64_t done, const std::string& detail) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100) && done < total_) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int percent = total_ > 0 ? static_cast<int>(100 * done / total_) : 0;
  char counts[96];
  std::snprintf(counts, sizeof counts, "%lld/%lld (%d%%) %.0f s", static_cast<long long>(done),
                static_cast<long long>(total_), percent, elapsed);
  Draw(counts + (detail.empty() ? "" : "  " + detail));
}

void Progress::Message(const std::string& text) {
  if (active_) Draw(text);
}

void Progress::Draw(const std::string& line) {
  std::fprintf(stderr, "\r\033[K%s: %s", what_.c_str(), line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace scalert::tools
