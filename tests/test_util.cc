#include "tests/test_util.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include "core/subprocess.h"

namespace crashlab {

CommandResult RunCommand(const std::vector<std::string>& argv, int timeout_ms) {
  CommandResult r;
  TempDir dir;
  const std::string out = dir.Sub("output");
  // Output goes to a file so a chatty child never blocks on a full pipe.
  SpawnOptions o{.argv = argv, .stderr_path = out};
  o.argv = {"/bin/sh", "-c", "exec \"$@\" >>\"$0\" 2>&1", out};
  o.argv.insert(o.argv.end(), argv.begin(), argv.end());
  auto p = Subprocess::Spawn(o);
  if (!p.ok()) {
    r.output = p.status().ToString();
    return r;
  }
  auto st = (*p)->Wait(timeout_ms);
  if (!st.ok()) {
    (*p)->Kill(9);
    r.output = "timed out";
    return r;
  }
  r.exit_code = WIFEXITED(*st) ? WEXITSTATUS(*st) : 128 + WTERMSIG(*st);
  auto text = ReadFileToString(out);
  if (text.ok()) r.output = *text;
  return r;
}

Status ValidateReportFile(const std::string& path) {
  // A report is validated against the schema of the version it says it is.
  auto text = ReadFileToString(path);
  const bool v1 =
      text.ok() &&
      text->find("\"schema\": \"crashlab-report/1\"") != std::string::npos;
  CommandResult r = RunCommand(
      {"/usr/bin/python3", SourceDir() + "/reports/validate_report.py",
       SourceDir() + (v1 ? "/reports/schema/report-v1.schema.json"
                         : "/reports/schema/report-v2.schema.json"),
       path});
  if (r.exit_code == 0) return Status::Ok();
  return Status::BadInput("report " + path + " does not validate:\n" + r.output);
}

CommandResult RunForReport(const std::vector<std::string>& argv,
                           const std::string& out, nlohmann::json* report,
                           int timeout_ms) {
  CommandResult r = RunCommand(argv, timeout_ms);
  const std::string path = out + "/report.json";
  auto text = ReadFileToString(path);
  *report = text.ok() ? nlohmann::json::parse(*text, nullptr, false)
                      : nlohmann::json();
  if (report->is_discarded()) *report = nlohmann::json();
  if (text.ok()) {
    Status valid = ValidateReportFile(path);
    EXPECT_TRUE(valid.ok()) << valid.message();
  }
  return r;
}

}  // namespace crashlab
