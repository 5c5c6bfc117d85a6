// The Skytable transaction client against a scripted skyd: which statements
// a mop sends, the outcome rules without transactions, and torn reads.
#include "engines/skytable/skytable_txn.h"

#include <gtest/gtest.h>

#include <deque>

#include "core/history.h"

namespace crashlab {
namespace {

using skyhash::Cell;
using skyhash::CellType;
using skyhash::Response;

Response Empty() { return Response{}; }
Response Error(uint16_t code) {
  Response r;
  r.kind = Response::Kind::kError;
  r.error = code;
  return r;
}
Response Row(std::vector<int64_t> values) {
  Response r;
  r.kind = Response::Kind::kRow;
  for (int64_t v : values) {
    Cell c;
    c.type = CellType::kS64;
    c.i = v;
    r.row.push_back(c);
  }
  return r;
}

// Answers statements from a script, recording what was asked.
struct Script {
  std::deque<Response> replies;
  std::vector<std::string> asked;
  StatementSender Sender() {
    return [this](const blueql::Statement& s) -> Result<Response> {
      asked.push_back(s.query);
      if (replies.empty()) return Status::Engine("connection closed");
      Response r = replies.front();
      replies.pop_front();
      return r;
    };
  }
};

TxnRequest Registers(std::vector<TxnMop> mops) {
  return {TxnWorkload::kRwRegister, std::move(mops)};
}
TxnMop Write(int64_t k, int64_t v) { return {TxnMop::Fn::kWrite, k, v}; }
TxnMop Read(int64_t k) { return {TxnMop::Fn::kRead, k, 0}; }

TEST(SkytableTxnClient, WriteUpdatesThenInsertsANewRow) {
  Script s;
  s.replies = {Error(skyhash::kErrRowNotFound), Empty(), Row({7, 7, 7})};
  auto client = MakeSkytableTxnClient(s.Sender());
  const TxnResult r = client->Transact(Registers({Write(3, 7), Read(3)}));
  ASSERT_EQ(r.outcome, ApplyResult::Outcome::kOk) << r.error;
  ASSERT_EQ(s.asked.size(), 3u);
  EXPECT_EQ(s.asked[0], "update txn.registers set v1 = ?, v2 = ?, v3 = ? where k = ?");
  EXPECT_EQ(s.asked[1], "insert into txn.registers(?, ?, ?, ?)");
  ASSERT_EQ(r.reads.size(), 2u);
  EXPECT_EQ(r.reads[1], std::vector<int64_t>{7});
}

TEST(SkytableTxnClient, AMissingRowReadsAsNil) {
  Script s;
  s.replies = {Error(skyhash::kErrRowNotFound)};
  const TxnResult r = MakeSkytableTxnClient(s.Sender())->Transact(Registers({Read(9)}));
  ASSERT_EQ(r.outcome, ApplyResult::Outcome::kOk);
  EXPECT_FALSE(r.reads[0].has_value());
}

// A row whose three columns disagree was read half-old, half-new.
TEST(SkytableTxnClient, AReadWhoseColumnsDisagreeIsATornRead) {
  Script s;
  s.replies = {Row({4, 4, 5})};
  const TxnResult r = MakeSkytableTxnClient(s.Sender())->Transact(Registers({Read(2)}));
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kInfo);
  EXPECT_EQ(r.error.rfind(kTornReadError, 0), 0u) << r.error;
  EXPECT_NE(r.error.find("4, 4, 5"), std::string::npos) << r.error;
}

TEST(SkytableTxnClient, NoTransactionsMeansLaterFailuresAreUnknown) {
  Script first;
  first.replies = {Error(5)};  // permission: refused, nothing applied
  EXPECT_EQ(MakeSkytableTxnClient(first.Sender())->Transact(Registers({Write(1, 1)})).outcome,
            ApplyResult::Outcome::kFail);
  Script later;
  later.replies = {Empty(), Error(5)};  // the first write stays applied
  const TxnResult r = MakeSkytableTxnClient(later.Sender())
                          ->Transact(Registers({Write(1, 2), Write(2, 2)}));
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kInfo);
  EXPECT_NE(r.error.find("no transactions"), std::string::npos) << r.error;
  Script lost;  // the connection dies: the statement may have applied
  EXPECT_EQ(MakeSkytableTxnClient(lost.Sender())->Transact(Registers({Write(1, 3)})).outcome,
            ApplyResult::Outcome::kInfo);
}

TEST(SkytableTxnClient, AppendCreatesTheListOnce) {
  Script s;
  s.replies = {Error(skyhash::kErrRowNotFound), Error(skyhash::kErrDuplicate), Empty()};
  const TxnResult r = MakeSkytableTxnClient(s.Sender())->Transact(
      {TxnWorkload::kListAppend, {{TxnMop::Fn::kAppend, 4, 11}}});
  ASSERT_EQ(r.outcome, ApplyResult::Outcome::kOk) << r.error;
  ASSERT_EQ(s.asked.size(), 3u);
  EXPECT_EQ(s.asked[1], "insert into txn.lists(?, [])");
  EXPECT_EQ(s.asked[2], "update txn.lists set l += ? where k = ?");
}

}  // namespace
}  // namespace crashlab
