// The Route 53 provider against the Route 53 contract fake
// (tests/support/route53_api_fake.h): signatures, pagination, UPSERT and
// exact DELETE, GetChange until INSYNC, errors; and the credentials chain.
#include "dns_providers/route53.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "crypto/digest.h"
#include "dns_providers/aws_sigv4.h"
#include "dns_providers/xml_text.h"
#include "solvers/dns_provider.h"
#include "support/fake_clock.h"
#include "support/route53_api_fake.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::dns_providers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

void AddZones(testing::Route53ApiFake& api) {
  api.AddZone("Z1EXAMPLE", "example.com.");
  api.AddZone("Z2PRIVATE", "sub.example.com.", /*private_zone=*/true);
  api.AddZone("Z3SUB", "deep.example.com.");
  api.AddZone("Z4ORG", "example.org.");
  api.AddZone("Z5NET", "example.net.");
}

class Route53ProviderTest : public ::testing::Test {
 protected:
  Route53ProviderTest() { AddZones(api_); }
  Route53Credentials Credentials(const std::string& secret = kSecret) {
    Route53Credentials c;
    c.key = {kKeyId, secret, ""};
    c.api_url = "https://route53.test";
    return c;
  }
  testing::FakeClock clock_{std::chrono::system_clock::from_time_t(
      1796378400)};  // 2026-12-04T10:00:00Z
  testing::Route53ApiFake api_{clock_, kKeyId, kSecret, "route53.test"};
  Route53Provider provider_{Credentials(), api_, clock_};
};

TEST_F(Route53ProviderTest, FindsTheLongestPublicZoneAcrossPages) {
  EXPECT_EQ(provider_.FindZone("_acme-challenge.www.deep.example.com."),
            "deep.example.com.");
  EXPECT_EQ(api_.zone_pages, 3);  // 5 zones, 2 a page
  EXPECT_THAT(api_.log,
              ElementsAre("GET /hostedzone", "GET /hostedzone?marker=Z3SUB",
                          "GET /hostedzone?marker=Z5NET"));
  // sub.example.com is private: its names belong to the public parent.
  EXPECT_EQ(provider_.FindZone("_acme-challenge.sub.example.com"),
            "example.com.");
  try {
    provider_.FindZone("_acme-challenge.example.edu.");
    ADD_FAILURE() << "no zone found";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("no zone for _acme-challenge.example.edu."));
    EXPECT_THAT(e.what(), HasSubstr("example.org."));
    EXPECT_THAT(e.what(), Not(HasSubstr("sub.example.com")));
  }
}

TEST_F(Route53ProviderTest, UpsertsBesideOtherValuesWaitsInSyncAndDeletes) {
  const std::string zone = provider_.FindZone("_acme-challenge.example.com.");
  api_.records["Z1EXAMPLE"]["_acme-challenge.example.com."] = {
      {"\"someone-elses\""}, 300};
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "token-a", 60);
  // A change is PENDING, then INSYNC: one pause of the poll interval.
  EXPECT_THAT(clock_.sleeps(), ElementsAre(std::chrono::seconds(5)));
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "token-b", 60);
  provider_.AddTxt(zone, "_acme-challenge.example.com.", "token-b", 60);
  EXPECT_EQ(api_.actions.size(), 2u);  // the repeat changed nothing
  EXPECT_THAT(api_.records["Z1EXAMPLE"]["_acme-challenge.example.com."].values,
              ElementsAre("\"someone-elses\"", "\"token-a\"", "\"token-b\""));
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "token-a");
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "token-b");
  provider_.DeleteTxt(zone, "_acme-challenge.example.com.", "token-b");
  EXPECT_THAT(api_.records["Z1EXAMPLE"]["_acme-challenge.example.com."].values,
              ElementsAre("\"someone-elses\""));
  // Our own RRset alone: the last value goes with an exact DELETE.
  provider_.AddTxt(zone, "_acme-challenge.www.example.com.", "token-c", 60);
  provider_.DeleteTxt(zone, "_acme-challenge.www.example.com.", "token-c");
  EXPECT_EQ(api_.records["Z1EXAMPLE"].count("_acme-challenge.www.example.com."),
            0u);
  EXPECT_EQ(api_.actions.back(), "DELETE _acme-challenge.www.example.com.");
}

TEST_F(Route53ProviderTest, AChangeThatNeverSyncsIsAnError) {
  const std::string zone = provider_.FindZone("example.com.");
  Route53Options o;
  o.insync_timeout = std::chrono::seconds(20);
  api_.pending_polls = 1000;
  Route53Provider stuck(Credentials(), api_, clock_, o);
  try {
    stuck.AddTxt(zone, "_acme-challenge.example.com.", "v", 60);
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("still PENDING after 20 s"));
  }
}

TEST_F(Route53ProviderTest, ApiErrorsCarryRoute53sCodeAndMessageNotTheSecret) {
  const std::string zone = provider_.FindZone("example.com.");
  api_.next_status = 400;
  try {
    provider_.AddTxt(zone, "_acme-challenge.example.com.", "v", 60);
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Route 53 API: GET /2013-04-01/hostedzone/"
                                    "Z1EXAMPLE/rrset"));
    EXPECT_THAT(e.what(), HasSubstr("answered 400: Throttling: Rate exceeded"));
    EXPECT_EQ(e.status(), 400);
  }
  api_.next_status = 429;
  api_.next_code = "Throttling";
  EXPECT_THROW(provider_.AddTxt(zone, "_acme-challenge.example.com.", "v", 60),
               solvers::DnsProviderError);
  api_.next_status = 503;
  api_.next_code = "ServiceUnavailable";
  EXPECT_THROW(provider_.AddTxt(zone, "_acme-challenge.example.com.", "v", 60),
               solvers::DnsProviderError);

  Route53Provider wrong(Credentials("not-the-secret-at-all"), api_, clock_);
  try {
    wrong.FindZone("example.com.");
    ADD_FAILURE() << "no error";
  } catch (const solvers::DnsProviderError& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_THAT(e.what(), HasSubstr("SignatureDoesNotMatch"));
    EXPECT_THAT(e.what(), HasSubstr("check the API key"));
    EXPECT_THAT(e.what(), Not(HasSubstr("not-the-secret-at-all")));
  }
  EXPECT_TRUE(api_.records["Z1EXAMPLE"].empty());
}

TEST(Route53CredentialsTest, ParsesTheFileAndRefusesMissingKeys) {
  Route53Credentials c = ParseRoute53Credentials(
      "dns_route53_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
      "dns_route53_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY\n",
      "r53.ini");
  EXPECT_EQ(c.key.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c.key.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCY");
  EXPECT_EQ(c.api_url, "https://route53.amazonaws.com");
  try {
    ParseRoute53Credentials("dns_route53_access_key_id = AKIA\n", "r53.ini");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("r53.ini: missing dns_route53_secret_access_key"));
  }
}

TEST(Route53CredentialsTest, FollowsBotosOrderEnvironmentThenSharedFile) {
  testing::TempDir dir;
  sys::PosixFilesystem fs;
  Route53Credentials env = Route53CredentialsFromEnvironment(
      fs, {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
           {"AWS_SECRET_ACCESS_KEY", "secretenv"},
           {"AWS_SESSION_TOKEN", "tok"},
           {"HOME", dir.path()}});
  EXPECT_EQ(env.key.access_key_id, "AKIDENV");
  EXPECT_EQ(env.key.session_token, "tok");
  EXPECT_THROW(
      Route53CredentialsFromEnvironment(fs, {{"AWS_ACCESS_KEY_ID", "AKIDENV"}}),
      UsageError);
  EXPECT_THROW(Route53CredentialsFromEnvironment(fs, {{"HOME", dir.path()}}),
               UsageError);

  ASSERT_EQ(::mkdir((dir / ".aws").c_str(), 0700), 0);
  const std::string shared = dir / ".aws/credentials";
  std::ofstream(shared) << "[default]\naws_access_key_id = AKIDDEFAULT\n"
                           "aws_secret_access_key = s1\n\n[ci]\n"
                           "aws_access_key_id=AKIDCI\naws_secret_access_key="
                           "s2\n";
  ASSERT_EQ(::chmod(shared.c_str(), 0600), 0);
  EXPECT_EQ(Route53CredentialsFromEnvironment(fs, {{"HOME", dir.path()}})
                .key.access_key_id,
            "AKIDDEFAULT");
  EXPECT_EQ(Route53CredentialsFromEnvironment(
                fs, {{"HOME", dir.path()}, {"AWS_PROFILE", "ci"}})
                .key.secret_access_key,
            "s2");
  EXPECT_THROW(Route53CredentialsFromEnvironment(
                   fs, {{"HOME", dir.path()}, {"AWS_PROFILE", "none"}}),
               UsageError);
  ASSERT_EQ(::chmod(shared.c_str(), 0644), 0);
  try {
    Route53CredentialsFromEnvironment(fs, {{"HOME", dir.path()}});
    ADD_FAILURE() << "a loose shared credentials file was accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chmod 600"));
  }
}

}  // namespace
}  // namespace certpilot::dns_providers
