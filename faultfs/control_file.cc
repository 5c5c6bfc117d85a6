#include "faultfs/control_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace crashlab::faultfs {

int ControlFile::Execute(std::string_view buffer, uint32_t pid) {
  std::string_view line = buffer;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.find('\n') != std::string_view::npos) return EINVAL;
  constexpr std::string_view kMark = "mark ";
  if (line.substr(0, kMark.size()) == kMark && line.size() > kMark.size()) {
    recorder_->Mark(std::string(line.substr(kMark.size())), pid);
    return 0;
  }
  if (line == "flush") return recorder_->Flush().ok() ? 0 : EIO;
  return EINVAL;
}

std::string ControlFile::StatusLine() {
  nlohmann::json j;
  j["records"] = recorder_->records();
  return j.dump() + "\n";
}

struct stat ControlFile::Attributes() const {
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_mode = S_IFREG | 0600;
  st.st_nlink = 1;
  st.st_uid = ::geteuid();
  st.st_gid = ::getegid();
  st.st_ino = 0x7fffffff;  // shown by stat(1) only; the kernel uses nodeid
  st.st_blksize = 4096;
  return st;
}

}  // namespace crashlab::faultfs
