#include "core/trace.h"

#include <gtest/gtest.h>

#include <set>

#include "core/files.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

std::vector<Record> SampleRecords() {
  Record base{.op = Op::kBase, .data = "base"};
  Record entry{.op = Op::kBaseEntry, .file = 2, .parent = kRootId,
               .mode = 0100644, .name = "db"};
  Record create{.op = Op::kCreate, .time_ns = 5, .pid = 42, .file = 3,
                .parent = kRootId, .mode = 0100600, .name = "db-wal"};
  Record write{.op = Op::kWrite, .time_ns = 6, .file = 3, .offset = 4096,
               .data = std::string("\0\1\2page", 7)};
  Record rename{.op = Op::kRename, .file = 3, .parent = kRootId,
                .new_parent = kRootId, .other = 2, .flags = 1,
                .name = "a", .new_name = "b"};
  Record mark{.op = Op::kMark, .data = "ok:7"};
  return {base, entry, create, write, rename, mark};
}

TEST(TraceTest, PayloadRoundTripsEveryField) {
  for (const Record& r : SampleRecords()) {
    Record back;
    std::string why;
    ASSERT_TRUE(DecodePayload(EncodePayload(r), &back, &why)) << why;
    EXPECT_EQ(back, r);
  }
}

TEST(TraceTest, WriterAndReaderAgree) {
  TempDir dir;
  const std::string path = dir.path() + "/trace.bin";
  auto w = TraceWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (const Record& r : SampleRecords()) (*w)->Append(r);
  ASSERT_TRUE((*w)->Close().ok());

  auto t = ReadTrace(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->tail.clean);
  EXPECT_EQ(t->records, SampleRecords());
  EXPECT_EQ(t->base_dir, "base");
  EXPECT_EQ(t->first_op, 2u);
}

TEST(TraceTest, CreateRefusesToOverwrite) {
  TempDir dir;
  const std::string path = dir.path() + "/trace.bin";
  ASSERT_TRUE(WriteStringToFile(path, "precious").ok());
  EXPECT_FALSE(TraceWriter::Create(path).ok());
  EXPECT_EQ(*ReadFileToString(path), "precious");
}

std::string EncodedSample() {
  TempDir dir;
  const std::string path = dir.path() + "/t";
  auto w = TraceWriter::Create(path);
  for (const Record& r : SampleRecords()) (*w)->Append(r);
  (void)(*w)->Close();
  return *ReadFileToString(path);
}

TEST(TraceTest, TornTailStopsAtLastGoodRecord) {
  const std::string bytes = EncodedSample();
  std::set<size_t> boundaries = {16};
  for (const Record& r : SampleRecords()) {
    boundaries.insert(*boundaries.rbegin() + 8 + EncodePayload(r).size());
  }
  // Cut every possible length: never a crash, always a prefix of records,
  // and a clean tail only where the cut falls between records.
  for (size_t len = 16; len < bytes.size(); ++len) {
    auto t = ParseTrace(std::string_view(bytes).substr(0, len));
    ASSERT_TRUE(t.ok());
    auto all = SampleRecords();
    ASSERT_LE(t->records.size(), all.size());
    for (size_t i = 0; i < t->records.size(); ++i) {
      EXPECT_EQ(t->records[i], all[i]);
    }
    EXPECT_EQ(t->tail.clean, boundaries.count(len) == 1) << "len " << len;
    if (!t->tail.clean) {
      EXPECT_GE(t->tail.offset, 16u);
      EXPECT_LE(t->tail.offset, len);
    }
  }
}

TEST(TraceTest, FlippedByteIsReportedWithItsRecordOffset) {
  std::string bytes = EncodedSample();
  auto clean = ParseTrace(bytes);
  ASSERT_TRUE(clean.ok());
  // Flip a byte inside the write record's data (the 4th record).
  const size_t where = bytes.find("page");
  ASSERT_NE(where, std::string::npos);
  bytes[where] ^= 0x40;
  auto t = ParseTrace(bytes);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->tail.clean);
  EXPECT_EQ(t->records.size(), 3u);
  EXPECT_EQ(t->tail.problem, "record checksum mismatch");
  EXPECT_LT(t->tail.offset, where);
}

TEST(TraceTest, RejectsWhatIsNotATrace) {
  EXPECT_EQ(ParseTrace("hello world, not a trace").status().code(),
            Code::kBadInput);
  std::string bytes = EncodedSample();
  bytes[8] = 9;  // version 9
  auto t = ParseTrace(bytes);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("version 9"), std::string::npos);
}

TEST(TraceTest, DecodeRejectsUnknownOpAndTrailingBytes) {
  std::string p = EncodePayload(SampleRecords()[3]);
  Record r;
  std::string why;
  std::string bad_op = p;
  bad_op[0] = 99;
  EXPECT_FALSE(DecodePayload(bad_op, &r, &why));
  EXPECT_FALSE(DecodePayload(p + "x", &r, &why));
  EXPECT_FALSE(DecodePayload(p.substr(0, p.size() - 1), &r, &why));
}

TEST(TraceTest, OpNamesRoundTrip) {
  for (uint8_t i = 1; i <= kMaxOp; ++i) {
    Op op;
    ASSERT_TRUE(OpFromName(OpName(static_cast<Op>(i)), &op));
    EXPECT_EQ(static_cast<uint8_t>(op), i);
  }
}

TEST(TraceTest, RecordToJsonShowsWriteHead) {
  std::string line = RecordToJson(SampleRecords()[3], 3);
  EXPECT_NE(line.find("\"op\":\"write\""), std::string::npos);
  EXPECT_NE(line.find("\"length\":7"), std::string::npos);
  EXPECT_NE(line.find("\"head\":\"00010270616765\""), std::string::npos);
}

}  // namespace
}  // namespace crashlab
