#include "harness/cli/cli_args.h"

#include <cstdio>
#include <iostream>

namespace crashlab {

namespace po = boost::program_options;

int Usage(const std::string& msg) {
  std::fprintf(stderr, "crashlab: %s\n", msg.c_str());
  return kExitUsage;
}

int CommandUsage(const char* command, const std::string& msg,
                 const char* usage) {
  std::fprintf(stderr, "crashlab %s: %s\n%s", command, msg.c_str(), usage);
  return kExitUsage;
}

std::optional<int> ParseArgs(const po::options_description& desc,
                             const po::positional_options_description* positional,
                             const std::vector<std::string>& args,
                             po::variables_map* vm, const std::string& hint) {
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), *vm);
    if (vm->count("help")) {
      std::cout << desc << "\n";
      return kExitPass;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    return Usage(std::string(e.what()) + " (" + hint + ")");
  }
  return std::nullopt;
}

std::string ParseSets(const std::vector<std::string>& sets,
                      Settings* settings) {
  for (const std::string& kv : sets) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return "--set takes KEY=VALUE, got '" + kv + "'";
    }
    (*settings)[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return "";
}

}  // namespace crashlab
