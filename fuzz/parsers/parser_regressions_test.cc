// The parser fuzzers' seed corpora are real files that parse, and the
// crashes the fuzzers found stay fixed (one test per crash, named after it).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "core/fault_plan.h"
#include "core/files.h"
#include "core/history.h"
#include "core/trace.h"
#include "reports/report.h"

namespace crashlab {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Seeds(const std::string& target) {
  std::vector<std::string> out;
  const fs::path dir = fs::path(CRASHLAB_SOURCE_DIR) / "fuzz/corpus" / target;
  for (const auto& e : fs::directory_iterator(dir)) {
    auto bytes = ReadFileToString(e.path().string());
    EXPECT_TRUE(bytes.ok()) << e.path();
    if (bytes.ok()) out.push_back(*bytes);
  }
  EXPECT_FALSE(out.empty()) << target;
  return out;
}

TEST(ParserCorpusTest, RawTraceSeedsAreRealTraces) {
  size_t raw = 0;
  for (const std::string& seed : Seeds("trace_fuzzer")) {
    if (seed.empty() || !(seed[0] & 1)) continue;  // framed payload lists
    ++raw;
    auto trace = ParseTrace(std::string_view(seed).substr(1));
    ASSERT_TRUE(trace.ok()) << trace.status().ToString();
    EXPECT_GT(trace->records.size(), trace->first_op);
  }
  EXPECT_GE(raw, 2u);
}

TEST(ParserCorpusTest, HistoryAndReportSeedsParse) {
  for (const std::string& seed : Seeds("history_fuzzer")) {
    auto h = History::ParseJsonl(seed);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    EXPECT_FALSE(h->events().empty());
  }
  for (const std::string& seed : Seeds("report_fuzzer")) {
    auto r = Report::FromJson(nlohmann::json::parse(seed));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
}

TEST(ParserCorpusTest, FaultPlanSeedsParse) {
  static const char* kNames[] = {"", "plan.json", "plan.toml"};
  for (const std::string& seed : Seeds("fault_plan_fuzzer")) {
    ASSERT_FALSE(seed.empty());
    const std::string_view text = std::string_view(seed).substr(1);
    const int mode = static_cast<unsigned char>(seed[0]) % 4;
    if (mode == 3) {
      EXPECT_TRUE(ParseLazyFsLine(text, 0).ok()) << text;
    } else {
      auto plan = ParseFaultPlan(text, kNames[mode]);
      EXPECT_TRUE(plan.ok()) << plan.status().ToString() << "\n" << text;
    }
  }
}

// Crashes the parser fuzzers found; each bug is fixed and its test stays
// as the regression test.

// fault_plan_fuzzer: a LazyFS FIFO line whose value holds bytes that are
// not UTF-8 made an error message of core/fault_plan_lazyfs.cc call
// json::dump(), which throws nlohmann type_error 316; the exception
// escaped ParseLazyFsLine and terminated the process. It must be BadInput.
TEST(ParserRegressionTest, FaultPlanLazyFsLineWithInvalidUtf8) {
  const std::string line =
      "lazyfs::crash::timing=before::op=write\xff\xff\xff::from_rgx=.*::"
      "occurrence=3";
  Result<LazyFsCommand> parsed = Status::BadInput("not run");
  EXPECT_NO_THROW(parsed = ParseLazyFsLine(line, 0));
  EXPECT_FALSE(parsed.ok());
}

// fault_plan_fuzzer: ParseJsonPlan (core/fault_plan.cc) catches only
// json::parse_error around json::parse, but a number too large for a
// double ("1e5000") throws json::out_of_range (406, "number overflow"),
// which escaped ParseFaultPlan and terminated the process.
TEST(ParserRegressionTest, FaultPlanJsonWithAnOverflowingNumber) {
  Result<FaultPlan> parsed = Status::BadInput("not run");
  EXPECT_NO_THROW(parsed = ParseFaultPlan(R"({"seed": 1e5000})", "plan.json"));
  EXPECT_FALSE(parsed.ok());
}

// history_fuzzer: Event::FromJson (core/history.cc) reads "time" (and
// "process", "index", "op") with get<uint64_t>(), which converts a float
// such as 2.5e52 (any integer literal too long for 64 bits parses as one)
// to uint64_t: undefined behaviour (UBSan: "outside the range of
// representable values"). It must be BadInput.
TEST(ParserRegressionTest, HistoryEventWithAnOutOfRangeTime) {
  const std::string line =
      R"({"f":"signup","index":0,"op":1,"process":0,"type":"invoke",)"
      R"("time":25555555555555555555555555555555555555555555555555555})";
  EXPECT_FALSE(History::ParseJsonl(line).ok());
}

// fault_plan_fuzzer: a LazyFS FIFO line whose regex holds bytes that are
// not UTF-8 parsed into a plan that could not be written as JSON (the
// control socket and `faults --check` do that): json::dump() threw.
TEST(ParserRegressionTest, FaultPlanWithARegexThatIsNotUtf8) {
  const std::string line =
      "lazyfs::crash::timing=before::op=write::from_rgx=.*\\.w\xb4\x93";
  auto plan = ParseFaultPlan(line, "");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("not valid UTF-8"), std::string::npos)
      << plan.status().message();
}

// report_fuzzer: Report::FromJson converted a float such as 1e21 in a
// count field to uint64_t: undefined behaviour. It must be BadInput.
TEST(ParserRegressionTest, ReportWithAFractionInACountField) {
  auto text = ReadFileToString(std::string(CRASHLAB_SOURCE_DIR) +
                               "/fuzz/corpus/report_fuzzer/sqlite-pass.json");
  ASSERT_TRUE(text.ok());
  nlohmann::json j = nlohmann::json::parse(*text);
  ASSERT_TRUE(Report::FromJson(j).ok());
  j["summary"]["ops_invoked"] = 1e21;
  auto r = Report::FromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/summary/ops_invoked"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace crashlab
