// certonly with certbot's options that change what happens to an existing
// lineage or to the run itself: --dry-run, --duplicate,
// --keep-until-expiring, --break-my-certs, --no-autorenew,
// --allow-subset-of-names, --must-staple for Let's Encrypt, and a CA that
// no longer knows the stored account. Against the fake CA.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/rules/renewal_policy.h"
#include "app/types/options.h"
#include "app/usecases/certificates.h"
#include "app/usecases/certonly.h"
#include "app/usecases/reconfigure.h"
#include "support/temp_dir.h"
#include "support/usage_message.h"
#include "support/use_case_fixture.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using ::testing::HasSubstr;
using testing::UsageMessage;
namespace fs = std::filesystem;

class CertonlyCertbotOptions : public testing::UseCaseTest<> {
 protected:
  CertonlyOptions Options(std::vector<std::string> domains) {
    return StandaloneCertonly(std::move(domains));
  }
  std::string Conf(const std::string& name) {
    return testing::ReadFileOrEmpty(dir_ /
                                    ("config/renewal/" + name + ".conf"));
  }
};

TEST_F(CertonlyCertbotOptions, DryRunOrdersFromTheCaAndSavesNothing) {
  CertonlyOptions o = Options({"a.example", "b.example"});
  o.dry_run = true;
  o.deploy_hook = "false";  // would fail the run if it ran
  ASSERT_EQ(Certonly(o, services_), 0);
  EXPECT_EQ(ca_.CountRequests("/finalize/"), 1);
  EXPECT_FALSE(fs::exists(dir_ / "config/live/a.example"));
  EXPECT_FALSE(fs::exists(dir_ / "config/archive/a.example"));
  EXPECT_FALSE(fs::exists(dir_ / "config/renewal/a.example.conf"));
  EXPECT_THAT(out_.str(),
              HasSubstr("The dry run was successful: " + ca_.directory_url() +
                        " validated and issued a certificate for a.example, "
                        "b.example; nothing was saved.\n"));

  // An existing lineage that is not due is still ordered, and left alone.
  o.dry_run = false;
  o.deploy_hook.clear();
  ASSERT_EQ(Certonly(o, services_), 0);
  const std::string conf = Conf("a.example");
  o.dry_run = true;
  ASSERT_EQ(Certonly(o, services_), 0);
  EXPECT_EQ(ca_.CountRequests("/finalize/"), 3);
  EXPECT_FALSE(fs::exists(dir_ / "config/archive/a.example/cert2.pem"));
  EXPECT_EQ(Conf("a.example"), conf);
}

TEST_F(CertonlyCertbotOptions, DryRunAgainstLetsEncryptUsesItsStagingServer) {
  CertonlyOptions o = Options({"a.example"});
  o.dry_run = true;
  o.common.server = kLetsEncryptProduction;
  std::vector<std::string> asked;
  ca_.intercept = [&](const http::Request& r) -> std::optional<http::Response> {
    asked.push_back(r.url);
    http::Response refused;
    refused.status = 404;
    return refused;
  };
  EXPECT_THROW(Certonly(o, services_), Error);
  ASSERT_FALSE(asked.empty());
  EXPECT_EQ(asked.front(), kLetsEncryptStaging);
}

// As certbot's: a first dry run against Let's Encrypt's staging server
// registers an account there, terms agreed, with the production account's
// contact, when only the production server has one.
TEST_F(CertonlyCertbotOptions, DryRunRegistersAStagingAccountUnattended) {
  CertonlyOptions o = Options({"a.example"});
  o.common.server = kLetsEncryptProduction;
  o.dry_run = true;
  o.common.agree_tos = false;
  o.common.email.clear();
  // No production account: registration needs its flags as usual.
  EXPECT_THAT(UsageMessage([&] { Certonly(o, services_); }),
              HasSubstr("to register an account"));
  EXPECT_TRUE(ca_.requests().empty());
}

TEST_F(CertonlyCertbotOptions, DuplicateMakesASecondLineage) {
  CertonlyOptions o = Options({"a.example"});
  ASSERT_EQ(Certonly(o, services_), 0);
  o.duplicate = true;
  ASSERT_EQ(Certonly(o, services_), 0);
  EXPECT_TRUE(fs::exists(dir_ / "config/live/a.example-0001/cert.pem"));
  EXPECT_TRUE(fs::exists(dir_ / "config/live/a.example/cert.pem"));
  EXPECT_FALSE(fs::exists(dir_ / "config/archive/a.example/cert2.pem"));
}

TEST_F(CertonlyCertbotOptions, KeepUntilExpiringKeepsALineageThatIsNotDue) {
  CertonlyOptions o = Options({"a.example"});
  ASSERT_EQ(Certonly(o, services_), 0);
  o.keep_until_expiring = true;
  out_.str("");
  ASSERT_EQ(Certonly(o, services_), 0);
  EXPECT_THAT(out_.str(), HasSubstr("is not yet due for renewal"));
  EXPECT_EQ(ca_.CountRequests("/finalize/"), 1);
}

TEST_F(CertonlyCertbotOptions, BreakMyCertsGuardsStagingAgainstProduction) {
  CertonlyOptions o = Options({"a.example"});
  ASSERT_EQ(Certonly(o, services_), 0);
  // The lineage came from a staging server; the fake CA is not one.
  const std::string path = dir_ / "config/renewal/a.example.conf";
  std::string conf = Conf("a.example");
  conf.replace(conf.find("server = " + ca_.directory_url()),
               9 + ca_.directory_url().size(),
               std::string("server = ") + kLetsEncryptStaging);
  fs_.Unlink(path);
  fs_.CreateFileExclusive(path, conf, 0644, std::nullopt);
  o.force_renewal = true;
  const std::string message = UsageMessage([&] { Certonly(o, services_); });
  EXPECT_THAT(message, HasSubstr(kLetsEncryptStaging));
  EXPECT_THAT(message, HasSubstr(ca_.directory_url()));
  EXPECT_THAT(message, HasSubstr("--break-my-certs"));
  EXPECT_EQ(ca_.CountRequests("/finalize/"), 1);

  o.break_my_certs = true;
  ASSERT_EQ(Certonly(o, services_), 0);
  EXPECT_TRUE(fs::exists(dir_ / "config/archive/a.example/cert2.pem"));
}

TEST_F(CertonlyCertbotOptions, MustStapleIsRefusedForLetsEncrypt) {
  for (const char* server : {kLetsEncryptProduction, kLetsEncryptStaging}) {
    CertonlyOptions o = Options({"a.example"});
    o.common.server = server;
    o.order.must_staple = true;
    EXPECT_THAT(UsageMessage([&] { Certonly(o, services_); }),
                HasSubstr("since May 2025"))
        << server;
  }
  EXPECT_TRUE(ca_.requests().empty());
  CertonlyOptions other = Options({"a.example"});
  other.order.must_staple = true;
  EXPECT_EQ(Certonly(other, services_), 0);
}

TEST_F(CertonlyCertbotOptions, NewRenewalConfStatesCertpilotsRule) {
  ASSERT_EQ(Certonly(Options({"a.example"}), services_), 0);
  const std::string conf = Conf("a.example");
  EXPECT_EQ(conf.rfind(std::string("# ") + kRenewalRuleComment[0] + "\n", 0),
            0u)
      << conf;
  EXPECT_THAT(conf, HasSubstr("less than 20 days or a third"));
  EXPECT_THAT(conf, ::testing::Not(HasSubstr("30 days")));
}

TEST_F(CertonlyCertbotOptions, CertificatesShowsHoursInTheLastTwoDays) {
  ca_.validity = std::chrono::hours(24);
  ASSERT_EQ(Certonly(Options({"short.example"}), services_), 0);
  ca_.validity = std::chrono::hours(24 * 90);
  ASSERT_EQ(Certonly(Options({"long.example"}), services_), 0);
  CertificatesOptions list;
  list.common = common_;
  out_.str("");
  ASSERT_EQ(Certificates(list, services_), 0);
  // The fake CA dates certificates by the real clock in whole seconds;
  // FakeClock stands still at the real time the fixture was made. So 23 or
  // 24 hours are left, and 89 or 90 days (90 when the issuance crossed a
  // second boundary after the fixture was made).
  EXPECT_THAT(out_.str(), ::testing::ContainsRegex("\\(VALID: 2[34] hours\\)"));
  EXPECT_THAT(out_.str(),
              ::testing::ContainsRegex("\\(VALID: (89|90) days\\)"));
  EXPECT_THAT(out_.str(), ::testing::Not(HasSubstr("VALID: 0 days")));
}

TEST_F(CertonlyCertbotOptions, AnAccountTheCaForgotIsNamedWithTheFix) {
  CertonlyOptions o = Options({"a.example"});
  ASSERT_EQ(Certonly(o, services_), 0);
  ca_.ForgetAccounts();
  o.force_renewal = true;
  try {
    Certonly(o, services_);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    FAIL() << e.what();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no longer knows account"));
    EXPECT_THAT(e.what(), HasSubstr("certpilot register --config-dir"));
    EXPECT_THAT(e.what(), HasSubstr("accountDoesNotExist"));
  }
  EXPECT_FALSE(fs::exists(dir_ / "config/archive/a.example/cert2.pem"));
}

}  // namespace
}  // namespace certpilot::app

namespace certpilot::app {
namespace {

TEST_F(CertonlyCertbotOptions, ReconfigureStoresAutorenewAndSubset) {
  CertonlyOptions o = Options({"r.example"});
  ASSERT_EQ(Certonly(o, services_), 0);
  ReconfigureOptions r;
  r.renew.common = common_;
  r.renew.cert_name = "r.example";
  r.renew.http01_address = "127.0.0.1";
  r.renew.http01_port = o.http01_port;
  r.renew.autorenew = false;
  r.renew.allow_subset_of_names = true;
  ASSERT_EQ(Reconfigure(r, services_), 0);
  EXPECT_THAT(Conf("r.example"), HasSubstr("\nautorenew = False\n"));
  EXPECT_THAT(Conf("r.example"), HasSubstr("\nallow_subset_of_names = True\n"));
  r.renew.autorenew = true;
  ASSERT_EQ(Reconfigure(r, services_), 0);
  EXPECT_THAT(Conf("r.example"), ::testing::Not(HasSubstr("autorenew =")));
}

}  // namespace
}  // namespace certpilot::app
