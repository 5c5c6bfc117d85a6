// The ddl workload (workloads/ddl.h) on the SQL engines, end to end: a
// migration's schema changes recorded through faultfs, crashed, recovered
// and judged on the catalog. (Skytable's: harness/skytable_claims_test.cc.)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;

class IntegrationDdlRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/dev/fuse", R_OK | W_OK) != 0) {
      GTEST_SKIP() << "needs FUSE: /dev/fuse is missing or not usable";
    }
    // PostgreSQL runs as the postgres user, who must enter the run's path.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  }
  json Run(const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> argv = {BinDir() + "/crashlab", "run", "--workload",
                                     "ddl", "--seed", "7", "--minimize-budget-s",
                                     "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string out = dir_.Sub(name);
    argv.insert(argv.end(), {"--out", out});
    json report;
    CommandResult r = RunForReport(argv, out, &report);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
    output_ = r.output;
    return report.is_null() ? json{{"summary", {{"by_kind", json::object()}}},
                                   {"rounds", json::array()}}
                            : report;
  }
  static uint64_t Kind(const json& r, const char* kind) {
    return r["summary"]["by_kind"].value(kind, uint64_t{0});
  }
  std::string output_;
  TempDir dir_;
};

// Transactional DDL with WAL and FULL: every table comes back with all its
// columns or not at all, and nothing acknowledged is lost.
TEST_F(IntegrationDdlRun, SqliteWalFullKeepsEverySchemaChange) {
  const json r = Run("wal-full", {"--engine", "sqlite", "--set", "journal_mode=wal",
                                  "--set", "synchronous=full", "--ops", "30",
                                  "--crash", "explore"});
  EXPECT_EQ(r["summary"]["verdict"], "pass") << output_;
  EXPECT_GT(r["summary"]["states_checked"].get<uint64_t>(), 300u);
  EXPECT_EQ(r["summary"]["ops_acknowledged"], 30);
}

// The rollback journal's unlink is the commit point and FULL never fsyncs
// the directory after it: a power cut brings the hot journal back and rolls
// an acknowledged CREATE TABLE back (as it does rows: README, SQLite table).
TEST_F(IntegrationDdlRun, SqliteDeleteFullLosesAcknowledgedSchemaChanges) {
  const json r = Run("delete-full",
                     {"--engine", "sqlite", "--set", "journal_mode=delete",
                      "--set", "synchronous=full", "--ops", "20", "--crash",
                      "explore"});
  EXPECT_GT(Kind(r, "lost_commit"), 0u) << output_;
  EXPECT_EQ(Kind(r, "atomicity"), 0u) << "DDL transactions stay all or nothing";
}

// PostgreSQL's DDL is transactional and WAL-logged: power cuts lose none
// of it and never leave half a migration.
TEST_F(IntegrationDdlRun, PostgresKeepsEverySchemaChangeThroughPowerCuts) {
  const json r = Run("postgres", {"--engine", "postgres", "--ops", "30",
                                  "--crash", "power", "--rounds", "3"});
  EXPECT_EQ(r["summary"]["verdict"], "pass") << output_;
  for (const json& round : r["rounds"]) {
    EXPECT_TRUE(round["recovered"].get<bool>()) << round.dump();
  }
}

// An engine without DDL is refused with what to use instead.
TEST_F(IntegrationDdlRun, EnginesWithoutDdlAreRefused) {
  CommandResult r = RunCommand({BinDir() + "/crashlab", "run", "--engine",
                                "leveldb", "--workload", "ddl", "--out",
                                dir_.Sub("leveldb")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--workload ddl needs an engine with DDL"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace crashlab
