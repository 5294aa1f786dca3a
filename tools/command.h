// Subcommand registry for the `scalert` CLI: each tools/cmd_<name>.cc registers one command.
#ifndef SCALERT_TOOLS_COMMAND_H_
#define SCALERT_TOOLS_COMMAND_H_

#include <string>
#include <vector>

namespace scalert::tools {

// Returns the process exit code. args excludes the program and command names.
using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

bool RegisterCommand(const Command& c);
const std::vector<Command>& Commands();

}  // namespace scalert::tools

#define SCALERT_REGISTER_COMMAND(name, summary, fn) \
  static const bool scalert_registered_##fn = ::scalert::tools::RegisterCommand({name, summary, fn})

#endif  // SCALERT_TOOLS_COMMAND_H_
