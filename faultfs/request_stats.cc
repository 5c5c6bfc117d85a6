#include "faultfs/request_stats.h"

#include <sys/resource.h>

namespace crashlab::faultfs {
namespace {

constexpr std::array<const char*, kRequestKinds> kNames = {
    "lookup",     "forget",   "getattr",  "setattr",   "readlink",
    "mknod",      "mkdir",    "symlink",  "link",      "unlink",
    "rmdir",      "rename",   "statfs",   "opendir",   "readdir",
    "releasedir", "fsyncdir", "create",   "open",      "read",
    "write",      "flush",    "release",  "fsync",     "fallocate",
    "lseek",      "setxattr", "getxattr", "listxattr", "removexattr"};

}  // namespace

const char* RequestName(Request r) { return kNames[static_cast<size_t>(r)]; }

uint64_t RequestStats::total() const {
  uint64_t sum = 0;
  for (const auto& c : counts_) sum += c.load(std::memory_order_relaxed);
  return sum;
}

nlohmann::json RequestStats::ToJson() const {
  nlohmann::json out = {{"total", total()}};
  for (size_t i = 0; i < kRequestKinds; ++i) {
    const uint64_t n = counts_[i].load(std::memory_order_relaxed);
    if (n > 0) out[kNames[i]] = n;
  }
  return out;
}

nlohmann::json ProcessCpuJson() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return {{"user_s", seconds(usage.ru_utime)},
          {"sys_s", seconds(usage.ru_stime)}};
}

}  // namespace crashlab::faultfs
