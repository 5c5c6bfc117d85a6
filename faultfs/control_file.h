// ControlFile: the `.crashlab-ctl` file at the root of a faultfs mount.
//
// The harness talks to the recorder through this virtual file. It does not
// exist in BACKING, readdir does not list it, and it cannot be created,
// removed or renamed (EPERM). It is opened with direct_io, so every write()
// reaches faultfs as one request; each write is one command line:
//
//   mark LABEL\n   append a kMark record with data = LABEL. It is appended
//                  under the recording mutex, so it is ordered atomically
//                  with file operations: everything the engine did before
//                  the write returned is before the mark in the trace.
//   flush\n        write the buffered trace records to the trace file.
//
// The trailing newline is optional. Anything else fails with EINVAL.
// Reading the file returns one JSON status line, e.g. {"records":42}.
//
// Thread-safety: thread-safe (it only calls the Recorder, which is).
// The Recorder must outlive the ControlFile.
#ifndef CRASHLAB_FAULTFS_CONTROL_FILE_H_
#define CRASHLAB_FAULTFS_CONTROL_FILE_H_

#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "faultfs/recorder.h"

namespace crashlab::faultfs {

class ControlFile {
 public:
  static constexpr std::string_view kName = ".crashlab-ctl";

  explicit ControlFile(Recorder* recorder) : recorder_(recorder) {}

  // Runs the command in `buffer` (one write's bytes) on behalf of `pid`.
  // Returns 0 or an errno value for the writer.
  int Execute(std::string_view buffer, uint32_t pid);
  // The status line a read returns, newline-terminated.
  std::string StatusLine();
  // Attributes reported for the file: regular, 0600, size 0, owned by the
  // daemon's user.
  struct stat Attributes() const;

 private:
  Recorder* recorder_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_CONTROL_FILE_H_
