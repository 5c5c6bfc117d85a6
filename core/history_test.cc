#include "core/history.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace crashlab {
namespace {

TEST(HistoryTest, EventsRoundTripThroughJsonl) {
  TempDir dir;
  const std::string path = dir.Sub("history.jsonl");
  History h;
  h.Add({.type = EventType::kInvoke, .process = 0, .f = "login",
         .value = {{"user", "u1"}}, .time_ns = 10, .op = 3});
  h.Add({.type = EventType::kFail, .process = 0, .f = "login",
         .value = {{"user", "u1"}}, .time_ns = 20, .op = 3,
         .error = "SQLITE_BUSY"});
  {
    auto w = HistoryWriter::Create(path);
    ASSERT_TRUE(w.ok());
    for (const auto& e : h.events()) ASSERT_TRUE((*w)->Write(e).ok());
  }
  auto back = History::ReadJsonl(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->events().size(), 2u);
  EXPECT_EQ(back->events()[1].type, EventType::kFail);
  EXPECT_EQ(back->events()[1].index, 1u);
  EXPECT_EQ(back->events()[1].error, "SQLITE_BUSY");
  EXPECT_EQ(back->events()[0].value["user"], "u1");
}

TEST(HistoryTest, BadLinesAreRejectedWithTheirNumber) {
  auto h = History::ParseJsonl(
      "{\"type\":\"invoke\",\"process\":0,\"f\":\"x\"}\nnot json\n");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kBadInput);
  EXPECT_NE(h.status().message().find("line 2"), std::string::npos);
  auto t = History::ParseJsonl("{\"type\":\"maybe\",\"process\":0,\"f\":\"x\"}");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("maybe"), std::string::npos);
}

TEST(HistoryTest, WriterRefusesToOverwrite) {
  TempDir dir;
  const std::string path = dir.Sub("h.jsonl");
  ASSERT_TRUE(WriteStringToFile(path, "keep").ok());
  EXPECT_FALSE(HistoryWriter::Create(path).ok());
}

}  // namespace
}  // namespace crashlab
