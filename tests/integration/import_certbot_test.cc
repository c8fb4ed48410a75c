// import-certbot with a tree made by the real certbot (Debian's certbot
// package) against Pebble: accounts, every version, the renewal settings
// and the hooks come over, certbot's tree is left alone, and certpilot then
// renews the imported lineage itself.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/cli_harness.h"
#include "support/pebble_fixture.h"
#include "support/run_binary.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ImportCertbotTest : public ::testing::Test {
 protected:
  // certbot SUBCOMMAND ... against Pebble, in its own tree under dir_.
  RunResult Certbot(const std::string& subcommand,
                    const std::vector<std::string>& extra) {
    std::vector<std::string> argv{"/usr/bin/certbot",     subcommand,
                                  "--non-interactive",    "--config-dir",
                                  certbot_dir(),          "--work-dir",
                                  dir_ / "certbot-work",  "--logs-dir",
                                  dir_ / "certbot-logs",  "--server",
                                  pebble_.directory_url()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProgram(argv, {{"REQUESTS_CA_BUNDLE", pebble_.ca_bundle_path()}});
  }
  std::string certbot_dir() const { return dir_ / "letsencrypt"; }

  PebbleFixture pebble_;
  CliHarness cli_{pebble_};
  TempDir dir_;
};

TEST_F(ImportCertbotTest, AdoptsARealCertbotTreeAndRenewsIt) {
  const std::vector<std::string> standalone = {
      "--standalone",
      "--http-01-address",
      "127.0.0.1",
      "--http-01-port",
      std::to_string(pebble_.http_port()),
      "-d",
      "cb.example.com"};
  std::vector<std::string> first = standalone;
  for (const char* a :
       {"--agree-tos", "-m", "admin@example.com", "--key-type", "rsa"})
    first.push_back(a);
  RunResult r = Certbot("certonly", first);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::vector<std::string> second = standalone;
  second.push_back("--force-renewal");
  r = Certbot("certonly", second);  // version 2
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string marker = dir_ / "deployed";
  fs::create_directories(certbot_dir() + "/renewal-hooks/deploy");
  const std::string hook = certbot_dir() + "/renewal-hooks/deploy/touch.sh";
  std::ofstream(hook) << "#!/bin/sh\ntouch '" << marker << "'\n";
  ::chmod(hook.c_str(), 0755);
  const std::string certbot_cert =
      ReadFileOrEmpty(certbot_dir() + "/live/cb.example.com/cert.pem");
  ASSERT_FALSE(certbot_cert.empty());

  r = cli_.Run("import-certbot", {"--from", certbot_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("imported cb.example.com (2 versions)"));
  EXPECT_THAT(r.out, HasSubstr("Imported 1 certificate, 1 account and 1 hook"));
  EXPECT_EQ(cli_.CheckLineage("cb.example.com"), "");
  EXPECT_EQ(cli_.Version("cb.example.com"), 2);
  EXPECT_EQ(ReadFileOrEmpty(cli_.config() + "/live/cb.example.com/cert.pem"),
            certbot_cert);
  struct stat st;
  ASSERT_EQ(
      ::stat((cli_.config() + "/live/cb.example.com/privkey.pem").c_str(), &st),
      0);
  EXPECT_EQ(st.st_mode & 077, 0u);
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/cb.example.com.conf");
  EXPECT_THAT(conf, HasSubstr("archive_dir = " + cli_.config() +
                              "/archive/cb.example.com"));
  EXPECT_THAT(conf, HasSubstr("key_type = rsa"));
  EXPECT_THAT(conf, ::testing::Not(HasSubstr(certbot_dir() + "/live")));

  // The account came over: show_account works without registering.
  r = cli_.Run("show_account", {});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();

  // certpilot renews it with certbot's settings and runs certbot's hook.
  r = cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew",
                         "--cert-name", "cb.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("cb.example.com"), 3);
  EXPECT_EQ(cli_.CheckLineage("cb.example.com"), "");
  EXPECT_TRUE(fs::exists(marker));

  // certbot's own tree is as it was.
  EXPECT_EQ(ReadFileOrEmpty(certbot_dir() + "/live/cb.example.com/cert.pem"),
            certbot_cert);
  EXPECT_FALSE(fs::exists(certbot_dir() + "/archive/cb.example.com/cert3.pem"));

  // Importing again takes nothing twice.
  r = cli_.Run("import-certbot", {"--from", certbot_dir()});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out,
              HasSubstr("Imported 0 certificates, 0 accounts and 0 hooks"));
  EXPECT_THAT(r.err, HasSubstr("exists here already; skipped"));
}

TEST_F(ImportCertbotTest, ReportsWhatItCannotUseAndRefusesWhatIsNotCertbots) {
  RunResult r = cli_.Run("import-certbot", {"--from", dir_ / "nothing"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("is not a certbot configuration directory"));

  r = Certbot("certonly",
              {"--standalone", "--http-01-address", "127.0.0.1",
               "--http-01-port", std::to_string(pebble_.http_port()), "-d",
               "apache.example.com", "--agree-tos", "-m", "admin@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  // As if certbot's apache plugin had made it.
  const std::string conf = certbot_dir() + "/renewal/apache.example.com.conf";
  std::string text = ReadFileOrEmpty(conf);
  text.replace(text.find("authenticator = standalone"), 26,
               "authenticator = apache");
  std::ofstream(conf, std::ios::trunc) << text << "installer = apache\n";
  // A damaged second lineage: reported, the first still imported.
  fs::create_directories(certbot_dir() + "/live/broken.example.com");
  std::ofstream(certbot_dir() + "/renewal/broken.example.com.conf")
      << "[renewalparams]\n";

  r = cli_.Run("import-certbot", {"--from", certbot_dir()});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("authenticator \"apache\" is not in certpilot"));
  EXPECT_THAT(r.err, HasSubstr("installer \"apache\""));
  EXPECT_THAT(r.err, HasSubstr("broken.example.com not imported"));
  EXPECT_EQ(cli_.CheckLineage("apache.example.com"), "");
  EXPECT_FALSE(fs::exists(cli_.config() + "/renewal/broken.example.com.conf"));
}

}  // namespace
}  // namespace certpilot::testing
