#include <gtest/gtest.h>

#include "engines/engine.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

EngineEnv Env() {
  EngineEnv env;
  env.bin_dir = BinDir();
  return env;
}

TEST(EngineRegistryTest, UnknownEngineListsKnownOnes) {
  auto e = MakeEngine("rocksdb", {}, Env());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("rocksdb"), std::string::npos);
  EXPECT_NE(e.status().message().find("sqlite, external"), std::string::npos)
      << e.status().message();
}

TEST(EngineRegistryTest, UnknownSettingListsTheEnginesSettings) {
  auto e = MakeEngine("sqlite", {{"cache_size", "10"}}, Env());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("cache_size"), std::string::npos);
  EXPECT_NE(e.status().message().find("journal_mode, synchronous"),
            std::string::npos)
      << e.status().message();
}

TEST(EngineRegistryTest, DisallowedValueListsAllowedValues) {
  auto e = MakeEngine("sqlite", {{"journal_mode", "memory"}}, Env());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("delete, truncate, persist, wal"),
            std::string::npos)
      << e.status().message();
  auto s = MakeEngine("sqlite", {{"synchronous", "FULL"}}, Env());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("off, normal, full, extra"),
            std::string::npos)
      << s.status().message();
}

TEST(EngineRegistryTest, MissingSettingsTakeDefaults) {
  auto e = MakeEngine("sqlite", {{"journal_mode", "wal"}}, Env());
  ASSERT_TRUE(e.ok()) << e.status().message();
  const Settings expected = {{"journal_mode", "wal"},
                             {"synchronous", "full"},
                             {"wal_autocheckpoint", "1000"}};
  EXPECT_EQ((*e)->settings(), expected);
  EXPECT_EQ((*e)->name(), "sqlite");

  auto d = MakeEngine("sqlite", {}, Env());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->settings().at("journal_mode"), "delete");
}

TEST(EngineRegistryTest, SqliteClaimsFollowItsDocumentation) {
  using Kind = DurabilityClaim::Kind;
  struct Case {
    std::string journal, sync;
    Kind kind;
  };
  const Case cases[] = {
      {"delete", "off", Kind::kNone},
      {"wal", "off", Kind::kNone},
      {"wal", "normal", Kind::kNone},
      {"delete", "normal", Kind::kNone},
      {"truncate", "normal", Kind::kNone},
      {"wal", "full", Kind::kEveryAck},
      {"delete", "full", Kind::kEveryAck},
      {"persist", "full", Kind::kEveryAck},
      {"delete", "extra", Kind::kEveryAck},
      {"wal", "extra", Kind::kEveryAck},
  };
  for (const auto& c : cases) {
    auto e = MakeEngine("sqlite",
                        {{"journal_mode", c.journal}, {"synchronous", c.sync}},
                        Env());
    ASSERT_TRUE(e.ok());
    const DurabilityClaim claim = (*e)->Claim();
    EXPECT_EQ(claim.kind, c.kind) << c.journal << "/" << c.sync;
    EXPECT_FALSE(claim.basis.empty());
  }
  auto full = MakeEngine("sqlite", {{"synchronous", "full"}}, Env());
  ASSERT_TRUE(full.ok());
  // WAL + normal may roll a transaction back, in commit order (the WAL's
  // checksummed tail); a rollback journal with normal promises no order.
  auto wal = MakeEngine(
      "sqlite", {{"journal_mode", "wal"}, {"synchronous", "normal"}}, Env());
  ASSERT_TRUE(wal.ok());
  EXPECT_EQ((*wal)->Claim().order.prefix, PrefixScope::kGlobal);
  EXPECT_NE((*wal)->Claim().basis.find("might roll back"), std::string::npos);
  auto journal = MakeEngine(
      "sqlite", {{"journal_mode", "delete"}, {"synchronous", "normal"}}, Env());
  ASSERT_TRUE(journal.ok());
  EXPECT_FALSE((*journal)->Claim().order.any());
  EXPECT_NE((*full)->Claim().basis.find("EXTRA"), std::string::npos);
}

TEST(EngineRegistryTest, ExternalNeedsADriverCommand) {
  auto e = MakeEngine("external", {}, Env());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("driver="), std::string::npos);

  auto missing =
      MakeEngine("external", {{"driver", "/no/such/driver --x"}}, Env());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);

  auto ok = MakeEngine("external", {{"driver", "/bin/cat"}}, Env());
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ((*ok)->settings().at("claim"), "none");
}

TEST(EngineRegistryTest, SqliteAvailabilityFollowsTheDriverBinary) {
  EngineEnv nowhere;
  nowhere.bin_dir = "/nonexistent";
  for (const auto& info : ListEngines(nowhere)) {
    if (info.name == "sqlite") {
      EXPECT_FALSE(info.available);
      EXPECT_NE(info.availability.find("crashlab-driver-sqlite"),
                std::string::npos);
    }
  }
  auto e = MakeEngine("sqlite", {}, nowhere);
  EXPECT_EQ(e.status().code(), Code::kNotFound);
  for (const auto& info : ListEngines(Env())) {
    if (info.name == "sqlite") {
      EXPECT_TRUE(info.available) << info.availability;
    }
  }
}

TEST(EngineRegistryTest, NamesOfStagesAndClaims) {
  EXPECT_STREQ(RecoveryStageName(Recovery::Stage::kOpenFailed), "open-failed");
  EXPECT_STREQ(RecoveryStageName(Recovery::Stage::kHung), "hung");
  EXPECT_STREQ(DurabilityKindName(DurabilityClaim::Kind::kEveryAck),
               "every-ack");
}

}  // namespace
}  // namespace crashlab
