// The certonly and certificates use cases against the fake CA, on a real
// temp dir: what is stored, what renewal will read back, what a failed run
// leaves behind, and what is asked of the person at the terminal.
#include "app/certonly.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/account_setup.h"
#include "app/certificates.h"
#include "app/run_context.h"
#include "app/renewal_settings.h"
#include "storage/renewal_conf.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/free_port.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "support/usage_message.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using testing::UsageMessage;

using testing::FakeAcmeServer;
using testing::FakeClock;
using testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
namespace fs = std::filesystem;

class CertonlyUseCase : public ::testing::Test {
 protected:
  CertonlyUseCase()
      : services_{fs_, clock_, prompter_,
                  [this](const CommonOptions&) { return std::make_unique<testing::BorrowedHttpClient>(ca_); },
                  out_, runner_, [] { return 0.5; }, false} {
    options_.common.config_dir = dir_ / "config";
    options_.common.server = ca_.directory_url();
    options_.common.email = "admin@example.com";
    options_.common.agree_tos = true;
    options_.common.non_interactive = true;
    options_.http01_address = "127.0.0.1";
    options_.http01_port = testing::FreeLoopbackPort();  // the fake CA never connects
  }
  void TearDown() override {
    EXPECT_TRUE(ca_.violations().empty()) << ::testing::PrintToString(ca_.violations());
  }
  RenewalSettings StoredSettings(const std::string& name) {
    RunContext ctx(options_.common, services_, false);
    return ReadRenewalConf(ctx, name);
  }
  nlohmann::json ListJson() {
    CertificatesOptions o;
    o.common = options_.common;
    o.json = true;
    out_.str("");
    EXPECT_EQ(Certificates(o, services_), 0);
    return nlohmann::json::parse(out_.str());
  }

  TempDir dir_;
  FakeAcmeServer ca_;
  FakeClock clock_;
  sys::PosixFilesystem fs_;
  sys::PosixProcessRunner runner_;
  testing::ScriptedPrompter prompter_;
  std::ostringstream out_;
  Services services_;
  CertonlyOptions options_;
};

TEST_F(CertonlyUseCase, StoresLineageAndWhatRenewalNeeds) {
  options_.domains = {"a.example", "www.a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::string conf = testing::ReadFileOrEmpty(dir_ / "config/renewal/a.example.conf");
  EXPECT_NE(conf.find("[renewalparams]"), std::string::npos) << conf;
  EXPECT_NE(conf.find("authenticator = standalone"), std::string::npos) << conf;
  EXPECT_NE(conf.find("server = " + ca_.directory_url()), std::string::npos) << conf;
  EXPECT_NE(conf.find("key_type = ecdsa"), std::string::npos) << conf;
  EXPECT_NE(conf.find("archive_dir = " + dir_ / "config/archive/a.example"), std::string::npos)
      << conf;

  nlohmann::json list = ListJson();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["domains"], (std::vector<std::string>{"a.example", "www.a.example"}));
  EXPECT_EQ(list[0]["valid"], true);
  // 90-day certificate: renews 20 days before expiry.
  EXPECT_EQ(list[0]["renew_after"].get<std::string>().substr(0, 10),
            FormatRfc3339(clock_.Now() + std::chrono::hours(24 * 70)).substr(0, 10));
}

TEST_F(CertonlyUseCase, ReusesTheStoredAccount) {
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  options_.domains = {"b.example"};
  options_.common.email.clear();  // not needed any more
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_EQ(ca_.accounts(), 1u);
  EXPECT_EQ(ca_.CountRequests("/new-account"), 1);
}

TEST_F(CertonlyUseCase, FailedRenewalLeavesTheWorkingCertificateAlone) {
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::string before = testing::ReadFileOrEmpty(dir_ / "config/live/a.example/fullchain.pem");
  ca_.failing_names = {"a.example"};
  options_.force_renewal = true;
  EXPECT_THROW(Certonly(options_, services_), Error);
  EXPECT_EQ(testing::ReadFileOrEmpty(dir_ / "config/live/a.example/fullchain.pem"), before);
  EXPECT_EQ(ListJson()[0]["valid"], true);
}

TEST_F(CertonlyUseCase, RsaSettingsAreStored) {
  options_.domains = {"rsa.example"};
  options_.key_type = "rsa";
  options_.rsa_key_size = 3072;
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_EQ(ListJson()[0]["key_type"], "rsa-3072");
  std::string conf = testing::ReadFileOrEmpty(dir_ / "config/renewal/rsa.example.conf");
  EXPECT_NE(conf.find("rsa_key_size = 3072"), std::string::npos) << conf;
}

TEST_F(CertonlyUseCase, FiltersByNameAndDomain) {
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  options_.domains = {"b.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  CertificatesOptions o;
  o.common = options_.common;
  o.json = true;
  o.domains = {"B.EXAMPLE"};
  out_.str("");
  ASSERT_EQ(Certificates(o, services_), 0);
  nlohmann::json j = nlohmann::json::parse(out_.str());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "b.example");
}

TEST_F(CertonlyUseCase, DamagedLineageIsListedAsInvalid) {
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  fs_.Unlink(dir_ / "config/live/a.example/privkey.pem");
  nlohmann::json j = ListJson();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["valid"], false);
  out_.str("");
  CertificatesOptions o;
  o.common = options_.common;
  ASSERT_EQ(Certificates(o, services_), 0);
  EXPECT_NE(out_.str().find("INVALID"), std::string::npos) << out_.str();
}

TEST_F(CertonlyUseCase, AsksForEmailAndTermsOnATerminal) {
  options_.common.non_interactive = false;
  options_.common.email.clear();
  options_.common.agree_tos = false;
  prompter_.interactive_ = true;
  prompter_.answers = {"me@example.com", "y"};
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  ASSERT_EQ(prompter_.questions.size(), 2u);
  EXPECT_NE(prompter_.questions[0].find("email"), std::string::npos);
  EXPECT_NE(prompter_.questions[1].find("terms of service"), std::string::npos);
  auto reqs = ca_.requests();
  bool saw_contact = false;
  for (auto& r : reqs)
    if (r.payload.find("mailto:me@example.com") != std::string::npos) saw_contact = true;
  EXPECT_TRUE(saw_contact);
}

TEST_F(CertonlyUseCase, DecliningTheTermsRegistersNothing) {
  options_.common.agree_tos = false;
  options_.common.non_interactive = false;
  prompter_.interactive_ = true;
  prompter_.answers = {"n"};
  options_.domains = {"a.example"};
  EXPECT_THROW(Certonly(options_, services_), UsageError);
  EXPECT_EQ(ca_.accounts(), 0u);
}

TEST(ValidateEmail, Table) {
  EXPECT_NO_THROW(ValidateEmail("a@example.com"));
  for (const char* bad : {"", "a", "@example.com", "a@", "a@b@c", "a b@c.d", "a@c.d\n",
                          "a,b@c.d", "<a@c.d>"})
    EXPECT_THROW(ValidateEmail(bad), UsageError) << bad;
}

// ---- authenticators other than standalone (the fake CA validates nothing,
// so these check what is written, run, stored and refused) ----

TEST_F(CertonlyUseCase, WebrootStoresItsMapAndLeavesTheRootAsItWas) {
  const std::string one = dir_ / "one", two = dir_ / "two";
  fs::create_directories(one);
  fs::create_directories(two + "/.well-known/acme-challenge");
  options_.authenticator = "webroot";
  options_.domains = {"a.example", "b.example"};
  options_.webroot_paths = {{one, 0}, {two, 1}};
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_FALSE(fs::exists(one + "/.well-known"));
  EXPECT_TRUE(fs::is_empty(two + "/.well-known/acme-challenge"));
  RenewalSettings s = StoredSettings("a.example");
  EXPECT_EQ(s.authenticator, "webroot");
  EXPECT_THAT(s.challenges.webroot_map,
              UnorderedElementsAre(Pair("a.example", one), Pair("b.example", two)));
  const std::string conf = testing::ReadFileOrEmpty(dir_ / "config/renewal/a.example.conf");
  EXPECT_THAT(conf, HasSubstr("webroot_path = " + one + ", " + two + "\n"));
}

TEST_F(CertonlyUseCase, ChallengeSettingsRoundTripThroughTheRenewalConf) {
  options_.domains = {"rt.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  RunContext ctx(options_.common, services_, false);
  RenewalSettings s = ReadRenewalConf(ctx, "rt.example");
  EXPECT_EQ(s.challenges, ChallengeSettings{}) << "defaults must write no keys";
  const std::string path = dir_ / "config/renewal/rt.example.conf";
  EXPECT_THAT(testing::ReadFileOrEmpty(path), ::testing::Not(HasSubstr("tls_alpn")));
  s.challenges.preferred = {"dns-01", "http-01"};
  s.challenges.webroot_map = {{"rt.example", "/var/www/a b"}};
  s.challenges.manual_auth_hook = "/usr/local/bin/auth --x 'y'";
  s.challenges.manual_cleanup_hook = "/usr/local/bin/clean";
  s.challenges.dns_resolver = "127.0.0.1:5353";
  s.challenges.dns_propagation_seconds = 30;
  s.challenges.dns_rfc2136_credentials = "/etc/certpilot/rfc2136.ini";
  s.challenges.tls_alpn01_port = 8443;
  s.challenges.tls_alpn01_address = "::1";
  WriteRenewalConf(ctx, "rt.example", s);
  EXPECT_EQ(ReadRenewalConf(ctx, "rt.example").challenges, s.challenges);
  // Back to one fewer webroot name and defaults: stale keys go.
  s.challenges = ChallengeSettings{};
  WriteRenewalConf(ctx, "rt.example", s);
  EXPECT_EQ(ReadRenewalConf(ctx, "rt.example").challenges, ChallengeSettings{});
  EXPECT_THAT(testing::ReadFileOrEmpty(path), ::testing::Not(HasSubstr("rt.example = ")));
}

TEST_F(CertonlyUseCase, AGarbledNumberInTheConfIsAUsageError) {
  options_.domains = {"bad.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  const std::string path = dir_ / "config/renewal/bad.example.conf";
  std::ofstream(path, std::ios::app) << "tls_alpn_01_port = 44three\n";
  EXPECT_THAT(UsageMessage([&] { StoredSettings("bad.example"); }),
              HasSubstr("tls_alpn_01_port must be a number from 1 to 65535"));
}

TEST_F(CertonlyUseCase, ManualHooksRunAndAreStored) {
  const std::string log = dir_ / "log";
  options_.authenticator = "manual";
  options_.challenges.preferred = {"dns"};
  options_.challenges.manual_auth_hook =
      "echo \"auth $CERTBOT_DOMAIN $CERTBOT_VALIDATION\" >> '" + log + "'";
  options_.challenges.manual_cleanup_hook = "echo \"cleanup $CERTBOT_DOMAIN\" >> '" + log + "'";
  options_.domains = {"*.m.example", "m.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::string text = testing::ReadFileOrEmpty(log);
  EXPECT_THAT(text, HasSubstr("auth m.example "));
  EXPECT_THAT(text, HasSubstr("cleanup m.example"));
  RenewalSettings s = StoredSettings("m.example");
  EXPECT_THAT(s.challenges.preferred, ElementsAre("dns-01"));
  EXPECT_EQ(s.challenges.manual_auth_hook, options_.challenges.manual_auth_hook);
}

TEST_F(CertonlyUseCase, RefusalsComeBeforeAnyRequest) {
  options_.domains = {"*.w.example"};
  EXPECT_THROW(Certonly(options_, services_), UsageError);  // standalone, wildcard
  options_.authenticator = "manual";
  options_.domains = {"m.example"};
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("--manual-auth-hook"));  // -n, no hook
  options_.authenticator = "dns-rfc2136";
  options_.challenges.dns_rfc2136_credentials = dir_ / "missing.ini";
  EXPECT_THROW(Certonly(options_, services_), Error);
  options_.authenticator = "standalone";
  options_.webroot_paths = {{"/srv", 0}};
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("need the webroot authenticator"));
  EXPECT_TRUE(ca_.requests().empty());
}

}  // namespace
}  // namespace certpilot::app
