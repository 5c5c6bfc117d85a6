// Bad input to the `crashlab` binary: one clear line, a distinct exit code,
// nothing touched. Also `crashlab inspect` on a Skytable data directory.
#include <unistd.h>

#include <algorithm>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/files.h"
#include "core/trace.h"
#include "tests/test_util.h"

namespace crashlab {
namespace {

CommandResult Crashlab(std::vector<std::string> args) {
  args.insert(args.begin(), BinDir() + "/crashlab");
  return RunCommand(args);
}

TEST(IntegrationCli, UnknownEngineSettingOrValueIsUsageError) {
  TempDir dir;
  auto r = Crashlab({"run", "--engine", "nosuch", "--out", dir.Sub("o")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("sqlite"), std::string::npos) << "lists known engines";
  r = Crashlab({"run", "--engine", "sqlite", "--set", "bogus=1", "--out",
                dir.Sub("o")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("journal_mode"), std::string::npos) << r.output;
  r = Crashlab({"run", "--engine", "sqlite", "--set", "synchronous=sometimes",
                "--out", dir.Sub("o")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("extra"), std::string::npos) << r.output;
  EXPECT_FALSE(PathExists(dir.Sub("o"))) << "validated before touching --out";
}

TEST(IntegrationCli, BadOptionsAreUsageErrors) {
  TempDir dir;
  EXPECT_EQ(Crashlab({"run", "--engine", "sqlite"}).exit_code, 2);
  EXPECT_EQ(Crashlab({"run", "--engine", "sqlite", "--out", dir.Sub("o"),
                      "--model", "prefix,sideways"}).exit_code, 2);
  EXPECT_EQ(Crashlab({"run", "--engine", "sqlite", "--out", dir.Sub("o"),
                      "--set", "novalue"}).exit_code, 2);
  EXPECT_EQ(Crashlab({"run", "--engine", "sqlite", "--out", dir.Sub("o"),
                      "--crash", "meteor"}).exit_code, 2);
  EXPECT_EQ(Crashlab({"frobnicate"}).exit_code, 2);
}

TEST(IntegrationCli, UnwritableOutputDirectoryIsUsageError) {
  auto r = Crashlab({"run", "--engine", "sqlite", "--out",
                     "/proc/crashlab-cannot-write-here"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--out"), std::string::npos) << r.output;
}

TEST(IntegrationCli, DamagedTraceDumpSaysWhereAndExits2) {
  TempDir dir;
  const std::string path = dir.Sub("trace.bin");
  {
    auto w = TraceWriter::Create(path);
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 5; ++i) {
      (*w)->Append(Record{.op = Op::kMark, .data = "m" + std::to_string(i)});
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto good = Crashlab({"trace", "dump", path});
  EXPECT_EQ(good.exit_code, 0) << good.output;
  std::string bytes = *ReadFileToString(path);
  ASSERT_TRUE(WriteStringToFile(path, bytes.substr(0, bytes.size() - 3)).ok());
  auto torn = Crashlab({"trace", "dump", path});
  EXPECT_EQ(torn.exit_code, 2) << torn.output;
  EXPECT_NE(torn.output.find("damaged at byte"), std::string::npos);
  EXPECT_NE(torn.output.find("\"m3\""), std::string::npos)
      << "good records are still printed";
  ASSERT_TRUE(WriteStringToFile(path, "garbage").ok());
  EXPECT_EQ(Crashlab({"trace", "dump", path}).exit_code, 2);
  EXPECT_EQ(Crashlab({"trace", "dump", dir.Sub("missing")}).exit_code, 2);
}

TEST(IntegrationCli, ReplayOfAMissingRunIsUsageError) {
  TempDir dir;
  auto r = Crashlab({"replay", dir.Sub("no-run"), "--state", "prefix@3",
                     "--to", dir.Sub("img")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no-run/trace.bin"), std::string::npos) << r.output;
  EXPECT_EQ(Crashlab({"replay"}).exit_code, 2);
}

TEST(IntegrationCli, MissingFuseDeviceIsAnInfrastructureError) {
  if (::geteuid() != 0 || !PathExists("/usr/bin/unshare")) {
    GTEST_SKIP() << "needs root and unshare(1) to hide /dev/fuse";
  }
  TempDir dir;
  // A private mount namespace whose /dev is empty.
  auto r = RunCommand({"/usr/bin/unshare", "-m", "sh", "-c",
                       "mount -t tmpfs none /dev && exec \"$0\" \"$@\"",
                       BinDir() + "/crashlab", "run", "--engine", "sqlite",
                       "--ops", "5", "--out", dir.Sub("out")});
  if (r.output.rfind("crashlab:", 0) != 0) {
    GTEST_SKIP() << "cannot hide /dev/fuse here: " << r.output;
  }
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("/dev/fuse is missing"), std::string::npos)
      << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1)
      << "one clear line: " << r.output;
  EXPECT_FALSE(PathExists(dir.Sub("out"))) << "nothing created";
}

// `crashlab inspect DIR` on the real Skytable 0.8 recordings: the rows on
// disk per model, and whether 0.8.0 would start on the directory.
TEST(IntegrationCli, InspectASkytableDataDirectory) {
  const std::string data = SourceDir() + "/engines/skytable/testdata/data/";
  auto r = Crashlab({"inspect", data + "02-clean-shutdown"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.output;
  EXPECT_EQ(j["verdict"], "clean");
  EXPECT_EQ(j["models"]["auth.users"]["rows"]["bob"],
            nlohmann::json({"h1-bob", 0, 5, true}));
  r = Crashlab({"inspect", data + "03-after-sigkill"});
  ASSERT_EQ(r.exit_code, 1) << r.output;
  j = nlohmann::json::parse(r.output, nullptr, false);
  EXPECT_EQ(j["verdict"], "unclean");
  EXPECT_FALSE(j["gns_closed"].get<bool>());
  EXPECT_FALSE(j["models"]["auth.users"]["rows"].contains("carol"));
  TempDir empty;
  EXPECT_EQ(Crashlab({"inspect", empty.path()}).exit_code, 2);
}

}  // namespace
}  // namespace crashlab
