// The acme-dns provider against the acme-dns contract fake
// (tests/support/acme_dns_fake.h), and its two files.
#include "dns_providers/acme_dns.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "solvers/dns_provider.h"
#include "support/acme_dns_fake.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUser[] = "eabcdb41-d89f-4580-826f-3e62e9755ef2";
constexpr char kPassword[] = "pbAXVjlIOE01xbut7YnAbkhMQIkcwoHO0ek2j4Q0";
constexpr char kSub[] = "d420c923-bbd7-4056-ab64-c3ca54c9b3cf";
constexpr char kFull[] = "d420c923-bbd7-4056-ab64-c3ca54c9b3cf.auth.test";
const std::string kValue1(43, 'a'), kValue2(43, 'b'), kValue3(43, 'c');

std::string Registrations() {
  return json{{"example.com",
               {{"username", kUser},
                {"password", kPassword},
                {"fulldomain", kFull},
                {"subdomain", kSub},
                {"allowfrom", json::array()}}}}
      .dump();
}

testing::AcmeDnsFakeAccount Account() {
  return {kUser, kPassword, kSub, kFull};
}

struct FakeAcmeDns : testing::AcmeDnsFake {
  FakeAcmeDns() : AcmeDnsFake("https://acme-dns.test", Account()) {}
};

AcmeDnsCredentials Credentials() {
  return {"https://acme-dns.test",
          ParseAcmeDnsRegistrations(Registrations(), "acmedns.json")};
}

TEST(AcmeDnsTest, UpdatesTheAccountAtTheEndOfTheCname) {
  FakeAcmeDns api;
  AcmeDnsProvider provider(Credentials(), api);
  const std::string zone = provider.FindZone(std::string(kFull) + ".");
  EXPECT_EQ(zone, std::string(kFull) + ".");
  provider.AddTxt(zone, zone, kValue1, 60);
  provider.AddTxt(zone, zone, kValue2, 60);
  EXPECT_THAT(api.values, ElementsAre(kValue1, kValue2));
  provider.DeleteTxt(zone, zone, kValue1);  // acme-dns has no delete
  EXPECT_THAT(api.values, ElementsAre(kValue1, kValue2));
  provider.AddTxt(zone, zone, kValue3, 60);
  EXPECT_THAT(api.values, ElementsAre(kValue2, kValue3));
}

TEST(AcmeDnsTest, AMissingCnameOrAccountIsNamed) {
  FakeAcmeDns api;
  AcmeDnsProvider provider(Credentials(), api);
  try {
    provider.FindZone("_acme-challenge.example.com.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("add _acme-challenge.example.com. CNAME " +
                                    std::string(kFull) + "."));
  }
  try {
    provider.FindZone("_acme-challenge.example.org.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no acme-dns account for "
                                    "_acme-challenge.example.org."));
    EXPECT_THAT(e.what(), HasSubstr("example.com."));
  }
}

TEST(AcmeDnsTest, ApiErrorsAreReportedWithoutThePassword) {
  FakeAcmeDns api;
  AcmeDnsCredentials c = Credentials();
  c.accounts.begin()->second.password = "wrong-password-123";
  AcmeDnsProvider provider(c, api);
  try {
    provider.AddTxt(kFull, kFull, kValue1, 60);
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("acme-dns API: POST /update answered 401"));
    EXPECT_THAT(e.what(), HasSubstr("forbidden"));
    EXPECT_THAT(e.what(), Not(HasSubstr("wrong-password-123")));
  }
  AcmeDnsProvider good(Credentials(), api);
  for (int status : {429, 500}) {
    api.next_status = status;
    EXPECT_THROW(good.AddTxt(kFull, kFull, kValue1, 60),
                 solvers::DnsProviderError);
  }
  EXPECT_TRUE(api.values.empty());
}

TEST(AcmeDnsTest, LoadsBothFilesAndRefusesLooseOrIncompleteOnes) {
  testing::TempDir dir;
  sys::PosixFilesystem fs;
  const std::string reg = dir.Write("acmedns.json", Registrations(), 0600);
  const std::string ini =
      dir.Write("acmedns.ini",
                "dns_acmedns_api_url = https://acme-dns.test/\n"
                "dns_acmedns_registration_file = " +
                    reg + "\n",
                0600);
  AcmeDnsCredentials c = LoadAcmeDnsCredentials(fs, ini);
  EXPECT_EQ(c.api_url, "https://acme-dns.test");
  ASSERT_EQ(c.accounts.count("example.com."), 1u);
  EXPECT_EQ(c.accounts["example.com."].fulldomain, std::string(kFull) + ".");
  ASSERT_EQ(::chmod(reg.c_str(), 0644), 0);
  try {
    LoadAcmeDnsCredentials(fs, ini);
    ADD_FAILURE() << "a loose registration file was accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chmod 600 " + reg));
  }
  EXPECT_THROW(ParseAcmeDnsRegistrations(
                   R"({"example.com": {"username": "u"}})", "r.json"),
               UsageError);
  EXPECT_THROW(ParseAcmeDnsRegistrations("[]", "r.json"), UsageError);
}

}  // namespace
}  // namespace certpilot::dns_providers
