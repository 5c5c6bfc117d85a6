// crashlab-faultfs: the FUSE recorder. See faultfs/daemon.h and
// faultfs/options.h.
#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "faultfs/daemon.h"
#include "faultfs/options.h"

int main(int argc, char** argv) {
  using crashlab::faultfs::Options;
  const std::vector<std::string> args(argv + 1, argv + argc);
  crashlab::Result<Options> options = crashlab::faultfs::ParseArgs(args);
  if (!options.ok()) {
    std::fprintf(stderr, "crashlab-faultfs: %s (see crashlab-faultfs --help)\n",
                 options.status().message().c_str());
    return crashlab::kExitUsage;
  }
  if (options->help) {
    std::fputs(std::string(crashlab::faultfs::UsageText()).c_str(), stdout);
    return crashlab::kExitPass;
  }
  const crashlab::Status status = crashlab::faultfs::RunDaemon(*options);
  if (!status.ok()) {
    std::fprintf(stderr, "crashlab-faultfs: %s\n", status.message().c_str());
    return crashlab::ExitCodeFor(status);
  }
  return crashlab::kExitPass;
}
