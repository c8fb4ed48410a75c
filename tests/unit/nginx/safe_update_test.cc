// UpdateLiveConfig (nginx/runtime/safe_update.h): on success the files change,
// nginx is tested then reloaded, and the backups are archived; on any
// failure every touched file is back byte for byte and the error says so.
#include "nginx/runtime/safe_update.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/fault_filesystem.h"
#include "support/temp_dir.h"
#include "unit/nginx/fake_runner.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::nginx {
namespace {

namespace fs = std::filesystem;
using certpilot::testing::FaultFilesystem;
using certpilot::testing::TempDir;
using testing::FakeRunner;
using testing::ReadDiskFile;

class NginxSafeUpdateTest : public ::testing::Test {
 protected:
  NginxSafeUpdateTest() {
    fs_.MakeDirs(dir_ / "root/sites-enabled", 0755);
    fs_.MakeDirs(dir_ / "state", 0700);
    fs_.CreateFileExclusive(conf_, kConf, 0644, std::nullopt);
    fs_.CreateFileExclusive(site_, kSite, 0644, std::nullopt);
  }
  std::vector<sys::FileState> Changes() const {
    return {{options_, "ssl_protocols TLSv1.3;\n"},
            {site_, "server {\n\tlisten 80;\n\tlisten 443 ssl;\n}\n"}};
  }
  void ExpectUntouched() {
    EXPECT_EQ(ReadDiskFile(conf_), kConf);
    EXPECT_EQ(ReadDiskFile(site_), kSite);
    EXPECT_FALSE(fs::exists(options_));
    EXPECT_FALSE(fs::exists(dir_ / "state/install.journal"));
  }

  static constexpr char kConf[] = "http {\n\tinclude sites-enabled/*;\n}\n";
  static constexpr char kSite[] = "server {\n\tlisten 80;\n}\n";
  TempDir dir_;
  sys::PosixFilesystem fs_;
  FakeRunner runner_;
  NginxControl nginx_{runner_, "nginx", dir_ / "root/nginx.conf"};
  std::string conf_ = dir_ / "root/nginx.conf";
  std::string site_ = dir_ / "root/sites-enabled/app";
  std::string options_ = dir_ / "options-ssl-nginx.conf";
};

TEST_F(NginxSafeUpdateTest, WritesTestsReloadsAndKeepsBackups) {
  UpdateOutcome out =
      UpdateLiveConfig(fs_, nginx_, dir_ / "state/install.journal", Changes(),
                       dir_ / "state/backups/b1");
  EXPECT_EQ(out.written, (std::vector<std::string>{options_, site_}));
  EXPECT_FALSE(out.started);
  EXPECT_EQ(ReadDiskFile(site_),
            "server {\n\tlisten 80;\n\tlisten 443 ssl;\n}\n");
  const std::string conf = dir_ / "root/nginx.conf";
  EXPECT_EQ(
      runner_.Commands(),
      (std::vector<std::string>{"-t -c " + conf, "-c " + conf + " -s reload"}));
  EXPECT_FALSE(fs::exists(dir_ / "state/install.journal"));
  EXPECT_EQ(ReadDiskFile(dir_ / "state/backups/b1/2.orig"), kSite);
}

TEST_F(NginxSafeUpdateTest, NothingToChangeTouchesNothing) {
  UpdateOutcome out =
      UpdateLiveConfig(fs_, nginx_, dir_ / "state/install.journal",
                       {{site_, kSite}}, dir_ / "state/backups/b1");
  EXPECT_TRUE(out.written.empty());
  EXPECT_TRUE(runner_.calls().empty());
  EXPECT_FALSE(fs::exists(dir_ / "state/backups"));
}

TEST_F(NginxSafeUpdateTest, FailingTestRestoresEveryFileAndSaysSo) {
  runner_.script = [](const std::vector<std::string>& argv) {
    return FakeRunner::Has(argv, "-t")
               ? FakeRunner::Exit(1, "nginx: [emerg] cannot load certificate\n")
               : FakeRunner::Exit(0, "");
  };
  try {
    UpdateLiveConfig(fs_, nginx_, dir_ / "state/install.journal", Changes(),
                     dir_ / "state/b");
    FAIL() << "no error";
  } catch (const ConfigUpdateError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot load certificate"), std::string::npos) << what;
    EXPECT_NE(what.find("Restored byte for byte: " + site_ + ", " + options_),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("reloaded with the restored configuration"),
              std::string::npos)
        << what;
    EXPECT_TRUE(e.report().ok());
  }
  ExpectUntouched();
  const std::string conf = dir_ / "root/nginx.conf";
  EXPECT_EQ(
      runner_.Commands(),
      (std::vector<std::string>{"-t -c " + conf, "-c " + conf + " -s reload"}));
}

TEST_F(NginxSafeUpdateTest, FailingReloadRestoresAndReloadsTheRestoredFiles) {
  int reloads = 0;
  runner_.script = [&](const std::vector<std::string>& argv) {
    if (FakeRunner::Has(argv, "-s") && reloads++ == 0)
      return FakeRunner::Exit(
          1,
          "nginx: [emerg] bind() to 0.0.0.0:443 failed (98: Address in use)\n");
    return FakeRunner::Exit(0, "");
  };
  try {
    UpdateLiveConfig(fs_, nginx_, dir_ / "state/install.journal", Changes(),
                     dir_ / "state/b");
    FAIL() << "no error";
  } catch (const ConfigUpdateError& e) {
    EXPECT_NE(std::string(e.what()).find("Address in use"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("reloaded with the restored"),
              std::string::npos)
        << e.what();
  }
  ExpectUntouched();
  EXPECT_EQ(reloads, 2);
}

TEST_F(NginxSafeUpdateTest, NotRunningIsStartedAndReported) {
  runner_.script = [](const std::vector<std::string>& argv) {
    return FakeRunner::Has(argv, "-s")
               ? FakeRunner::Exit(1,
                                  "nginx: [error] open() \"/x/nginx.pid\" "
                                  "failed (2: No such file or directory)\n")
               : FakeRunner::Exit(0, "");
  };
  UpdateOutcome out = UpdateLiveConfig(
      fs_, nginx_, dir_ / "state/install.journal", Changes(), dir_ / "state/b");
  EXPECT_TRUE(out.started);
}

TEST_F(NginxSafeUpdateTest, AFailedWriteRestoresWhatWasWritten) {
  // Fail each mutating step once; whatever was written is restored.
  for (int k = 1; k <= 12; ++k) {
    SCOPED_TRACE("failing step " + std::to_string(k));
    FaultFilesystem faulty(fs_, k, FaultFilesystem::Mode::kFailOnce);
    try {
      UpdateLiveConfig(faulty, nginx_, dir_ / "state/install.journal",
                       Changes(), "");
      ADD_FAILURE() << "no error";
    } catch (const ConfigUpdateError& e) {
      EXPECT_NE(std::string(e.what()).find("injected fault"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(ReadDiskFile(conf_), kConf);
    EXPECT_EQ(ReadDiskFile(site_), kSite);
    EXPECT_FALSE(fs::exists(options_));
    // A failure while restoring keeps the journal for the next run.
    sys::RecoverJournal(fs_, dir_ / "state/install.journal");
    for (const auto& e : fs::directory_iterator(dir_ / "root/sites-enabled"))
      if (e.path().filename().string()[0] == '.') fs::remove(e.path());
    for (const auto& e : fs::directory_iterator(dir_.path()))
      if (e.path().filename().string()[0] == '.') fs::remove(e.path());
  }
}

}  // namespace
}  // namespace certpilot::nginx
