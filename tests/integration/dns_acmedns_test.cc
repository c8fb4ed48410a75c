// The dns-acmedns provider end to end: the built binary issues a wildcard
// and its base name from the real Pebble CA through CNAME delegation, as
// acme-dns is used: _acme-challenge.adns.example.com is a CNAME (in
// Pebble's mock DNS, pebble-challtestsrv, which certpilot asks through
// --dns-resolver) to the account's fulldomain, and the update goes over TLS
// to the acme-dns contract fake (tests/support/acme_dns_fake.h) behind
// HttpsFakeServer, whose two values are mirrored into the mock DNS at the
// fulldomain. Then: a name without the CNAME and a wrong password fail
// with exit 1, naming the CNAME to add / without the password.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "integration/solvers_test_util.h"
#include "support/acme_dns_fake.h"
#include "support/cli_harness.h"
#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"
#include "support/pebble_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const AcmeDnsFakeAccount kAccount = {
    "eabcdb41-d89f-4580-826f-3e62e9755ef2",
    "pbAXVjlIOE01xbut7YnAbkhMQIkcwoHO0ek2j4Q0",
    "d420c923-bbd7-4056-ab64-c3ca54c9b3cf",
    "d420c923-bbd7-4056-ab64-c3ca54c9b3cf.auth.test"};

class DnsAcmeDnsTest : public ::testing::Test {
 protected:
  DnsAcmeDnsTest()
      : server_([this](const HttpsRequest& r) {
          http::Request request;
          request.method = r.method;
          request.url = server_.base() + r.target;
          request.headers = r.headers;
          request.body = r.body;
          return api_->Do(request);
        }),
        api_(std::make_unique<AcmeDnsFake>(server_.base(), kAccount)),
        cli_(pebble_.directory_url(),
             JoinCaBundles(dir_ / "bundle.pem",
                           {pebble_.ca_bundle_path(), server_.ca_bundle()}),
             pebble_.http_port()) {
    api_->on_change = [this](const std::string& name,
                             const std::vector<std::string>& values) {
      pebble_.ClearTxt(name);
      for (const std::string& v : values) pebble_.SetTxt(name, v);
    };
  }

  std::string Ini(const std::string& password) {
    nlohmann::json reg;
    for (const char* domain : {"adns.example.com", "nocname.example.com"})
      reg[domain] = {{"username", kAccount.username},
                     {"password", password},
                     {"fulldomain", kAccount.fulldomain},
                     {"subdomain", kAccount.subdomain},
                     {"allowfrom", nlohmann::json::array()}};
    const std::string json_path = dir_ / "acmedns.json";
    std::ofstream(json_path) << reg.dump();
    EXPECT_EQ(::chmod(json_path.c_str(), 0600), 0);
    const std::string ini = dir_ / "acmedns.ini";
    std::ofstream(ini) << "dns_acmedns_api_url = " << server_.base()
                       << "\ndns_acmedns_registration_file = " << json_path
                       << "\n";
    EXPECT_EQ(::chmod(ini.c_str(), 0600), 0);
    return ini;
  }
  RunResult Certonly(const std::string& ini, const std::string& names) {
    return cli_.Run(
        "certonly",
        With(kRegister,
             {"--dns-acmedns", "--dns-acmedns-credentials", ini,
              "--dns-resolver", pebble_.dns_address(), "-d", names}));
  }

  TempDir dir_;
  PebbleFixture pebble_;
  HttpsFakeServer server_;
  std::unique_ptr<AcmeDnsFake> api_;
  CliHarness cli_;
};

TEST_F(DnsAcmeDnsTest, IssuesAWildcardAndItsBaseThroughTheCname) {
  pebble_.SetCname("_acme-challenge.adns.example.com", kAccount.fulldomain);
  RunResult r =
      Certonly(Ini(kAccount.password), "adns.example.com,*.adns.example.com");
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("adns.example.com"), "");
  std::lock_guard<std::mutex> lock(api_->mu);
  EXPECT_EQ(api_->values.size(), 2u);  // the wildcard's and the base's
  EXPECT_NE(api_->values.front(), api_->values.back());
}

TEST_F(DnsAcmeDnsTest, AMissingCnameOrAWrongPasswordFailsClearly) {
  RunResult nocname = Certonly(Ini(kAccount.password), "nocname.example.com");
  EXPECT_EQ(nocname.exit_code, 1) << nocname.Describe();
  EXPECT_THAT(nocname.err,
              HasSubstr("add _acme-challenge.nocname.example.com. CNAME " +
                        kAccount.fulldomain + "."));
  pebble_.SetCname("_acme-challenge.adns.example.com", kAccount.fulldomain);
  RunResult wrong =
      Certonly(Ini("wrong-password-0123456789"), "adns.example.com");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_THAT(wrong.err, HasSubstr("answered 401"));
  EXPECT_THAT(wrong.err + wrong.out,
              Not(HasSubstr("wrong-password-0123456789")));
  std::lock_guard<std::mutex> lock(api_->mu);
  EXPECT_TRUE(api_->values.empty());
}

}  // namespace
}  // namespace certpilot::testing
