// End-to-end helper for engine tests: runs the real `crashlab run` binary
// on one engine, validates report.json against its schema, checks nothing
// stayed mounted, and gives access to the report and the trace.
#ifndef CRASHLAB_ENGINES_RUN_TEST_UTIL_H_
#define CRASHLAB_ENGINES_RUN_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/files.h"
#include "core/trace.h"
#include "faultfs/client/faultfs_mount.h"
#include "tests/test_util.h"

namespace crashlab {
namespace testing_engines {

class CrashlabRun : public ::testing::Test {
 protected:
  void SetUp() override {
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
  }

  // `crashlab run --engine ENGINE ARGS --seed 7 --out DIR/NAME`; returns
  // the exit code and leaves the parsed report in report_.
  int Run(const std::string& name, const std::string& engine,
          std::vector<std::string> args) {
    out_ = dir_.Sub(name);
    std::vector<std::string> argv = {BinDir() + "/crashlab", "run", "--engine",
                                     engine};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--seed", "7", "--out", out_});
    const CommandResult r = RunForReport(argv, out_, &report_, 300000);
    output_ = r.output;
    EXPECT_FALSE(IsMountPoint(out_ + "/.work/mnt")) << "left mounted";
    return r.exit_code;
  }

  uint64_t Kind(const std::string& kind) const {
    const auto& by_kind = report_["summary"]["by_kind"];
    return by_kind.contains(kind) ? by_kind[kind].get<uint64_t>() : 0;
  }
  uint64_t Summary(const std::string& field) const {
    return report_["summary"].value(field, uint64_t{0});
  }

  // For each ack mark "ok:N" in the run's trace: (record index, op id).
  std::vector<std::pair<size_t, uint64_t>> Acks() const {
    std::vector<std::pair<size_t, uint64_t>> acks;
    auto trace = ReadTrace(out_ + "/trace.bin");
    EXPECT_TRUE(trace.ok()) << trace.status().message();
    if (!trace.ok()) return acks;
    for (size_t i = 0; i < trace->records.size(); ++i) {
      const Record& r = trace->records[i];
      if (r.op == Op::kMark && r.data.rfind("ok:", 0) == 0) {
        acks.emplace_back(i, std::stoull(r.data.substr(3)));
      }
    }
    return acks;
  }

  TempDir dir_;
  std::string out_;
  std::string output_;
  nlohmann::json report_;
};

}  // namespace testing_engines
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_RUN_TEST_UTIL_H_
