// The certonly and certificates use cases against the fake CA, on a real
// temp dir: what is stored, what renewal will read back, what a failed run
// leaves behind, and what is asked of the person at the terminal.
#include "app/usecases/certonly.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/usecases/certificates.h"
#include "app/usecases/reconfigure.h"
#include "app/wiring/account_setup.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/pkcs12.h"
#include "issuance/obtain.h"
#include "storage/renewal_conf.h"
#include "support/app_fakes.h"
#include "support/fake_acme_server.h"
#include "support/fake_clock.h"
#include "support/free_port.h"
#include "support/temp_dir.h"
#include "support/usage_message.h"
#include "support/use_case_fixture.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using testing::UsageMessage;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class CertonlyUseCase : public testing::UseCaseTest<> {
 protected:
  CertonlyUseCase() : options_(StandaloneCertonly({})) {}
  RenewalSettings StoredSettings(const std::string& name) {
    RunContext ctx(options_.common, services_, TreeLock::kNone);
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

  CertonlyOptions options_;
};

TEST_F(CertonlyUseCase, StoresLineageAndWhatRenewalNeeds) {
  options_.domains = {"a.example", "www.a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::string conf =
      testing::ReadFileOrEmpty(dir_ / "config/renewal/a.example.conf");
  EXPECT_NE(conf.find("[renewalparams]"), std::string::npos) << conf;
  EXPECT_NE(conf.find("authenticator = standalone"), std::string::npos) << conf;
  EXPECT_NE(conf.find("server = " + ca_.directory_url()), std::string::npos)
      << conf;
  EXPECT_NE(conf.find("key_type = ecdsa"), std::string::npos) << conf;
  EXPECT_NE(conf.find("archive_dir = " + dir_ / "config/archive/a.example"),
            std::string::npos)
      << conf;

  nlohmann::json list = ListJson();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["domains"],
            (std::vector<std::string>{"a.example", "www.a.example"}));
  EXPECT_EQ(list[0]["valid"], true);
  // 90-day certificate: renews 20 days before expiry.
  EXPECT_EQ(
      list[0]["renew_after"].get<std::string>().substr(0, 10),
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

// --account picks one of several stored accounts; one not stored is a
// usage error naming it and what is stored, before anything is ordered.
TEST_F(CertonlyUseCase, AccountChoosesAStoredAccount) {
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::vector<std::string> ids;
  {
    RunContext ctx(options_.common, services_);
    crypto::PrivateKey key = crypto::PrivateKey::Generate({});
    acme::Client client(ca_, clock_, ca_.directory_url());
    client.SetAccountKey(key);
    acme::NewAccountOptions o;
    o.terms_of_service_agreed = true;
    client.NewAccount(o);
    ctx.accounts().Save(
        ca_.directory_url(),
        {storage::AccountStore::AccountId(key), client.kid(), key, "{}"});
    for (const storage::StoredAccount& a :
         ctx.accounts().List(ca_.directory_url()))
      ids.push_back(a.id);
  }
  ASSERT_EQ(ids.size(), 2u);
  // The one a run would not take by itself.
  options_.common.account = ids.back();
  options_.domains = {"b.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_EQ(StoredSettings("b.example").account_id, ids.back());

  const int orders = ca_.CountRequests("/new-order");
  options_.common.account = "0123456789abcdef";
  options_.domains = {"c.example"};
  EXPECT_EQ(UsageMessage([&] { Certonly(options_, services_); }),
            "--account 0123456789abcdef: no such account is stored for " +
                ca_.directory_url() + " (stored: " + ids[0] + ", " + ids[1] +
                ")");
  options_.common.account = "../" + ids[0];
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("not an account ID"));
  EXPECT_EQ(ca_.CountRequests("/new-order"), orders);
  EXPECT_EQ(ca_.accounts(), 2u);
}

TEST_F(CertonlyUseCase, FailedRenewalLeavesTheWorkingCertificateAlone) {
  options_.domains = {"a.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::string before =
      testing::ReadFileOrEmpty(dir_ / "config/live/a.example/fullchain.pem");
  ca_.failing_names = {"a.example"};
  options_.force_renewal = true;
  EXPECT_THROW(Certonly(options_, services_), Error);
  EXPECT_EQ(
      testing::ReadFileOrEmpty(dir_ / "config/live/a.example/fullchain.pem"),
      before);
  EXPECT_EQ(ListJson()[0]["valid"], true);
}

TEST_F(CertonlyUseCase, RsaSettingsAreStored) {
  options_.domains = {"rsa.example"};
  options_.key_type = "rsa";
  options_.rsa_key_size = 3072;
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_EQ(ListJson()[0]["key_type"], "rsa-3072");
  std::string conf =
      testing::ReadFileOrEmpty(dir_ / "config/renewal/rsa.example.conf");
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
    if (r.payload.find("mailto:me@example.com") != std::string::npos)
      saw_contact = true;
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
  for (const char* bad : {"", "a", "@example.com", "a@", "a@b@c", "a b@c.d",
                          "a@c.d\n", "a,b@c.d", "<a@c.d>"})
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
  EXPECT_THAT(s.challenges.webroot_map, ::testing::UnorderedElementsAre(
                                            ::testing::Pair("a.example", one),
                                            ::testing::Pair("b.example", two)));
  const std::string conf =
      testing::ReadFileOrEmpty(dir_ / "config/renewal/a.example.conf");
  EXPECT_THAT(conf, HasSubstr("webroot_path = " + one + ", " + two + "\n"));
}

TEST_F(CertonlyUseCase, ChallengeSettingsRoundTripThroughTheRenewalConf) {
  options_.domains = {"rt.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  RunContext ctx(options_.common, services_, TreeLock::kNone);
  RenewalSettings s = ReadRenewalConf(ctx, "rt.example");
  EXPECT_EQ(s.challenges, ChallengeSettings{}) << "defaults must write no keys";
  const std::string path = dir_ / "config/renewal/rt.example.conf";
  EXPECT_THAT(testing::ReadFileOrEmpty(path),
              ::testing::Not(HasSubstr("tls_alpn")));
  s.challenges.preferred = {"dns-01", "http-01"};
  s.challenges.webroot_map = {{"rt.example", "/var/www/a b"}};
  s.challenges.manual_auth_hook = "/usr/local/bin/auth --x 'y'";
  s.challenges.manual_cleanup_hook = "/usr/local/bin/clean";
  s.challenges.dns_resolver = "127.0.0.1:5353";
  s.challenges.dns_propagation_seconds = 30;
  s.challenges.dns_rfc2136_credentials = "/etc/certpilot/rfc2136.ini";
  s.challenges.dns_provider_credentials = {{"powerdns", "/etc/pdns.ini"}};
  s.challenges.dns_cname_delegation = false;
  s.challenges.tls_alpn01_port = 8443;
  s.challenges.tls_alpn01_address = "::1";
  WriteRenewalConf(ctx, "rt.example", s);
  EXPECT_EQ(ReadRenewalConf(ctx, "rt.example").challenges, s.challenges);
  // certbot's key for the plugin's credentials; ours for the delegation.
  EXPECT_THAT(testing::ReadFileOrEmpty(path),
              HasSubstr("dns_powerdns_credentials = /etc/pdns.ini\n"));
  EXPECT_THAT(testing::ReadFileOrEmpty(path),
              HasSubstr("dns_cname_delegation = False\n"));
  // Back to one fewer webroot name and defaults: stale keys go.
  s.challenges = ChallengeSettings{};
  WriteRenewalConf(ctx, "rt.example", s);
  EXPECT_EQ(ReadRenewalConf(ctx, "rt.example").challenges, ChallengeSettings{});
  EXPECT_THAT(testing::ReadFileOrEmpty(path),
              ::testing::Not(HasSubstr("rt.example = ")));
}

TEST_F(CertonlyUseCase, AGarbledNumberInTheConfIsAUsageError) {
  options_.domains = {"bad.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  const std::string path = dir_ / "config/renewal/bad.example.conf";
  std::ofstream(path, std::ios::app) << "tls_alpn_01_port = 44three\n";
  EXPECT_THAT(UsageMessage([&] { StoredSettings("bad.example"); }),
              HasSubstr("tls_alpn_01_port must be a number from 1 to 65535"));
}

TEST_F(CertonlyUseCase, Pkcs12KeystoreHoldsTheLineageAndItsSettingsAreStored) {
  std::ofstream(dir_ / "pw") << "secret\r\n";
  options_.domains = {"java.example"};
  options_.pkcs12 = {dir_ / "ks.p12", dir_ / "pw"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  crypto::Pkcs12Contents ks =
      crypto::ParsePkcs12(testing::ReadFileOrEmpty(dir_ / "ks.p12"), "secret");
  const std::string live = dir_ / "config/live/java.example";
  EXPECT_EQ(
      ks.certificate.ToDer(),
      crypto::Certificate::FromPem(testing::ReadFileOrEmpty(live + "/cert.pem"))
          .ToDer());
  EXPECT_EQ(ks.key.ToPem(), crypto::PrivateKey::FromPem(
                                testing::ReadFileOrEmpty(live + "/privkey.pem"))
                                .ToPem());
  EXPECT_EQ(ks.friendly_name, "java.example");
  EXPECT_FALSE(ks.chain.empty());
  EXPECT_EQ(StoredSettings("java.example").pkcs12, options_.pkcs12);

  // One key without the other is a damaged conf.
  const std::string path = dir_ / "config/renewal/java.example.conf";
  std::string conf = testing::ReadFileOrEmpty(path);
  conf.erase(conf.find("pkcs12_password_file"));
  std::ofstream(path, std::ios::trunc) << conf;
  EXPECT_THAT(UsageMessage([&] { StoredSettings("java.example"); }),
              HasSubstr("pkcs12_path and pkcs12_password_file go together"));
}

TEST_F(CertonlyUseCase, Pkcs12PathsAreStoredAbsoluteAndRefusedWithCsr) {
  std::ofstream(dir_ / "pw") << "secret";
  const fs::path before = fs::current_path();
  fs::current_path(dir_.path());
  options_.domains = {"rel.example"};
  options_.pkcs12 = {"ks.p12", "pw"};
  EXPECT_EQ(Certonly(options_, services_), 0);
  fs::current_path(before);
  EXPECT_EQ(StoredSettings("rel.example").pkcs12,
            (Pkcs12Settings{dir_ / "ks.p12", dir_ / "pw"}));
  options_.csr = dir_ / "req.pem";
  std::ofstream(options_.csr, std::ios::binary)
      << crypto::MakeCsrDer(crypto::PrivateKey::Generate({}), {"rel.example"});
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("cannot go with --csr"));
}

TEST_F(CertonlyUseCase, ManualHooksRunAndAreStored) {
  const std::string log = dir_ / "log";
  options_.authenticator = "manual";
  options_.challenges.preferred = {"dns"};
  options_.challenges.manual_auth_hook =
      "echo \"auth $CERTBOT_DOMAIN $CERTBOT_VALIDATION\" >> '" + log + "'";
  options_.challenges.manual_cleanup_hook =
      "echo \"cleanup $CERTBOT_DOMAIN\" >> '" + log + "'";
  options_.domains = {"*.m.example", "m.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  std::string text = testing::ReadFileOrEmpty(log);
  EXPECT_THAT(text, HasSubstr("auth m.example "));
  EXPECT_THAT(text, HasSubstr("cleanup m.example"));
  RenewalSettings s = StoredSettings("m.example");
  EXPECT_THAT(s.challenges.preferred, ElementsAre("dns-01"));
  EXPECT_EQ(s.challenges.manual_auth_hook,
            options_.challenges.manual_auth_hook);
}

TEST_F(CertonlyUseCase, RefusalsComeBeforeAnyRequest) {
  options_.domains = {"*.w.example"};
  EXPECT_THROW(Certonly(options_, services_),
               UsageError);  // standalone, wildcard
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

// ---- CSR, subsets, expand, profiles, chain, must-staple, reconfigure
// ----

TEST_F(CertonlyUseCase, CsrIssuesIntoFilesAndMakesNoLineage) {
  const crypto::PrivateKey key = crypto::PrivateKey::Generate({});
  const std::string csr = dir_ / "req.der";
  std::ofstream(csr, std::ios::binary)
      << crypto::MakeCsrDer(key, {"csr.example", "127.0.0.1"});
  options_.csr = csr;
  options_.cert_path = dir_ / "out/cert.pem";
  options_.chain_path = dir_ / "out/chain.pem";
  options_.fullchain_path = dir_ / "out/fullchain.pem";
  fs::create_directories(dir_ / "out");
  ASSERT_EQ(Certonly(options_, services_), 0);
  crypto::Certificate cert = crypto::Certificate::FromPem(
      testing::ReadFileOrEmpty(options_.cert_path));
  EXPECT_TRUE(cert.MatchesKey(key));
  EXPECT_THAT(cert.DnsNames(), ElementsAre("csr.example"));
  EXPECT_THAT(cert.IpAddresses(), ElementsAre("127.0.0.1"));
  EXPECT_EQ(testing::ReadFileOrEmpty(options_.fullchain_path),
            testing::ReadFileOrEmpty(options_.cert_path) +
                testing::ReadFileOrEmpty(options_.chain_path));
  EXPECT_FALSE(fs::exists(dir_ / "config/live"));
  EXPECT_FALSE(fs::exists(dir_ / "config/renewal"));

  // Never overwrites; refused before anything is ordered.
  const int orders = ca_.CountRequests("/new-order");
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("out/cert.pem exists; certpilot never overwrites"));
  EXPECT_EQ(ca_.CountRequests("/new-order"), orders);
  options_.domains = {"other.example"};
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("the -d names differ from the CSR's"));
  options_.csr = dir_ / "out/cert.pem";  // not a CSR
  options_.domains.clear();
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("--csr "));
}

TEST_F(CertonlyUseCase, CsrDefaultFileNamesCountUpLikeCertbots) {
  const std::string csr = dir_ / "req.pem";
  std::ofstream(csr, std::ios::binary)
      << crypto::MakeCsrDer(crypto::PrivateKey::Generate({}), {"n.example"});
  options_.csr = csr;
  fs::create_directories(dir_ / "cwd");
  const fs::path before = fs::current_path();
  fs::current_path(dir_ / "cwd");
  std::ofstream("0000_chain.pem") << "someone's";
  EXPECT_EQ(Certonly(options_, services_), 0);
  EXPECT_EQ(Certonly(options_, services_), 0);
  fs::current_path(before);
  EXPECT_EQ(testing::ReadFileOrEmpty(dir_ / "cwd/0000_chain.pem"), "someone's");
  EXPECT_FALSE(fs::exists(dir_ / "cwd/0000_cert.pem"));
  for (const char* f :
       {"0001_cert.pem", "0001_chain.pem", "0001_fullchain.pem",
        "0002_cert.pem", "0002_chain.pem", "0002_fullchain.pem"})
    EXPECT_TRUE(fs::exists(dir_ / ("cwd/" + std::string(f)))) << f;
}

TEST_F(CertonlyUseCase, AllowSubsetOfNamesDropsWhatFailsValidation) {
  ca_.failing_names = {"bad.example"};
  options_.domains = {"good.example", "bad.example"};
  EXPECT_THROW(Certonly(options_, services_), issuance::ValidationError);
  options_.allow_subset_of_names = true;
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_THAT(ListJson()[0]["domains"], ElementsAre("good.example"));
  // Not when nothing would be left.
  options_.domains = {"bad.example"};
  options_.cert_name = "only-bad";
  EXPECT_THROW(Certonly(options_, services_), issuance::ValidationError);
}

TEST_F(CertonlyUseCase, ExpandAsksOnATerminalAndNeedsTheFlagOtherwise) {
  options_.domains = {"e.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  options_.domains = {"e.example", "www.e.example"};
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("--expand"));
  prompter_.interactive_ = true;
  prompter_.answers = {"y"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  nlohmann::json list = ListJson();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "e.example");
  EXPECT_THAT(list[0]["domains"], ElementsAre("e.example", "www.e.example"));
}

TEST_F(CertonlyUseCase, ProfilesFollowWhatTheDirectoryOffers) {
  ca_.profiles = {{"classic", "the default"}, {"shortlived", "6 days"}};
  options_.domains = {"p.example"};
  options_.order.required_profile = "tlsserver";
  try {
    Certonly(options_, services_);
    FAIL() << "a missing required profile was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("does not offer the required profile \"tlsserver\" "
                          "(it offers: classic, shortlived)"));
  }
  options_.order.required_profile.clear();
  options_.order.preferred_profile = "tlsserver";  // not offered: the default
  ASSERT_EQ(Certonly(options_, services_), 0);
  options_.order.preferred_profile = "shortlived";
  options_.force_renewal = true;
  ASSERT_EQ(Certonly(options_, services_), 0);
  EXPECT_THAT(ca_.OrderedProfiles(), ElementsAre("", "shortlived"));
  EXPECT_EQ(StoredSettings("p.example").order.preferred_profile, "shortlived");
  options_.order.required_profile = "classic";
  EXPECT_THAT(UsageMessage([&] { Certonly(options_, services_); }),
              HasSubstr("exclude each other"));
}

TEST_F(CertonlyUseCase, OrderSettingsAreStoredForRenewal) {
  options_.domains = {"o.example"};
  options_.order.must_staple = true;
  options_.order.preferred_chain = "Some Root X1";
  ASSERT_EQ(Certonly(options_, services_), 0);
  OrderSettings stored = StoredSettings("o.example").order;
  EXPECT_EQ(stored, options_.order);
  const std::string conf =
      testing::ReadFileOrEmpty(dir_ / "config/renewal/o.example.conf");
  EXPECT_THAT(conf, HasSubstr("must_staple = True"));
  EXPECT_THAT(conf, HasSubstr("preferred_chain = Some Root X1"));
}

TEST_F(CertonlyUseCase, ReconfigureSavesOnlyWhatADryRunProved) {
  options_.domains = {"r.example"};
  ASSERT_EQ(Certonly(options_, services_), 0);
  const std::string conf_path = dir_ / "config/renewal/r.example.conf";
  const std::string before = testing::ReadFileOrEmpty(conf_path);
  ReconfigureOptions r;
  r.renew.common = options_.common;
  r.renew.cert_name = "r.example";
  r.renew.deploy_hook = "echo deployed";
  r.renew.must_staple = true;
  r.renew.http01_address = "127.0.0.1";
  r.renew.http01_port = options_.http01_port;

  ca_.failing_names = {"r.example"};
  EXPECT_EQ(Reconfigure(r, services_), 1);
  EXPECT_EQ(testing::ReadFileOrEmpty(conf_path), before);

  ca_.failing_names.clear();
  const int orders = ca_.CountRequests("/new-order");
  ASSERT_EQ(Reconfigure(r, services_), 0);
  EXPECT_EQ(ca_.CountRequests("/new-order"), orders + 1);  // the dry run
  RenewalSettings s = StoredSettings("r.example");
  EXPECT_EQ(s.deploy_hook, "echo deployed");
  EXPECT_TRUE(s.order.must_staple);
  // The certificate itself was not replaced.
  EXPECT_TRUE(fs::exists(dir_ / "config/archive/r.example/cert1.pem"));
  EXPECT_FALSE(fs::exists(dir_ / "config/archive/r.example/cert2.pem"));

  r.renew.cert_name = "missing.example";
  EXPECT_THAT(UsageMessage([&] { Reconfigure(r, services_); }),
              HasSubstr("no certificate named missing.example"));
}

}  // namespace
}  // namespace certpilot::app
