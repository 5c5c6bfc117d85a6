// Every engine that runs here stores what core's model says an op leaves
// (core/data_model.h ApplyMutation), including the corners the auth
// workload never reaches: NULL columns, increments of NULL (counted from
// 0), updates and increments of missing rows (no effect). The checkers
// compare recovered rows against that model, so an engine that disagrees
// would turn into false findings. (Skytable needs a live skyd.)
#include <gtest/gtest.h>

#include "engines/engine_test_util.h"
#include "engines/kv_test_util.h"

namespace crashlab {
namespace {

using namespace testing_engines;  // NOLINT
using nlohmann::json;

class EngineModel : public ::testing::TestWithParam<std::string> {};

TEST_P(EngineModel, DumpMatchesCoreModelOnNullsAndMissingRows) {
  const bool server = GetParam() == "redis" || GetParam() == "postgres";
  if (!server && !PathExists(DriverPath(GetParam()))) {
    GTEST_SKIP() << "crashlab-driver-" << GetParam() << " not built";
  }
  auto engine = MakeKvEngine(GetParam(), {});
  ASSERT_TRUE(engine);
  TempDir dir;
  const Schema schema = AuthSchema();
  ASSERT_TRUE(engine->Init(dir.path(), schema).ok());
  auto session = engine->Open(dir.path(), schema);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const std::vector<LogicalOp> ops = {
      Op(1, "signup",
         {Insert("users", "u",
                 {{"password", "p"}, {"failures", nullptr}, {"locked", nullptr}})}),
      Op(2, "fail", {Increment("users", "u", "failures", 2)}),
      Op(3, "lock", {Update("users", "u", {{"locked", true}})}),
      Op(4, "unfail", {Increment("users", "u", "failures", -1)}),
      Op(5, "ghost", {Increment("users", "nobody", "failures", 1),
                      Update("users", "nobody", {{"locked", false}}),
                      Delete("sessions", "none")}),
      Op(6, "login", {Insert("sessions", "s", {{"user", "u"}, {"count", nullptr}}),
                      Increment("sessions", "s", "count", 5)}),
      Op(7, "clear", {Update("users", "u", {{"password", nullptr}})}),
  };
  Rows model = EmptyRows(schema);
  for (const LogicalOp& op : ops) {
    const ApplyResult r = (*session)->Apply(op);
    ASSERT_EQ(r.outcome, ApplyResult::Outcome::kOk) << op.f << ": " << r.error;
    for (const Mutation& m : op.mutations) ApplyMutation(schema, m, &model);
  }
  auto dumped = (*session)->Dump();
  ASSERT_TRUE(dumped.ok()) << dumped.status().message();
  EXPECT_EQ(*dumped, model);
  EXPECT_EQ(model["users"]["u"]["failures"], 1);  // the model itself
  ASSERT_TRUE((*session)->Close().ok());
}

INSTANTIATE_TEST_SUITE_P(IntegrationEngines, EngineModel,
                         ::testing::Values("sqlite", "leveldb", "lmdb", "redis",
                                           "postgres"));

}  // namespace
}  // namespace crashlab
