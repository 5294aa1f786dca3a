// The progress line appears on a terminal (a pseudo-terminal here) and nowhere else.
#include "tools/progress.h"

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace scalert::tools {
namespace {

// Runs `body` in a child whose stderr is a pseudo-terminal (or a pipe) and returns what it wrote.
std::string StderrOf(void (*body)(), bool terminal) {
  int master = -1, fds[2] = {-1, -1};
  pid_t pid;
  if (terminal) {
    pid = forkpty(&master, nullptr, nullptr, nullptr);  // the child's stdin/stdout/stderr are the pty
  } else {
    if (pipe(fds) != 0) return "pipe failed";
    pid = fork();
    if (pid == 0) dup2(fds[1], STDERR_FILENO);
    master = fds[0];
  }
  if (pid == 0) {
    body();
    _exit(0);
  }
  if (!terminal) close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  waitpid(pid, nullptr, 0);
  close(master);
  return out;
}

void Work() {
  Progress p("sweep", 8, true);
  p.Update(3, "phi 3");
  p.Message("writing summary");
  p.Finish();
}

void DisabledWork() {
  Progress p("sweep", 8, false);  // --json
  p.Update(3, "phi 3");
  p.Message("writing summary");
}

TEST(Progress, DrawsAndErasesOnATerminal) {
  const std::string out = StderrOf(Work, true);
  EXPECT_NE(out.find("sweep: 3/8 (37%)"), std::string::npos) << out;
  EXPECT_NE(out.find("phi 3"), std::string::npos) << out;
  EXPECT_NE(out.find("sweep: writing summary"), std::string::npos) << out;
  EXPECT_GE(out.rfind("\r\033[K"), out.find("writing summary")) << "the line is erased at the end";
}

TEST(Progress, QuietWhenNotATerminalOrDisabled) {
  EXPECT_EQ(StderrOf(Work, false), "");
  EXPECT_EQ(StderrOf(DisabledWork, true), "");
}

}  // namespace
}  // namespace scalert::tools
