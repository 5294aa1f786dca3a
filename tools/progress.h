// Progress for long work (family sweeps, bench --family, large imports): one line on stderr,
// redrawn at most ten times a second and erased when done. Shown only on a terminal and when
// enabled (commands pass !--json), so logs and pipes stay clean.
#ifndef SCALERT_TOOLS_PROGRESS_H_
#define SCALERT_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace scalert::tools {

class Progress {
 public:
  Progress(std::string what, int64_t total, bool enabled);
  ~Progress() { Finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool active() const { return active_; }
  // `done` of `total` finished; `detail` names the current item.
  void Update(int64_t done, const std::string& detail = "");
  // A step without a count (e.g. "parsing model.onnx (180 MB)").
  void Message(const std::string& text);
  // Erases the line (also done by the destructor).
  void Finish();

  static bool StderrIsTerminal();

 private:
  void Draw(const std::string& line);

  std::string what_;
  int64_t total_;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace scalert::tools

#endif  // SCALERT_TOOLS_PROGRESS_H_
