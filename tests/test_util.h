// Helpers shared by crashlab's tests.
#ifndef CRASHLAB_TESTS_TEST_UTIL_H_
#define CRASHLAB_TESTS_TEST_UTIL_H_

#include <stdlib.h>

#include <string>

#include "core/files.h"

namespace crashlab {

// A fresh directory under $TMPDIR (or /tmp), removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/crashlab-test-XXXXXX";
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() { (void)RemoveTree(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Directory holding the built binaries (crashlab, crashlab-faultfs, ...).
inline std::string BinDir() { return CRASHLAB_BIN_DIR; }
inline std::string SourceDir() { return CRASHLAB_SOURCE_DIR; }

}  // namespace crashlab

#endif  // CRASHLAB_TESTS_TEST_UTIL_H_
