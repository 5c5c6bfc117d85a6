// Command-line plumbing every crashlab subcommand shares: the one-line
// usage error, Boost.Program_options parsing with --help, and --set lists.
#ifndef CRASHLAB_HARNESS_CLI_CLI_ARGS_H_
#define CRASHLAB_HARNESS_CLI_CLI_ARGS_H_

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.h"

namespace crashlab {

// Prints "crashlab: MSG" to stderr; returns kExitUsage.
int Usage(const std::string& msg);
// Prints "crashlab COMMAND: MSG" and the command's usage text; kExitUsage.
int CommandUsage(const char* command, const std::string& msg,
                 const char* usage);

// Parses `args` into *vm. Returns the exit code when the command ends here
// (--help printed: kExitPass; a parse error: Usage with `hint` appended),
// nullopt when it goes on. `positional` may be null.
std::optional<int> ParseArgs(
    const boost::program_options::options_description& desc,
    const boost::program_options::positional_options_description* positional,
    const std::vector<std::string>& args,
    boost::program_options::variables_map* vm, const std::string& hint);

// Adds each KEY=VALUE of a --set list to *settings; "" or what is wrong.
std::string ParseSets(const std::vector<std::string>& sets,
                      Settings* settings);

}  // namespace crashlab

#endif  // CRASHLAB_HARNESS_CLI_CLI_ARGS_H_
