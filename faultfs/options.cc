#include "faultfs/options.h"

#include <charconv>

namespace crashlab::faultfs {
namespace {

bool ParseInt(const std::string& text, int min, int max, int* out) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

}  // namespace

std::string_view UsageText() {
  return "usage: crashlab-faultfs BACKING MOUNT --trace FILE [--base NAME]\n"
         "                        [--ready-fd N] [--allow-other] "
         "[--threads N]\n"
         "                        [--faults PLAN] [--seed S] "
         "[--control-socket PATH]\n"
         "                        [--backing-fsync] [--stats FILE] [--xattrs]\n"
         "Mounts BACKING at MOUNT through FUSE and records every operation\n"
         "that changes persistent state into the trace FILE (which must not\n"
         "exist). Runs in the foreground; SIGTERM/SIGINT/SIGHUP unmount and\n"
         "close the trace.\n"
         "  --trace FILE    trace to create\n"
         "  --base NAME     base image directory, relative to the trace's\n"
         "                  directory, named in the trace (default: base)\n"
         "  --ready-fd N    write \"ready\\n\" to fd N once mounted\n"
         "  --allow-other   let other users use the mount\n"
         "  --threads N     at most N FUSE worker threads\n"
         "  --faults PLAN   inject the faults of PLAN (JSON, TOML or LazyFS)\n"
         "  --seed S        seed of the plan's random choices (overrides its\n"
         "                  own)\n"
         "  --control-socket PATH\n"
         "                  serve the JSON-lines control protocol on the Unix\n"
         "                  socket PATH (mode 0600, removed at exit)\n"
         "  --backing-fsync pass fsync, fdatasync and directory fsyncs on to\n"
         "                  BACKING. Off by default: they are recorded (and\n"
         "                  can be faulted) but not performed, because crash\n"
         "                  states come from the trace and a killed engine's\n"
         "                  writes stay in the page cache. Turn it on to give\n"
         "                  the engine real fsync latency.\n"
         "  --xattrs        pass extended attributes through (not recorded).\n"
         "                  Off by default: without them the kernel need not\n"
         "                  ask for security.capability before every write.\n"
         "  --stats FILE    at exit, write the FUSE requests served (by kind)\n"
         "                  and the trace writer's counters to FILE as JSON\n"
         "Control file: MOUNT/.crashlab-ctl takes \"mark LABEL\" and "
         "\"flush\".\n";
}

Result<Options> ParseArgs(const std::vector<std::string>& args) {
  Options o;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_value = true;
    }
    auto take_value = [&](std::string* out) -> Status {
      if (!has_value) {
        if (i + 1 >= args.size()) {
          return Status::InvalidArgument(arg + " needs a value");
        }
        value = args[++i];
      }
      *out = value;
      return Status::Ok();
    };
    std::string text;
    if (arg == "-h" || arg == "--help") {
      o.help = true;
    } else if (arg == "--trace") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&o.trace));
    } else if (arg == "--base") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&o.base));
    } else if (arg == "--ready-fd") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&text));
      if (!ParseInt(text, 0, 1 << 20, &o.ready_fd)) {
        return Status::InvalidArgument("--ready-fd " + text +
                                       " is not a file descriptor number");
      }
    } else if (arg == "--threads") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&text));
      if (!ParseInt(text, 1, 1024, &o.threads)) {
        return Status::InvalidArgument("--threads " + text +
                                       " must be a number from 1 to 1024");
      }
    } else if (arg == "--faults") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&o.faults));
      if (o.faults.empty())
        return Status::InvalidArgument("--faults needs a file");
    } else if (arg == "--seed") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&text));
      uint64_t seed = 0;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, seed);
      if (text.empty() || ec != std::errc() || ptr != end) {
        return Status::InvalidArgument("--seed " + text +
                                       " must be a non-negative integer");
      }
      o.seed = seed;
    } else if (arg == "--control-socket") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&o.control_socket));
      if (o.control_socket.empty()) {
        return Status::InvalidArgument("--control-socket needs a path");
      }
    } else if (arg == "--stats") {
      CRASHLAB_RETURN_IF_ERROR(take_value(&o.stats));
      if (o.stats.empty())
        return Status::InvalidArgument("--stats needs a file");
    } else if (arg == "--xattrs" && !has_value) {
      o.xattrs = true;
    } else if (arg == "--backing-fsync" && !has_value) {
      o.backing_fsync = true;
    } else if (arg == "--allow-other" && !has_value) {
      o.allow_other = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return Status::InvalidArgument("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (o.help) return o;
  if (positional.size() != 2) {
    return Status::InvalidArgument("expected BACKING and MOUNT, got " +
                                   std::to_string(positional.size()) +
                                   " path(s)");
  }
  o.backing = positional[0];
  o.mount = positional[1];
  if (o.trace.empty()) return Status::InvalidArgument("missing --trace FILE");
  if (o.base.empty())
    return Status::InvalidArgument("--base must not be empty");
  return o;
}

}  // namespace crashlab::faultfs
