// Helpers shared by the server engines (Redis, PostgreSQL): what every
// adapter that starts a database server needs before it speaks to it.
//
//   - FreeLoopbackPort: a TCP port on 127.0.0.1 nobody listens on now;
//   - RandomSecret: a password from the kernel's generator (deliberately not
//     from the run's seeded Rng: a secret must not be replayable);
//   - PrivateDir: a 0700 directory for sockets, config files and password
//     files, removed with everything in it when the object dies;
//   - ValidUtf8: stored bytes made printable in a JSON report.
//
// Ownership: PrivateDir owns its directory. Thread-safety: free functions
// are thread-safe; a PrivateDir is used by one thread.
#ifndef CRASHLAB_ENGINES_SERVER_SERVER_UTIL_H_
#define CRASHLAB_ENGINES_SERVER_SERVER_UTIL_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/data_model.h"
#include "core/status.h"

namespace crashlab {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// released). Another process may take it before the server does: servers
// report "address already in use" and the caller retries with a new one.
Result<int> FreeLoopbackPort();

// `bytes` random bytes from getrandom(2), as lowercase hex.
Result<std::string> RandomSecret(size_t bytes);

class PrivateDir {
 public:
  // mkdtemp under $TMPDIR (or /tmp when that is unset or too long for a
  // unix socket path), mode 0700, owned by uid:gid when given (>= 0).
  static Result<std::unique_ptr<PrivateDir>> Create(const std::string& prefix,
                                                    int uid = -1, int gid = -1);
  ~PrivateDir();
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const;
  // Writes `data` to a new file in the directory, mode 0600, owned like the
  // directory. For configuration holding a secret and password files.
  Status WriteSecretFile(const std::string& name,
                         const std::string& data) const;

 private:
  PrivateDir(std::string path, int uid, int gid)
      : path_(std::move(path)), uid_(uid), gid_(gid) {}
  std::string path_;
  int uid_;
  int gid_;
};

// `s` with every byte sequence that is not UTF-8 replaced by U+FFFD, so a
// corrupt stored value can be put in a report as it is.
std::string ValidUtf8(const std::string& s);

// Strict decimal int64 ("-12"); false for anything else.
bool ParseInt64(const std::string& s, int64_t* out);

// The last `max_lines` lines of `lines`, joined with newlines.
std::string JoinLastLines(const std::vector<std::string>& lines,
                          size_t max_lines);

}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_SERVER_SERVER_UTIL_H_
