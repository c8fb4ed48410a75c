// `certpilot fleet keygen` as a person runs it: exit codes, the file's
// mode, cli.ini.
#include <gtest/gtest.h>

#include "support/run_binary.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

TEST(FleetCliTest, KeygenWritesOnceAndRefusesBadPaths) {
  TempDir dir;
  const std::string key = dir / "fleet.key";
  RunResult made =
      RunCertpilot({"fleet", "keygen", "--fleet-secret-file", key});
  ASSERT_EQ(made.exit_code, 0) << made.Describe();
  EXPECT_NE(made.out.find("key id "), std::string::npos) << made.out;
  EXPECT_EQ(ModeOf(key) & 07777, 0600);
  const std::string bytes = ReadFileOrEmpty(key);
  EXPECT_EQ(bytes.size(), 32u);

  RunResult again =
      RunCertpilot({"fleet", "keygen", "--fleet-secret-file", key});
  EXPECT_EQ(again.exit_code, 2) << again.Describe();
  EXPECT_NE(again.err.find("refusing to overwrite"), std::string::npos)
      << again.err;
  EXPECT_EQ(ReadFileOrEmpty(key), bytes);

  RunResult no_dir = RunCertpilot(
      {"fleet", "keygen", "--fleet-secret-file", dir / "missing/fleet.key"});
  EXPECT_EQ(no_dir.exit_code, 2) << no_dir.Describe();
  RunResult no_path = RunCertpilot({"fleet", "keygen"});
  EXPECT_EQ(no_path.exit_code, 2) << no_path.Describe();
}

TEST(FleetCliTest, KeygenTakesTheSecretFileFromCliIni) {
  TempDir dir;
  const std::string ini =
      dir.Write("cli.ini", "fleet-secret-file = " + (dir / "k") + "\n");
  RunResult made = RunCertpilot({"fleet", "keygen", "--config", ini});
  ASSERT_EQ(made.exit_code, 0) << made.Describe();
  EXPECT_EQ(ReadFileOrEmpty(dir / "k").size(), 32u);
}

}  // namespace
}  // namespace certpilot::testing
