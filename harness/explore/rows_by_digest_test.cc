// RowsByDigest with the real drivers (SQLite, LevelDB, LMDB): a second
// image holding the same rows is answered without a dump and shares the
// first one's observation; different rows are dumped; a digest that
// disagrees with its rows is never kept.
#include "harness/explore/rows_by_digest.h"

#include <gtest/gtest.h>

#include "core/files.h"
#include "core/rows_digest.h"
#include "engines/engine_test_util.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT

class IntegrationRowsByDigest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto e = MakeEngine(GetParam(), {}, TestEnv());
    ASSERT_TRUE(e.ok()) << e.status().message();
    engine_ = std::move(*e);
    ASSERT_TRUE(MakeDirs(tmp_.Sub("data")).ok());
    ASSERT_TRUE(engine_->Init(tmp_.Sub("data"), AuthSchema()).ok());
    Apply(SampleOps());
  }

  void Apply(const std::vector<LogicalOp>& ops) {
    auto session = engine_->Open(tmp_.Sub("data"), AuthSchema());
    ASSERT_TRUE(session.ok()) << session.status().message();
    for (const LogicalOp& op : ops) {
      EXPECT_EQ((*session)->Apply(op).outcome, ApplyResult::Outcome::kOk);
    }
    ASSERT_TRUE((*session)->Close().ok());
  }

  // A fresh copy of the data directory (recovery may change an image).
  std::string Image() {
    const std::string dir = tmp_.Sub("image" + std::to_string(++images_));
    EXPECT_TRUE(CopyTree(tmp_.Sub("data"), dir).ok());
    return dir;
  }

  TempDir tmp_;
  std::unique_ptr<Engine> engine_;
  int images_ = 0;
};

TEST_P(IntegrationRowsByDigest, SameRowsShareOneObservation) {
  RowsByDigest store(8);
  const auto first = store.Recover(*engine_, Image(), AuthSchema());
  ASSERT_EQ(first->outcome, Observation::Outcome::kOk) << first->message;
  ASSERT_FALSE(first->rows.at("users").empty());
  EXPECT_EQ(store.hits(), 0u);

  const auto again = store.Recover(*engine_, Image(), AuthSchema());
  EXPECT_EQ(again, first) << "the same rows: no dump, the same observation";
  EXPECT_EQ(store.hits(), 1u);
  EXPECT_EQ(store.refused(), 0u) << "the driver's digest is crashlab's";

  Apply({Op(90, "register",
            {Insert("users", "zed",
                    {{"password", "p"}, {"failures", 0}, {"locked", false}})})});
  const auto changed = store.Recover(*engine_, Image(), AuthSchema());
  EXPECT_NE(changed, first);
  EXPECT_EQ(store.hits(), 1u);
  EXPECT_EQ(changed->rows.at("users").count("zed"), 1u);
  const Recovery plain = engine_->Recover(Image(), AuthSchema());
  ASSERT_EQ(plain.stage, Recovery::Stage::kOk) << plain.message;
  EXPECT_EQ(changed->rows, plain.rows);
  EXPECT_EQ(changed->engine_check, plain.engine_check);
}

INSTANTIATE_TEST_SUITE_P(Drivers, IntegrationRowsByDigest,
                         ::testing::Values("sqlite", "leveldb", "lmdb"));

Observation Seen(const std::string& user) {
  Observation o;
  o.rows["users"][user] = {{"name", user}};
  return o;
}

TEST(RowsByDigestTest, ADigestThatDisagreesWithTheRowsIsNotKept) {
  RowsByDigest store(8);
  auto seen = std::make_shared<const Observation>(Seen("al"));
  store.Keep(DigestOfRows(Seen("bo").rows), seen);
  EXPECT_EQ(store.refused(), 1u);
  EXPECT_EQ(store.Find(DigestOfRows(Seen("bo").rows), "ok"), nullptr);
  EXPECT_EQ(store.Find(DigestOfRows(seen->rows), "ok"), nullptr);
  store.Keep(DigestOfRows(seen->rows), seen);
  EXPECT_EQ(store.Find(DigestOfRows(seen->rows), "ok"), seen);
  EXPECT_EQ(store.Find(DigestOfRows(seen->rows), "1 error"), nullptr)
      << "the engine's check is part of what is known";
}

TEST(RowsByDigestTest, KeepsTheMostRecentlyUsed) {
  RowsByDigest store(2);
  std::vector<std::shared_ptr<const Observation>> seen;
  for (const char* u : {"a", "b", "c"}) {
    seen.push_back(std::make_shared<const Observation>(Seen(u)));
  }
  store.Keep(DigestOfRows(seen[0]->rows), seen[0]);
  store.Keep(DigestOfRows(seen[1]->rows), seen[1]);
  ASSERT_NE(store.Find(DigestOfRows(seen[0]->rows), "ok"), nullptr);
  store.Keep(DigestOfRows(seen[2]->rows), seen[2]);  // evicts b, not a
  EXPECT_NE(store.Find(DigestOfRows(seen[0]->rows), "ok"), nullptr);
  EXPECT_EQ(store.Find(DigestOfRows(seen[1]->rows), "ok"), nullptr);
  EXPECT_NE(store.Find(DigestOfRows(seen[2]->rows), "ok"), nullptr);
}

}  // namespace
}  // namespace crashlab
