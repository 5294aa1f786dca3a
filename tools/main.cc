// `scalert`: one binary, one subcommand per tools/cmd_<name>.cc.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/version.h"
#include "tools/command.h"

namespace scalert::tools {

std::vector<Command>& MutableCommands() {
  static std::vector<Command> commands;
  return commands;
}
bool RegisterCommand(const Command& c) {
  MutableCommands().push_back(c);
  return true;
}
const std::vector<Command>& Commands() { return MutableCommands(); }

}  // namespace scalert::tools

static void PrintUsage(FILE* f) {
  std::fprintf(f, "usage: scalert <command> [flags]   (scalert <command> --help for details)\n\ncommands:\n");
  auto cmds = scalert::tools::Commands();
  std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const auto& c : cmds) std::fprintf(f, "  %-10s %s\n", c.name, c.summary);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    PrintUsage(stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("scalert %s\n", SCALERT_VERSION_STRING);
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : scalert::tools::Commands())
    if (cmd == c.name) return c.run(args);
  std::fprintf(stderr, "scalert: unknown command '%s'\n", cmd.c_str());
  PrintUsage(stderr);
  return 2;
}
