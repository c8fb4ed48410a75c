// UpdateLiveConfig and RecoverInterruptedRuns for Apache
// (apache/runtime/safe_update.h, recovery.h): a rejected configtest puts
// every file back byte for byte and reloads only a running Apache; an
// interrupted challenge run is undone by the next one, and a file edited
// since keeps the edit and loses only certpilot's Include.
#include "apache/runtime/safe_update.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "apache/patch/challenge_patch.h"
#include "apache/runtime/recovery.h"
#include "support/temp_dir.h"
#include "unit/nginx/fake_runner.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::apache {
namespace {

namespace fs = std::filesystem;
using certpilot::testing::TempDir;
using nginx::testing::FakeRunner;
using nginx::testing::ReadDiskFile;

constexpr char kSite[] =
    "<VirtualHost *:80>\r\n\tServerName a.test\r\n</VirtualHost>\r\n";

class ApacheSafeUpdateTest : public ::testing::Test {
 protected:
  ApacheSafeUpdateTest() {
    fs::create_directories(dir_ / "root/sites-enabled");
    dir_.Write("root/sites-enabled/a.conf", kSite);
    fs::create_directories(dir_ / "state");
  }
  // configtest fails when `fail_test`; Apache "runs" when `running`.
  void Script(bool fail_test, bool running) {
    if (running) dir_.Write("apache2.pid", std::to_string(::getpid()));
    const std::string pid = dir_ / "apache2.pid";
    runner_.script = [=](const std::vector<std::string>& argv) {
      if (FakeRunner::Has(argv, "DUMP_RUN_CFG")) {
        sys::ProcessResult r;
        r.exit_code = 0;
        r.out = "PidFile: \"" + pid + "\"\n";
        return r;
      }
      if (FakeRunner::Has(argv, "configtest") && fail_test)
        return FakeRunner::Exit(1, "AH00526: Syntax error on line 3\n");
      return FakeRunner::Exit(0, "");
    };
  }
  TempDir dir_;
  std::string site_ = dir_ / "root/sites-enabled/a.conf";
  sys::PosixFilesystem fs_;
  FakeRunner runner_;
  ApacheControl apache_{runner_, fs_, {"apache2ctl", dir_ / "root", ""}};
};

TEST_F(ApacheSafeUpdateTest, WritesTestsAndReloads) {
  Script(false, true);
  sys::LiveUpdateOutcome out = UpdateLiveConfig(
      fs_, apache_, dir_ / "state/install.journal",
      {{site_, "<VirtualHost *:80>\n</VirtualHost>\n"}}, dir_ / "state/b1");
  EXPECT_FALSE(out.started);
  EXPECT_EQ(ReadDiskFile(site_), "<VirtualHost *:80>\n</VirtualHost>\n");
  EXPECT_EQ(runner_.Commands(),
            (std::vector<std::string>{"configtest", "-t -D DUMP_RUN_CFG",
                                      "graceful"}));
  EXPECT_EQ(ReadDiskFile(dir_ / "state/b1/1.orig"), kSite);
}

TEST_F(ApacheSafeUpdateTest, FailingConfigtestRestoresEveryFileByteForByte) {
  for (const bool running : {true, false}) {
    SCOPED_TRACE(running ? "running" : "not running");
    runner_.Reset();
    Script(true, running);
    const std::string extra = dir_ / "root/sites-enabled/new.conf";
    try {
      UpdateLiveConfig(
          fs_, apache_, dir_ / "state/install.journal",
          {{site_, "<VirtualHost *:80>\n\tBogus\n</VirtualHost>\n"},
           {extra, "Bogus\n"}},
          dir_ / "state/b");
      FAIL() << "no error";
    } catch (const sys::LiveUpdateError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("Syntax error on line 3"), std::string::npos) << what;
      EXPECT_NE(what.find("Restored byte for byte: " + extra + ", " + site_),
                std::string::npos)
          << what;
      EXPECT_NE(what.find(running ? "Apache was reloaded with the restored"
                                  : "Apache is not running"),
                std::string::npos)
          << what;
    }
    EXPECT_EQ(ReadDiskFile(site_), kSite);
    EXPECT_FALSE(fs::exists(extra));
    EXPECT_FALSE(fs::exists(dir_ / "state/install.journal"));
    const std::vector<std::string> commands = runner_.Commands();
    EXPECT_EQ(std::count(commands.begin(), commands.end(), "graceful"),
              running ? 1 : 0);
    EXPECT_EQ(std::count(commands.begin(), commands.end(), "start"), 0);
    fs::remove(dir_ / "apache2.pid");
  }
}

TEST_F(ApacheSafeUpdateTest, RecoveryUndoesAnInterruptedChallengeRun) {
  Script(false, true);
  const StatePaths paths(dir_ / "state");
  const std::string other = dir_ / "root/sites-enabled/b.conf";
  const std::string b_before = "<VirtualHost *:80>\n</VirtualHost>\n";
  dir_.Write("root/sites-enabled/b.conf", b_before);
  const std::string include = "    Include " + paths.challenge_location + "/" +
                              std::string(kChallengeConfName) + "\n";
  {
    sys::FileTransaction tx(fs_, paths.challenge_journal);
    tx.Write({{site_, "<VirtualHost *:80>\n" + include + "</VirtualHost>\n"},
              {other, "<VirtualHost *:80>\n" + include + "</VirtualHost>\n"}});
    // The run dies here; then someone edits b.conf.
  }
  dir_.Write("root/sites-enabled/b.conf",
             "# edited\n<VirtualHost *:80>\n" + include + "</VirtualHost>\n");
  const std::vector<std::string> lines =
      RecoverInterruptedRuns(fs_, apache_, paths);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("challenge responses in the Apache configuration"),
            std::string::npos)
      << lines[0];
  EXPECT_EQ(lines[1], "Apache was reloaded with the restored configuration.");
  EXPECT_EQ(ReadDiskFile(site_), kSite);
  EXPECT_EQ(ReadDiskFile(other), "# edited\n" + b_before);
  EXPECT_FALSE(fs::exists(paths.challenge_journal));
  EXPECT_TRUE(RecoverInterruptedRuns(fs_, apache_, paths).empty());
}

}  // namespace
}  // namespace certpilot::apache
