// Helpers shared by crashlab's tests.
#ifndef CRASHLAB_TESTS_TEST_UTIL_H_
#define CRASHLAB_TESTS_TEST_UTIL_H_

#include <stdlib.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "core/status.h"

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

// Validates a report file against reports/schema/report-v2.schema.json (or
// report-v1 when it says it is a crashlab-report/1) with a real JSON Schema
// validator (python3-jsonschema). Ok, or the errors.
Status ValidateReportFile(const std::string& path);

// Runs a command, returns its exit status and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv,
                         int timeout_ms = 600000);

// Runs a crashlab command that writes OUT/report.json (`out`): its exit
// code and output, and in *report the parsed report (null when there is
// none). A report that exists must pass ValidateReportFile, or the test
// fails.
CommandResult RunForReport(const std::vector<std::string>& argv,
                           const std::string& out, nlohmann::json* report,
                           int timeout_ms = 600000);

}  // namespace crashlab

#endif  // CRASHLAB_TESTS_TEST_UTIL_H_
