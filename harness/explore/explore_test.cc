// Exploration at depth: reorder and torn models, shards, parallel jobs,
// minimization, replay and explain, through the real `crashlab` binary on a
// real FUSE mount with real SQLite.
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "faultfs/client/faultfs_mount.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

using nlohmann::json;

class IntegrationExplore : public ::testing::Test {
 protected:
  void SetUp() override {
    Status fuse = CheckFuseAvailable();
    if (!fuse.ok()) GTEST_SKIP() << "needs FUSE: " << fuse.message();
  }

  // Runs crashlab; returns the exit code, parses the report into report_.
  // `env`: VAR=VALUE settings for crashlab's environment.
  int Run(const std::string& name, std::vector<std::string> args,
          const std::vector<std::string>& env = {}) {
    const std::string out = dir_.Sub(name);
    std::vector<std::string> argv = {"/usr/bin/env"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {BinDir() + "/crashlab", "run", "--engine",
                             "sqlite", "--seed", "11", "--out", out});
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunCommand(argv);
    output_ = r.output;
    auto text = ReadFileToString(out + "/report.json");
    report_ = text.ok() ? json::parse(*text) : json();
    if (text.ok()) {
      Status valid = ValidateReportFile(out + "/report.json");
      EXPECT_TRUE(valid.ok()) << valid.message();
    }
    return r.exit_code;
  }
  std::string Out(const std::string& name) const { return dir_.Sub(name); }
  uint64_t Kind(const std::string& k) const {
    return report_["summary"]["by_kind"][k].get<uint64_t>();
  }
  std::set<std::string> Fingerprints() const {
    std::set<std::string> out;
    for (const json& f : report_["findings"]) out.insert(f["fingerprint"]);
    return out;
  }

  TempDir dir_;
  std::string output_;
  json report_;
};

TEST_F(IntegrationExplore, ReorderBreaksDeleteOffButNotWalFull) {
  ASSERT_EQ(Run("delete-off", {"--set", "journal_mode=delete", "--set",
                               "synchronous=off", "--ops", "30", "--model",
                               "reorder", "--minimize-budget-s", "0"}),
            1)
      << output_;
  // The database file is written before its journal reaches the disk.
  EXPECT_GT(Kind("atomicity") + Kind("corruption"), 0u) << output_;
  const json& stats = report_["crash"]["model_stats"][0];
  EXPECT_EQ(stats["model"], "reorder");
  EXPECT_EQ(stats["exhaustive_points"].get<uint64_t>() +
                stats["sampled_points"].get<uint64_t>(),
            stats["crash_points"].get<uint64_t>());

  ASSERT_EQ(Run("wal-full", {"--set", "journal_mode=wal", "--set",
                             "synchronous=full", "--ops", "25", "--model",
                             "prefix,drop-unsynced,reorder,torn"}),
            0)
      << output_;
  EXPECT_TRUE(report_["findings"].empty());
  EXPECT_GT(report_["summary"]["states_checked"].get<uint64_t>(), 1000u);
  EXPECT_LT(report_["summary"]["unique_images"].get<uint64_t>(),
            report_["summary"]["states_checked"].get<uint64_t>())
      << "identical images are recovered once";
}

// Every model's crash images of a real run (WAL restarts, checkpoints, a
// never-synced -shm: files rolled back one by one, ImageBuilder) are the
// images plain in-order replay makes; CRASHLAB_VERIFY_IMAGES=1 checks each
// one and stops the run at the first that differs.
TEST_F(IntegrationExplore, EveryCrashImageEqualsItsInOrderReplay) {
  const int code =
      Run("verify",
          {"--set", "journal_mode=wal", "--set", "synchronous=normal", "--set",
           "wal_autocheckpoint=2", "--ops", "25", "--model",
           "prefix,drop-unsynced,reorder,torn", "--minimize-budget-s", "0"},
          {"CRASHLAB_VERIFY_IMAGES=1"});
  ASSERT_TRUE(code == 0 || code == 1) << output_;
  const uint64_t states = report_["summary"]["states_checked"];
  EXPECT_GT(states, 1000u);
  EXPECT_NE(output_.find("CRASHLAB_VERIFY_IMAGES: " + std::to_string(states) +
                         " crash images equal their in-order replay"),
            std::string::npos)
      << output_;
}

// Recoveries that find their rows by digest (rows_by_digest.h) give the
// run exactly the report of one where every recovery sends its rows.
TEST_F(IntegrationExplore, RowsFoundByDigestGiveTheSameReport) {
  const std::vector<std::string> args = {
      "--set", "journal_mode=delete", "--set", "synchronous=off", "--ops",
      "40",    "--model", "prefix,drop-unsynced,torn", "--minimize-budget-s",
      "0",     "--jobs", "2"};
  ASSERT_EQ(Run("sent", args, {"CRASHLAB_ROWS_DIGEST=0"}), 1) << output_;
  json sent = report_;
  ASSERT_EQ(Run("known", args, {"CRASHLAB_ROWS_DIGEST=1"}), 1) << output_;
  uint64_t known = 0, recoveries = 0;
  const size_t at = output_.find("CRASHLAB_ROWS_DIGEST: ");
  ASSERT_NE(at, std::string::npos) << output_;
  std::istringstream(output_.substr(at + 22)) >> known;
  recoveries = report_["summary"]["recoveries"];
  EXPECT_GT(known, recoveries / 4) << output_;
  // All but where each run is and what varies with timing: the recorded
  // acknowledgement times and how often an evicted image is recovered
  // again (two jobs finish in any order).
  for (json* r : {&sent, &report_}) {
    (*r)["summary"].erase("duration_s");
    (*r)["summary"].erase("recoveries");
    (*r)["loss_shape"].erase("max_lost_s");
    for (json& f : (*r)["findings"]) {
      f.erase("replay");
      f.erase("run_dir");
    }
  }
  EXPECT_EQ(sent["findings"], report_["findings"]);
  EXPECT_EQ(sent["summary"], report_["summary"]);
  EXPECT_EQ(sent["crash"], report_["crash"]);
  EXPECT_EQ(sent["loss_shape"], report_["loss_shape"]);
  EXPECT_GT(Kind("lost_commit") + Kind("atomicity") + Kind("corruption"), 0u);
}

TEST_F(IntegrationExplore, FourShardsMergeIntoTheUnshardedReport) {
  const std::vector<std::string> common = {
      "--set", "journal_mode=delete", "--set", "synchronous=off", "--ops",
      "15",    "--model",  "prefix,reorder",  "--minimize-budget-s", "0"};
  ASSERT_EQ(Run("whole", common), 1) << output_;
  const std::set<std::string> whole = Fingerprints();
  const json whole_report = report_;
  std::vector<std::string> merge = {BinDir() + "/crashlab", "report", "merge"};
  for (int k = 1; k <= 4; ++k) {
    auto args = common;
    args.insert(args.end(), {"--shard", std::to_string(k) + "/4"});
    const int code = Run("shard" + std::to_string(k), args);
    ASSERT_TRUE(code == 0 || code == 1) << output_;
    EXPECT_EQ(report_["crash"]["shard"]["count"], 4);
    merge.push_back(Out("shard" + std::to_string(k)) + "/report.json");
  }
  merge.insert(merge.end(), {"-o", Out("merged.json")});
  CommandResult m = RunCommand(merge);
  ASSERT_EQ(m.exit_code, 1) << m.output;
  ASSERT_TRUE(ValidateReportFile(Out("merged.json")).ok());
  const json merged = json::parse(*ReadFileToString(Out("merged.json")));
  report_ = merged;
  EXPECT_EQ(Fingerprints(), whole);
  EXPECT_EQ(merged["summary"]["by_kind"], whole_report["summary"]["by_kind"]);
  EXPECT_EQ(merged["summary"]["states_checked"],
            whole_report["summary"]["states_checked"]);
  for (size_t i = 0; i < merged["findings"].size(); ++i) {
    EXPECT_EQ(merged["findings"][i]["crash_state"]["id"],
              whole_report["findings"][i]["crash_state"]["id"]);
    EXPECT_EQ(merged["findings"][i]["states_affected"],
              whole_report["findings"][i]["states_affected"]);
  }
  // Shards of another run are refused.
  CommandResult bad = RunCommand({BinDir() + "/crashlab", "report", "merge",
                                  Out("shard1") + "/report.json",
                                  Out("delete-off-other") + "/none.json", "-o",
                                  Out("bad.json")});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

TEST_F(IntegrationExplore, TwoJobsFindWhatOneJobFinds) {
  const std::vector<std::string> common = {
      "--set", "journal_mode=wal", "--set", "synchronous=off", "--ops", "20",
      "--minimize-budget-s", "0"};
  auto one = common;
  one.insert(one.end(), {"--jobs", "1"});
  ASSERT_EQ(Run("jobs1", one), 1) << output_;
  const auto a = Fingerprints();
  const json ra = report_;
  auto two = common;
  two.insert(two.end(), {"--jobs", "2"});
  ASSERT_EQ(Run("jobs2", two), 1) << output_;
  EXPECT_EQ(Fingerprints(), a);
  EXPECT_EQ(report_["summary"]["unique_images"], ra["summary"]["unique_images"]);
}

TEST_F(IntegrationExplore, MinimizedStatesAreNoLargerAndReplayReproduces) {
  ASSERT_EQ(Run("min", {"--set", "journal_mode=wal", "--set",
                        "synchronous=off", "--ops", "20", "--model",
                        "reorder,torn", "--max-findings", "10"}),
            1)
      << output_;
  size_t checked = 0;
  for (const json& f : report_["findings"]) {
    ASSERT_TRUE(f.contains("minimal_state")) << f.dump();
    const json& orig = f["crash_state"];
    const json& min = f["minimal_state"];
    EXPECT_LE(min["dropped_count"].get<uint64_t>() +
                  min["torn_count"].get<uint64_t>(),
              orig["dropped_count"].get<uint64_t>() +
                  orig["torn_count"].get<uint64_t>());
    EXPECT_EQ(min["position"], orig["position"]);
    if (f["kind"] != "lost_commit" || checked >= 3) continue;
    // Replay the minimal state and look with the engine's own shell.
    std::vector<std::string> argv;
    std::istringstream words(f["replay"].get<std::string>());
    for (std::string w; words >> w;) argv.push_back(w);
    argv[0] = BinDir() + "/crashlab";
    EXPECT_NE(f["replay"].get<std::string>().find(min["id"].get<std::string>()),
              std::string::npos);
    CommandResult replay = RunCommand(argv);
    ASSERT_EQ(replay.exit_code, 0) << replay.output;
    const json& cell = f["cells"][0];
    const std::string table = cell["table"];
    const std::string key_col = table == "users"          ? "username"
                                : table == "reset_tokens" ? "token"
                                                          : "id";
    CommandResult q = RunCommand(
        {"sqlite3", argv.back() + "/auth.db",
         "SELECT count(*) FROM " + table + " WHERE " + key_col + " = '" +
             cell["key"].get<std::string>() + "';"});
    ASSERT_EQ(q.exit_code, 0) << q.output;
    if (cell["column"] == "") {
      EXPECT_EQ(q.output, cell["observed"] == true ? "1\n" : "0\n")
          << "the replayed minimal image must show the loss";
    }
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  CommandResult explain = RunCommand(
      {BinDir() + "/crashlab", "explain", Out("min"), "--finding", "F1"});
  ASSERT_EQ(explain.exit_code, 0) << explain.output;
  EXPECT_NE(explain.output.find("not persisted"), std::string::npos)
      << explain.output;
  EXPECT_NE(explain.output.find("acknowledged at #"), std::string::npos);
  CommandResult missing = RunCommand(
      {BinDir() + "/crashlab", "explain", Out("min"), "--finding", "F999"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
}

}  // namespace
}  // namespace crashlab
