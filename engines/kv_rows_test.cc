// Unit tests of the key-value row encoding and op planning shared by the
// LevelDB and LMDB drivers, against core's sequential model.
#include "engines/kv_rows.h"

#include <gtest/gtest.h>

#include "engines/engine_test_util.h"
#include "workloads/auth.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT
using nlohmann::json;

// An in-memory ordered store: (table, key) -> stored value.
class MemStore {
 public:
  DriverReply Apply(const Schema& schema, const std::vector<Mutation>& ms) {
    KvPlan plan;
    DriverReply r = Plan(schema, ms, &plan);
    if (r.ok) Write(plan);
    return r;
  }
  // PlanKvOp reading this store.
  DriverReply Plan(const Schema& schema, const std::vector<Mutation>& ms,
                   KvPlan* plan) {
    return PlanKvOp(
        schema, ms,
        [this](const std::string& t, const std::string& k,
               std::optional<std::string>* v) {
          ++reads_;
          auto it = data_.find({t, k});
          if (it == data_.end()) {
            v->reset();
          } else {
            *v = it->second;
          }
          return DriverReply::Ok();
        },
        plan);
  }
  void Write(const KvPlan& plan) {
    for (const auto& [id, w] : plan) {
      if (w.value) {
        data_[id] = *w.value;
      } else {
        data_.erase(id);
      }
    }
  }
  Rows ToRows(const Schema& schema) const {
    Rows rows;
    for (const auto& t : schema.tables) rows[t.name];
    for (const auto& [id, value] : data_) {
      auto row = DecodeKvRow(*schema.Find(id.first), id.second, value);
      EXPECT_TRUE(row.ok()) << row.status().message();
      rows[id.first][id.second] = *row;
    }
    return rows;
  }
  int reads() const { return reads_; }

 private:
  std::map<std::pair<std::string, std::string>, std::string> data_;
  int reads_ = 0;
};

TEST(KvRowsTest, SampleOpsGiveSampleRows) {
  const Schema schema = AuthSchema();
  MemStore store;
  for (const auto& op : SampleOps()) {
    const DriverReply r = store.Apply(schema, op.mutations);
    EXPECT_TRUE(r.ok) << "op " << op.id << ": " << r.message;
  }
  EXPECT_EQ(store.ToRows(schema), SampleRows());
}

// A seeded auth workload through PlanKvOp lands exactly where core's
// ApplyMutation does, op after op.
TEST(KvRowsTest, AuthWorkloadMatchesTheModel) {
  AuthWorkload workload(/*seed=*/11);
  const Schema& schema = workload.schema();
  MemStore store;
  Rows model;
  for (const auto& t : schema.tables) model[t.name];
  for (int i = 0; i < 400; ++i) {
    const LogicalOp op = workload.Next();
    const DriverReply r = store.Apply(schema, op.mutations);
    ASSERT_TRUE(r.ok) << op.f << ": " << r.message;
    for (const auto& m : op.mutations) ApplyMutation(schema, m, &model);
    workload.Complete(op, true);
    ASSERT_EQ(store.ToRows(schema), model) << "after op " << op.id;
  }
}

// The bytes PlanKvOp writes are EncodeKvRow of the model's row, key
// column included and dropped by the encoding: planning holds rows without
// their key (no copy per write), and what a store holds must not change.
TEST(KvRowsTest, PlannedValuesAreTheModelRowsEncoded) {
  AuthWorkload workload(/*seed=*/5);
  const Schema& schema = workload.schema();
  MemStore store;
  Rows model;
  for (const auto& t : schema.tables) model[t.name];
  size_t writes = 0;
  for (int i = 0; i < 300; ++i) {
    const LogicalOp op = workload.Next();
    KvPlan plan;
    const DriverReply r = store.Plan(schema, op.mutations, &plan);
    ASSERT_TRUE(r.ok) << op.f << ": " << r.message;
    for (const auto& m : op.mutations) ApplyMutation(schema, m, &model);
    workload.Complete(op, true);
    for (const auto& [id, w] : plan) {
      const auto& rows = model[id.first];
      const auto row = rows.find(id.second);
      ASSERT_EQ(w.value.has_value(), row != rows.end()) << id.second;
      if (!w.value) continue;
      EXPECT_EQ(*w.value, EncodeKvRow(*schema.Find(id.first), row->second));
      ++writes;
    }
    store.Write(plan);
  }
  EXPECT_GT(writes, 300u);
}

// A stored value that names the key column (no crashlab store writes one)
// loses it when its row is rewritten, as decoding and encoding do.
TEST(KvRowsTest, AKeyColumnInAStoredValueIsDropped) {
  const Schema schema = AuthSchema();
  const TableSchema& users = schema.tables[0];
  const std::string stored =
      R"({"failures":1,"locked":false,"name":"other","password":"p"})";
  KvPlan plan;
  const DriverReply r = PlanKvOp(
      schema, {Increment("users", "u", "failures", 2)},
      [&stored](const std::string&, const std::string&,
                std::optional<std::string>* v) {
        *v = stored;
        return DriverReply::Ok();
      },
      &plan);
  ASSERT_TRUE(r.ok) << r.message;
  const KvWrite& w = plan[{"users", "u"}];
  EXPECT_TRUE(w.existed);
  ASSERT_TRUE(w.value.has_value());
  EXPECT_EQ(*w.value, R"({"failures":3,"locked":false,"password":"p"})");
  auto decoded = DecodeKvRow(users, "u", stored);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ((*decoded)["name"], "u");
}

TEST(KvRowsTest, LaterMutationsSeeEarlierOnesOfTheSameOp) {
  const Schema schema = AuthSchema();
  MemStore store;
  ASSERT_TRUE(
      store
          .Apply(
              schema,
              {Insert("users", "u",
                      {{"password", "p"}, {"failures", 1}, {"locked", false}}),
               Increment("users", "u", "failures", 4),
               Update("users", "u", {{"locked", true}})})
          .ok);
  EXPECT_EQ(store.reads(), 1) << "one read per row, then the plan";
  EXPECT_EQ(store.ToRows(schema)["users"]["u"], User("u", "p", 5, true));
  ASSERT_TRUE(
      store
          .Apply(
              schema,
              {Delete("users", "u"),
               Insert("users", "u",
                      {{"password", "q"}, {"failures", 0}, {"locked", false}})})
          .ok);
  EXPECT_EQ(store.ToRows(schema)["users"]["u"], User("u", "q", 0, false));
}

TEST(KvRowsTest, DuplicateInsertFailsTheWholeOpDefinitely) {
  const Schema schema = AuthSchema();
  MemStore store;
  ASSERT_TRUE(store.Apply(schema, SampleOps()[0].mutations).ok);
  const Rows before = store.ToRows(schema);
  const DriverReply r = store.Apply(
      schema,
      {Insert("sessions", "s9", {{"user", "alice"}, {"count", 1}}),
       Insert("users", "alice",
              {{"password", "x"}, {"failures", 0}, {"locked", false}})});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.kind, "constraint");
  EXPECT_EQ(r.definite, true);
  EXPECT_NE(r.message.find("users[alice]"), std::string::npos) << r.message;
  EXPECT_EQ(store.ToRows(schema), before);
}

TEST(KvRowsTest, MutationsOutsideTheSchemaAreProtocolErrors) {
  const Schema schema = AuthSchema();
  MemStore store;
  const std::vector<std::pair<Mutation, std::string>> cases = {
      {Update("nope", "k", {{"a", 1}}), "no table nope"},
      {Update("users", "k", {{"nope", 1}}), "no column nope"},
      {Update("users", "k", {{"failures", "x"}}), "64-bit integer"},
      {Update("users", "k", {{"locked", 1}}), "true or false"},
      {Increment("users", "k", "password", 1), "not int"},
      {Insert("users", "k", {{"password", "p"}}), "missing column"},
  };
  for (const auto& [m, why] : cases) {
    const DriverReply r = store.Apply(schema, {m});
    EXPECT_EQ(r.kind, "protocol") << why;
    EXPECT_EQ(r.definite, true) << why;
    EXPECT_NE(r.message.find(why), std::string::npos) << r.message;
  }
  EXPECT_EQ(store.reads(), 0) << "validated before any read";
}

TEST(KvRowsTest, EncodingKeepsValuesAsStored) {
  const Schema schema = AuthSchema();
  const TableSchema& users = schema.tables[0];
  const std::string key("k\0ey", 4);
  const json row = User(key, "p\u00fc", -9007199254740993LL, true);
  const std::string stored = EncodeKvRow(users, row);
  EXPECT_EQ(stored.find("\"name\""), std::string::npos) << "key not stored";
  auto back = DecodeKvRow(users, key, stored);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, row);
  // A wrong type is reported as it is; a value that is no object is an error.
  auto odd = DecodeKvRow(users, "a", R"({"failures":"seven"})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ((*odd)["failures"], "seven");
  auto bad = DecodeKvRow(users, "a", "\x01garbage");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("users[a]"), std::string::npos);
}

TEST(KvRowsTest, ReadErrorsFailTheOpDefinitely) {
  const Schema schema = AuthSchema();
  KvPlan plan;
  const DriverReply r = PlanKvOp(
      schema, {Increment("users", "u", "failures", 1)},
      [](const std::string&, const std::string&, std::optional<std::string>*) {
        return DriverReply::Error("corrupt", "Corruption: block checksum");
      },
      &plan);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.kind, "corrupt");
  EXPECT_EQ(r.definite, true);
}

TEST(KvRowsTest, BoolSettings) {
  EXPECT_EQ(ParseBoolSetting("true"), true);
  EXPECT_EQ(ParseBoolSetting("false"), false);
  EXPECT_EQ(ParseBoolSetting("TRUE"), std::nullopt);
  EXPECT_EQ(ParseBoolSetting("1"), std::nullopt);
}

TEST(KvRowsTest, PrefixedKeysSplitAtTheFirstNul) {
  const Schema schema = AuthSchema();
  const std::string raw = PrefixedKvKey("users", std::string("a\0b", 3));
  EXPECT_EQ(raw, std::string("users\0a\0b", 9));
  std::string key;
  const TableSchema* t = SplitPrefixedKvKey(schema, raw, &key);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "users");
  EXPECT_EQ(key, std::string("a\0b", 3));
  EXPECT_EQ(SplitPrefixedKvKey(schema, "users", &key), nullptr);  // no NUL
  EXPECT_EQ(SplitPrefixedKvKey(schema, std::string("nope\0k", 6), &key),
            nullptr);
}

}  // namespace
}  // namespace crashlab
