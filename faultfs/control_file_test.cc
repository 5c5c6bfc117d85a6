#include "faultfs/control_file.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "tests/test_util.h"

namespace crashlab::faultfs {
namespace {

class FaultfsControlFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recorder = Recorder::Create(dir_.Sub("trace.bin"), "base", BaseTree{});
    ASSERT_TRUE(recorder.ok()) << recorder.status().ToString();
    recorder_ = std::move(*recorder);
  }

  std::vector<Record> Records() {
    EXPECT_TRUE(recorder_->Close().ok());
    auto trace = ReadTrace(dir_.Sub("trace.bin"));
    EXPECT_TRUE(trace.ok());
    return std::vector<Record>(trace->records.begin() + trace->first_op,
                               trace->records.end());
  }

  TempDir dir_;
  std::unique_ptr<Recorder> recorder_;
};

TEST_F(FaultfsControlFileTest, MarkAppendsALabelledRecord) {
  ControlFile control(recorder_.get());
  EXPECT_EQ(control.Execute("mark ack 1 of 2\n", 99), 0);
  EXPECT_EQ(control.Execute("mark no-newline", 98), 0);
  auto records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].op, Op::kMark);
  EXPECT_EQ(records[0].data, "ack 1 of 2");
  EXPECT_EQ(records[0].pid, 99u);
  EXPECT_EQ(records[1].data, "no-newline");
}

TEST_F(FaultfsControlFileTest, FlushWritesTheTrace) {
  ControlFile control(recorder_.get());
  ASSERT_EQ(control.Execute("mark before-flush\n", 1), 0);
  ASSERT_EQ(control.Execute("flush\n", 1), 0);
  // Readable while the recorder is still open.
  auto trace = ReadTrace(dir_.Sub("trace.bin"));
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->records.size(), 2u);
  EXPECT_EQ(trace->records[1].data, "before-flush");
}

TEST_F(FaultfsControlFileTest, BadCommandsAreInvalid) {
  ControlFile control(recorder_.get());
  EXPECT_EQ(control.Execute("bogus\n", 1), EINVAL);
  EXPECT_EQ(control.Execute("mark \n", 1), EINVAL);
  EXPECT_EQ(control.Execute("mark\n", 1), EINVAL);
  EXPECT_EQ(control.Execute("mark a\nmark b\n", 1), EINVAL);
  EXPECT_EQ(control.Execute("", 1), EINVAL);
  EXPECT_TRUE(Records().empty());
}

TEST_F(FaultfsControlFileTest, StatusLineCountsRecords) {
  ControlFile control(recorder_.get());
  EXPECT_EQ(control.StatusLine(), "{\"records\":1}\n");  // the kBase record
  ASSERT_EQ(control.Execute("mark x", 1), 0);
  EXPECT_EQ(control.StatusLine(), "{\"records\":2}\n");
  struct stat st = control.Attributes();
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 0);
}

}  // namespace
}  // namespace crashlab::faultfs
