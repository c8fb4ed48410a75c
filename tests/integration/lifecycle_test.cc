// Account and certificate lifecycle against the real Pebble: register, show,
// update (contacts and key rollover), unregister, EAB, revoke, delete, and a
// key kept across renewals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

// Every file under `dir` that contains `needle`.
std::vector<std::string> FilesContaining(const std::string& dir,
                                         const std::string& needle) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() &&
        ReadFileOrEmpty(e.path()).find(needle) != std::string::npos)
      out.push_back(e.path());
  return out;
}

class LifecycleTest : public SharedPebbleTest<> {
 protected:
  nlohmann::json ShowAccount() {
    RunResult r = cli_.Run("show_account", {"--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return nlohmann::json::parse(r.out);
  }
  std::string Serial(const std::string& name) {
    RunResult r = cli_.Run("certificates", {"--json", "--cert-name", name});
    return nlohmann::json::parse(r.out)[0]["serial"];
  }

  CliHarness cli_{*pebble_};
};

TEST_F(LifecycleTest, RegisterShowUpdateUnregister) {
  RunResult r =
      cli_.Run("register", {"--agree-tos", "-m", "first@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json a = ShowAccount();
  EXPECT_EQ(a["status"], "valid");
  EXPECT_EQ(a["contact"], nlohmann::json::array({"mailto:first@example.com"}));
  EXPECT_EQ(a["server"], pebble_->directory_url());

  r = cli_.Run("register", {"--agree-tos", "-m", "again@example.com"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("already registered"), std::string::npos) << r.err;

  r = cli_.Run("update_account", {"-m", "second@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ShowAccount()["contact"],
            nlohmann::json::array({"mailto:second@example.com"}));

  r = cli_.Run("update_account", {});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();

  std::string url = ShowAccount()["url"];
  r = cli_.Run("unregister", {});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = cli_.Run("show_account", {});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("no account"), std::string::npos) << r.err;
  EXPECT_TRUE(FilesContaining(cli_.config() + "/accounts", url).empty());
}

TEST_F(LifecycleTest, KeyRolloverThenIssuanceWithTheNewKey) {
  ASSERT_EQ(cli_.Certonly({"-d", "before-roll.example.com"}).exit_code, 0);
  nlohmann::json before = ShowAccount();
  RunResult r = cli_.Run("update_account", {"--new-key"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  nlohmann::json after = ShowAccount();  // the CA answers for the new key
  EXPECT_EQ(after["url"], before["url"]);
  EXPECT_EQ(after["id"], before["id"]);
  EXPECT_NE(after["thumbprint"], before["thumbprint"]);
  r = cli_.Certonly({"-d", "after-roll.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // Renewal of the older lineage still finds its account.
  r = cli_.Run("renew",
               {"--force-renewal", "--cert-name", "before-roll.example.com",
                "--no-random-sleep-on-renew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("before-roll.example.com"), 2);
}

TEST_F(LifecycleTest, RevokeThenPebbleSaysRevokedAndTheLineageIsDeleted) {
  ASSERT_EQ(cli_.Certonly({"-d", "revoke-me.example.com"}).exit_code, 0);
  std::string serial = Serial("revoke-me.example.com");
  EXPECT_EQ(pebble_->CertStatus(serial), "Valid");
  RunResult r = cli_.Run("revoke", {"--cert-name", "revoke-me.example.com",
                                    "--reason", "keyCompromise"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(pebble_->CertStatus(serial), "Revoked");
  // Pebble reports the CRL reason code it was given (keyCompromise = 1).
  std::string status = pebble_->CertStatusJson(serial);
  EXPECT_NE(status.find("\"Reason\": 1"), std::string::npos) << status;
  EXPECT_FALSE(fs::exists(cli_.config() + "/live/revoke-me.example.com"));
  EXPECT_FALSE(
      fs::exists(cli_.config() + "/renewal/revoke-me.example.com.conf"));
}

TEST_F(LifecycleTest, RevokeWithTheCertificateKeyAndKeepTheLineage) {
  ASSERT_EQ(cli_.Certonly({"-d", "keep.example.com"}).exit_code, 0);
  std::string serial = Serial("keep.example.com");
  std::string live = cli_.config() + "/live/keep.example.com";
  RunResult r =
      cli_.Run("revoke", {"--cert-path", live + "/cert.pem", "--key-path",
                          live + "/privkey.pem", "--no-delete-after-revoke",
                          "--reason", "superseded"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(pebble_->CertStatus(serial), "Revoked");
  EXPECT_TRUE(fs::exists(live + "/cert.pem"));
  r = cli_.Run("revoke",
               {"--cert-name", "keep.example.com", "--reason", "bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST_F(LifecycleTest, DeleteRemovesEverything) {
  ASSERT_EQ(cli_.Certonly({"-d", "gone.example.com"}).exit_code, 0);
  RunResult r = cli_.Run("delete", {"--cert-name", "gone.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const char* sub : {"live/gone.example.com", "archive/gone.example.com",
                          "renewal/gone.example.com.conf"})
    EXPECT_FALSE(fs::exists(cli_.config() + "/" + sub)) << sub;
  r = cli_.Run("delete", {"--cert-name", "gone.example.com"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST_F(LifecycleTest, DeleteRefusesWhileNginxUsesTheLineage) {
  ASSERT_EQ(cli_.Certonly({"-d", "served.example.com"}).exit_code, 0);
  TempDir nginx;
  std::ofstream(nginx / "nginx.conf")
      << "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    "
         "ssl_certificate "
      << cli_.config() << "/live/served.example.com/fullchain.pem;\n  }\n}\n";
  RunResult r = cli_.Run("delete", {"--cert-name", "served.example.com",
                                    "--nginx-server-root", nginx.path()});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("nginx still uses"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(cli_.config() + "/live/served.example.com"));
  r = cli_.Run("delete", {"--cert-name", "served.example.com",
                          "--nginx-server-root", nginx.path(), "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

TEST_F(LifecycleTest, ReuseKeyKeepsTheKeyAcrossAForcedRenewal) {
  ASSERT_EQ(cli_.Certonly({"-d", "reuse.example.com", "--reuse-key"}).exit_code,
            0);
  std::string key1 =
      ReadFileOrEmpty(cli_.config() + "/live/reuse.example.com/privkey.pem");
  RunResult r =
      cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("reuse.example.com"), 2);
  EXPECT_EQ(
      ReadFileOrEmpty(cli_.config() + "/live/reuse.example.com/privkey.pem"),
      key1);
  r = cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew",
                         "--no-reuse-key"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(
      ReadFileOrEmpty(cli_.config() + "/live/reuse.example.com/privkey.pem"),
      key1);
}

TEST(ExternalAccountBinding, RequiredByTheCaAndNeverStored) {
  const std::string key = kEabHmacKey;
  PebbleFixture ca(EabRequiredOptions());
  CliHarness cli(ca);
  RunResult r = cli.Certonly({"-d", "no-eab.example.com"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_NE(r.err.find("External Account Binding"), std::string::npos) << r.err;

  std::ofstream(cli.dir() / "eab.key") << key << "\n";
  r = cli.Certonly({"-d", "eab.example.com", "--eab-kid", kEabKid,
                    "--eab-hmac-key-file", cli.dir() / "eab.key"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(fs::exists(cli.config() + "/live/eab.example.com/fullchain.pem"));
  // The key is on disk only in the file we gave it.
  for (const char* sub : {"config", "work", "logs"})
    EXPECT_TRUE(FilesContaining(cli.dir() / sub, key).empty()) << sub;
  EXPECT_EQ(r.out.find(key), std::string::npos);
  EXPECT_EQ(r.err.find(key), std::string::npos);

  // Wrong key: the CA refuses, and says so.
  TempDir other_dir;
  CliHarness other(ca);
  r = other.Run("register", {"--agree-tos", "-m", "a@example.com", "--eab-kid",
                             kEabKid, "--eab-hmac-key",
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("visible to other users"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace certpilot::testing
