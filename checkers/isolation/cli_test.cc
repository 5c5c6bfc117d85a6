#include "checkers/isolation/cli.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "checkers/isolation/isolation_test_util.h"
#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

struct CliRun {
  int code;
  std::string out, err;
};

std::string Slurp(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

CliRun Main(const std::vector<std::string>& args) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  const int code = IsolationMain(args, out, err);
  return {code, Slurp(out), Slurp(err)};
}

std::string ReadSkew() {
  HistoryBuilder b;
  int t1 = b.Begin(0), t2 = b.Begin(1);
  b.End(t2, "[[:append :x 1] [:append :y 1]]");
  b.End(t1, "[[:r :x []] [:r :y [1]]]");
  return b.edn();
}

TEST(IsolationCli, ValidHistoryExitsZero) {
  TempDir dir;
  HistoryBuilder b;
  b.Txn(0, "[[:append :x 1]]").Txn(1, "[[:r :x [1]]]");
  ASSERT_TRUE(WriteStringToFile(dir.Sub("h.edn"), b.edn()).ok());
  CliRun r = Main({dir.Sub("h.edn"), "--realtime"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: valid"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strict-serializable"), std::string::npos) << r.out;
}

TEST(IsolationCli, AnomaliesExitOneAndWriteTheJsonSection) {
  TempDir dir;
  ASSERT_TRUE(WriteStringToFile(dir.Sub("h.txt"), ReadSkew()).ok());
  CliRun r = Main({dir.Sub("h.txt"), "--format", "edn", "--out", dir.Sub("i.json"),
                "--export-edn", dir.Sub("e.edn"), "--export-jsonl",
                dir.Sub("e.jsonl")});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("G-single"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(rw)"), std::string::npos) << r.out;
  auto json = ReadFileToString(dir.Sub("i.json"));
  ASSERT_TRUE(json.ok());
  const auto j = nlohmann::json::parse(*json);
  EXPECT_EQ(j["schema"], kIsolationSchemaId);
  EXPECT_EQ(j["anomaly_types"], nlohmann::json({"G-single"}));
  // The exports are histories the command accepts again, with one verdict.
  for (const char* name : {"e.edn", "e.jsonl"}) {
    CliRun again = Main({dir.Sub(name), "--quiet"});
    EXPECT_EQ(again.code, 1) << name << again.err;
    EXPECT_TRUE(again.out.empty());
  }
}

TEST(IsolationCli, BadInputAndUsageExitTwo) {
  TempDir dir;
  ASSERT_TRUE(WriteStringToFile(dir.Sub("bad.edn"),
                                "{:type :invoke, :f :txn, :process 0}\n"
                                "{:type :ok, :f :txn, :value [[:r :x [1 2]]\n")
                  .ok());
  CliRun r = Main({dir.Sub("bad.edn")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("line 2, column"), std::string::npos) << r.err;
  EXPECT_EQ(Main({}).code, 2);
  EXPECT_EQ(Main({dir.Sub("bad.edn"), "--format", "xml"}).code, 2);
  EXPECT_EQ(Main({dir.Sub("bad.edn"), "--bogus"}).code, 2);
  EXPECT_EQ(Main({dir.Sub("missing.edn")}).code, 2);
  EXPECT_EQ(Main({dir.Sub("bad.edn"), "--max-examples", "x"}).code, 2);
  HistoryBuilder dup;
  dup.Txn(0, "[[:append :x 1]]").Txn(1, "[[:append :x 1]]");
  ASSERT_TRUE(WriteStringToFile(dir.Sub("dup.edn"), dup.edn()).ok());
  CliRun u = Main({dir.Sub("dup.edn")});
  EXPECT_EQ(u.code, 2) << "nothing could be judged";
  EXPECT_NE(u.out.find("verdict: unknown"), std::string::npos);
}

TEST(IsolationCli, HistoryAssumptionsAndSearchBudgetAreFlags) {
  TempDir dir;
  HistoryBuilder b;  // x = 1, x = 2, then x read as 1, one after another
  b.Txn(0, "[[:w :x 1]]").Txn(1, "[[:w :x 2]]").Txn(2, "[[:r :x 1]]");
  ASSERT_TRUE(WriteStringToFile(dir.Sub("h.edn"), b.edn()).ok());
  EXPECT_EQ(Main({dir.Sub("h.edn"), "--realtime"}).code, 0);
  EXPECT_EQ(Main({dir.Sub("h.edn"), "--sequential-keys"}).code, 0)
      << "three processes";
  CliRun r = Main({dir.Sub("h.edn"), "--linearizable-keys", "--out",
                   dir.Sub("i.json")});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("G0"), std::string::npos) << r.out;
  auto j = nlohmann::json::parse(*ReadFileToString(dir.Sub("i.json")));
  EXPECT_EQ(j["options"]["linearizable_keys"], true);
  EXPECT_EQ(j["options"]["sequential_keys"], false);
  r = Main({dir.Sub("h.edn"), "--search-budget", "1000"});
  EXPECT_EQ(r.code, 0) << r.err;
  r = Main({dir.Sub("h.edn"), "--search-budget", "0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--search-budget needs a positive number"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace crashlab
