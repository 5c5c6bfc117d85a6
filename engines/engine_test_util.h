// Helpers for engine tests: a two-table auth schema and LogicalOp builders.
#ifndef CRASHLAB_ENGINES_ENGINE_TEST_UTIL_H_
#define CRASHLAB_ENGINES_ENGINE_TEST_UTIL_H_

#include <sys/stat.h>

#include <string>
#include <utility>
#include <vector>

#include "core/data_model.h"
#include "core/files.h"
#include "engines/engine.h"
#include "tests/test_util.h"

namespace crashlab {
namespace testing_engines {

using nlohmann::json;

inline Schema AuthSchema() {
  Schema s;
  s.tables.push_back({"users",
                      "name",
                      {{"password", ColumnType::kText},
                       {"failures", ColumnType::kInt},
                       {"locked", ColumnType::kBool}}});
  s.tables.push_back(
      {"sessions",
       "id",
       {{"user", ColumnType::kText}, {"count", ColumnType::kInt}}});
  return s;
}

inline Mutation Insert(std::string table, std::string key, json values) {
  return {MutationKind::kInsert, std::move(table), std::move(key),
          std::move(values)};
}
inline Mutation Update(std::string table, std::string key, json values) {
  return {MutationKind::kUpdate, std::move(table), std::move(key),
          std::move(values)};
}
inline Mutation Increment(std::string table, std::string key,
                          std::string column, int64_t delta) {
  return {MutationKind::kIncrement, std::move(table), std::move(key),
          json{{std::move(column), delta}}};
}
inline Mutation Delete(std::string table, std::string key) {
  return {MutationKind::kDelete, std::move(table), std::move(key),
          json::object()};
}

inline LogicalOp Op(uint64_t id, std::string f,
                    std::vector<Mutation> mutations) {
  LogicalOp op;
  op.id = id;
  op.f = std::move(f);
  op.mutations = std::move(mutations);
  return op;
}

inline json User(const std::string& name, const std::string& password,
                 int64_t failures, bool locked) {
  return {{"name", name},
          {"password", password},
          {"failures", failures},
          {"locked", locked}};
}

// Ops covering every mutation kind (one op with several), rows that match
// nothing, quoting and non-ASCII text; SampleRows is what they leave.
inline std::vector<LogicalOp> SampleOps() {
  return {
      Op(1, "register",
         {Insert("users", "alice",
                 {{"password", "a1"}, {"failures", 0}, {"locked", false}})}),
      Op(2, "register",
         {Insert("users", "bob",
                 {{"password", "b1"}, {"failures", 2}, {"locked", false}})}),
      Op(3, "login",
         {Insert("sessions", "s1", {{"user", "alice"}, {"count", 1}}),
          Increment("users", "alice", "failures", 3),
          Update("users", "bob", {{"locked", true}, {"password", "b2"}})}),
      Op(4, "reset", {Increment("users", "alice", "failures", -1)}),
      Op(5, "unregister", {Delete("users", "bob")}),
      Op(6, "lock", {Update("users", "nobody", {{"locked", true}})}),
      Op(7, "logout",
         {Delete("sessions", "nosuch"),
          Increment("sessions", "nosuch", "count", 1)}),
      Op(8, "register",
         {Insert("users", "carol \"c\" 'x'",
                 {{"password", "p\u00fc\u20ac\n"},
                  {"failures", -9007199254740993LL},
                  {"locked", true}})}),
  };
}

inline Rows SampleRows() {
  Rows rows;
  rows["users"]["alice"] = User("alice", "a1", 2, false);
  rows["users"]["carol \"c\" 'x'"] =
      User("carol \"c\" 'x'", "p\u00fc\u20ac\n", -9007199254740993LL, true);
  rows["sessions"]["s1"] = {{"id", "s1"}, {"user", "alice"}, {"count", 1}};
  return rows;
}

inline EngineEnv TestEnv(int request_timeout_ms = 30000) {
  EngineEnv env;
  env.bin_dir = BinDir();
  env.request_timeout_ms = request_timeout_ms;
  return env;
}

// Writes an executable script (e.g. a tiny driver) and returns its path.
inline std::string WriteScript(const std::string& path,
                               const std::string& text) {
  if (!WriteStringToFile(path, text).ok()) return "";
  ::chmod(path.c_str(), 0755);
  return path;
}

inline std::string SqliteDriverPath() {
  return BinDir() + "/crashlab-driver-sqlite";
}

}  // namespace testing_engines
}  // namespace crashlab

#endif  // CRASHLAB_ENGINES_ENGINE_TEST_UTIL_H_
