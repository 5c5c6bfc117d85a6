// Live crash modes against real SQLite through a real faultfs mount:
// process kills, power cuts, injected I/O errors, lying fsyncs and at-rest
// corruption (issue 3's acceptance runs).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/files.h"
#include "engines/run_test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;

class IntegrationLive : public testing_engines::CrashlabRun {
 protected:
  int Sqlite(const std::string& name, const std::string& journal,
             const std::string& sync, std::vector<std::string> args) {
    args.insert(args.begin(), {"--set", "journal_mode=" + journal, "--set",
                               "synchronous=" + sync, "--random"});
    return Run(name, "sqlite", args);
  }

  std::string Plan(const std::string& name, const json& plan) {
    const std::string path = dir_.Sub(name);
    EXPECT_TRUE(WriteStringToFile(path, plan.dump()).ok());
    return path;
  }

  // How many injected faults the rounds report with this reaction.
  size_t Reactions(const std::string& reaction) const {
    size_t n = 0;
    for (const json& round : report_["rounds"]) {
      for (const json& f : round["faults"]) n += f["reaction"] == reaction;
    }
    return n;
  }

  void ExpectEveryRoundCrashedAndRecovered(size_t rounds, const char* kind) {
    ASSERT_EQ(report_["rounds"].size(), rounds) << output_;
    for (const json& round : report_["rounds"]) {
      EXPECT_TRUE(round["recovered"].get<bool>()) << round.dump();
      EXPECT_EQ(round["state_id"].get<std::string>().rfind(kind, 0), 0u)
          << round.dump();
    }
  }
};

// The OS holds every write the engine made before the kill, so no setting
// may lose an acknowledged operation or leave one half applied.
TEST_F(IntegrationLive, ProcessKillsLoseNothingInAnyJournalModeOrSync) {
  for (const char* journal : {"delete", "truncate", "persist", "wal"}) {
    for (const char* sync : {"off", "normal", "full", "extra"}) {
      SCOPED_TRACE(std::string(journal) + "/" + sync);
      EXPECT_EQ(Sqlite(std::string("p-") + journal + "-" + sync, journal, sync,
                       {"--crash", "process", "--rounds", "50", "--ops", "300"}),
                0)
          << output_;
      ExpectEveryRoundCrashedAndRecovered(50, "process@");
      EXPECT_GT(Summary("ops_acknowledged"), 50u);
    }
  }
}

TEST_F(IntegrationLive, PowerCutsLoseAcknowledgedCommitsWithSynchronousOff) {
  EXPECT_EQ(Sqlite("off", "delete", "off",
                   {"--crash", "power", "--rounds", "50", "--ops", "300"}),
            1)
      << output_;
  ExpectEveryRoundCrashedAndRecovered(50, "power@");
  EXPECT_GT(Kind("lost_commit"), 0u);
}

TEST_F(IntegrationLive, PowerCutsLoseNothingWithWalAndFull) {
  EXPECT_EQ(Sqlite("walfull", "wal", "full",
                   {"--crash", "power", "--rounds", "50", "--ops", "300"}),
            0)
      << output_;
  ExpectEveryRoundCrashedAndRecovered(50, "power@");
  EXPECT_GT(Summary("ops_acknowledged"), 50u);
}

// EIO on fsync and ENOSPC on write: the client is told (the op is not
// `ok`), and after the power cut nothing acknowledged is lost or damaged.
TEST_F(IntegrationLive, InjectedErrorsReachTheClientAndLoseNothing) {
  const json eio = {{"rules",
                     {{{"op", {"fsync", "fdatasync"}},
                       {"path", "auth.db*"},
                       {"every", 7},
                       {"action", {{"errno", "EIO"}}}}}}};
  const json enospc = {{"rules",
                        {{{"op", "write"},
                          {"path", "auth.db*"},
                          {"every", 25},
                          {"action", {{"errno", "ENOSPC"}}}}}}};
  for (const auto& [name, plan, journal, sync] :
       std::vector<std::tuple<std::string, json, std::string, std::string>>{
           {"eio-wal", eio, "wal", "full"},
           {"enospc-wal", enospc, "wal", "full"},
           {"eio-delete", eio, "delete", "extra"},
           {"enospc-delete", enospc, "delete", "extra"}}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(Sqlite(name, journal, sync,
                     {"--crash", "power", "--rounds", "10", "--ops", "300",
                      "--faults", Plan(name + ".json", plan)}),
              0)
        << output_;
    EXPECT_GT(Reactions("returned_error"), 0u) << report_["rounds"].dump();
    // Every op that met an error ended `fail` or `info`, never `ok`.
    auto history = ReadFileToString(out_ + "/history.jsonl");
    ASSERT_TRUE(history.ok());
    size_t errors = 0;
    std::istringstream lines(*history);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const json e = json::parse(line);
      if (!e.contains("error")) continue;
      ++errors;
      EXPECT_NE(e["type"], "ok") << line;
    }
    EXPECT_GT(errors, 0u);
    EXPECT_EQ(Summary("ops_failed") + Summary("ops_unknown") >= errors, true);
  }
}

// A disk that lies about fsync turns a correct configuration into one
// that loses acknowledged commits: the tool tells the two disks apart.
TEST_F(IntegrationLive, LyingFsyncMakesWalFullLoseCommitsUnderPower) {
  const json lie = {{"rules",
                     {{{"op", {"fsync", "fdatasync"}},
                       {"path", "auth.db*"},
                       {"action", {{"lie", true}}}}}}};
  EXPECT_EQ(Sqlite("lie", "wal", "full",
                   {"--crash", "power", "--rounds", "10", "--ops", "300",
                    "--faults", Plan("lie.json", lie)}),
            1)
      << output_;
  EXPECT_GT(Kind("lost_commit"), 0u);
  EXPECT_EQ(Kind("corruption"), 0u);
}

TEST_F(IntegrationLive, AtRestCorruptionBeforeARestartIsNamedInTheFinding) {
  const json rot = {
      {"rules",
       {{{"path", "auth.db"},
         {"nth", 2},
         {"action",
          {{"corrupt", {{"mode", "flip"}, {"offset", 0}, {"length", 16}}}}}}}}};
  EXPECT_EQ(Sqlite("rot", "wal", "full",
                   {"--crash", "process", "--rounds", "3", "--ops", "100",
                    "--faults", Plan("rot.json", rot)}),
            1)
      << output_;
  ASSERT_GE(report_["rounds"].size(), 2u);
  EXPECT_TRUE(report_["rounds"][0]["at_rest"].empty());
  ASSERT_EQ(report_["rounds"][1]["at_rest"].size(), 1u);
  EXPECT_EQ(report_["rounds"][1]["at_rest"][0], "rule-1: flip auth.db [0, 16)");
  EXPECT_EQ(Kind("recovery_failure"), 1u);
  EXPECT_NE(report_["findings"][0]["summary"].get<std::string>().find(
                "at-rest corruption rule-1"),
            std::string::npos);
}

}  // namespace
}  // namespace crashlab
