// The Cloudflare provider against CloudflareFake (tests/support/
// cloudflare_fake.h), the contract fake of Cloudflare's API v4, over real
// TLS on loopback through the production libcurl client: both kinds of
// credentials, the zone lookup by name, paged record lists, errors in
// Cloudflare's shape with the secret redacted, a rate limit's Retry-After.
#include "dns_providers/cloudflare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"
#include "support/cloudflare_fake.h"
#include "support/dns_provider_fake_test.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using testing::CloudflareFake;
using testing::CloudflareFakeOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class CloudflareTest
    : public testing::DnsProviderFakeTest<CloudflareFake,
                                          CloudflareFakeOptions> {
 protected:
  CloudflareCredentials Token() {
    return ParseCloudflareCredentials(fake_.CredentialsIni(), "cf.ini");
  }
};

TEST_F(CloudflareTest, ParsesEitherATokenOrTheGlobalKeyPair) {
  CloudflareCredentials token =
      ParseCloudflareCredentials("dns_cloudflare_api_token = abc\n", "cf.ini");
  EXPECT_EQ(token.api_token, "abc");
  EXPECT_EQ(token.api_url, "https://api.cloudflare.com/client/v4");
  CloudflareCredentials global = ParseCloudflareCredentials(
      "dns_cloudflare_email = a@example.com\ndns_cloudflare_api_key = k\n"
      "dns_cloudflare_api_url = https://proxy.example.net/cf/\n",
      "cf.ini");
  EXPECT_EQ(global.email, "a@example.com");
  EXPECT_EQ(global.api_key, "k");
  EXPECT_EQ(global.api_url, "https://proxy.example.net/cf");

  auto bad = [](const std::string& text) {
    try {
      ParseCloudflareCredentials(text, "cf.ini");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_THAT(bad(""), HasSubstr("missing dns_cloudflare_api_token"));
  EXPECT_THAT(bad("dns_cloudflare_email = a@example.com\n"),
              HasSubstr("missing dns_cloudflare_api_key"));
  std::string both =
      bad("dns_cloudflare_api_token = t0ken\ndns_cloudflare_api_key = k3y\n"
          "dns_cloudflare_email = a@example.com\n");
  EXPECT_THAT(both, HasSubstr("not both"));
  EXPECT_THAT(both, Not(HasSubstr("t0ken")));
  EXPECT_THAT(bad("dns_cloudflare_api_token = t\n"
                  "dns_cloudflare_api_url = http://127.0.0.1:1/\n"),
              HasSubstr("is not an https:// URL"));
}

TEST_F(CloudflareTest, AddsAndDeletesTxtValuesWithAToken) {
  CloudflareProvider cf(Token(), http_);
  EXPECT_EQ(cf.FindZone("_acme-challenge.www.example.com."), "example.com.");
  EXPECT_EQ(cf.FindZone("_acme-challenge.a.sub.example.com."),
            "sub.example.com.");
  cf.AddTxt("example.com.", "_acme-challenge.example.com.", "one", 120);
  cf.AddTxt("example.com.", "_acme-challenge.example.com.", "two", 120);
  cf.AddTxt("example.com.", "_acme-challenge.example.com.", "one", 120);
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.example.com"),
              UnorderedElementsAre("one", "two"));
  cf.DeleteTxt("example.com.", "_acme-challenge.example.com.", "one");
  cf.DeleteTxt("example.com.", "_acme-challenge.example.com.", "gone");
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.example.com"),
              ElementsAre("two"));
  for (const auto& r : fake_.server().requests())
    EXPECT_EQ(r.Header("Authorization").value_or(""),
              "Bearer " + fake_.options().api_token);
}

TEST_F(CloudflareTest, TheGlobalKeyPairWorksToo) {
  CloudflareCredentials c;
  c.api_url = fake_.api_url();
  c.email = fake_.options().email;
  c.api_key = fake_.options().api_key;
  CloudflareProvider cf(c, http_);
  cf.AddTxt(cf.FindZone("_acme-challenge.example.com."),
            "_acme-challenge.example.com.", "v", 60);
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.example.com"),
              ElementsAre("v"));
  const auto requests = fake_.server().requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().Header("X-Auth-Key").value_or(""),
            fake_.options().api_key);
  EXPECT_FALSE(requests.back().Header("Authorization"));
}

TEST_F(CloudflareTest, FindsItsValueOnALaterPage) {
  // 250 values of someone else's at the name: three pages of 100.
  for (int i = 0; i < 250; ++i)
    fake_.zones().Add("example.com", "_acme-challenge.example.com",
                      "other-" + std::to_string(i), 120);
  CloudflareProvider cf(Token(), http_);
  cf.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  cf.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 251u);
  cf.DeleteTxt("example.com.", "_acme-challenge.example.com.", "mine");
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 250u);
  int pages_read = 0;
  for (const auto& r : fake_.server().requests())
    if (r.target.find("page=3") != std::string::npos) ++pages_read;
  EXPECT_GE(pages_read, 2) << "the third page was never asked for";
}

TEST_F(CloudflareTest, AnUnknownZoneNamesTheCandidates) {
  CloudflareProvider cf(Token(), http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { cf.FindZone("_acme-challenge.www.example.org."); });
    EXPECT_THAT(e.what(), HasSubstr("no zone for _acme-challenge.www.example."
                                    "org. at Cloudflare at https://127.0.0.1"));
    EXPECT_THAT(e.what(), HasSubstr("www.example.org, example.org"));
  }
}

TEST_F(CloudflareTest, AWrongTokenIsRefusedWithItsMessageAndRedacted) {
  CloudflareCredentials c = Token();
  c.api_token = "wrong-token-123456";
  CloudflareProvider cf(c, http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { cf.FindZone("_acme-challenge.example.com."); });
    EXPECT_EQ(e.status(), 403);
    EXPECT_THAT(e.what(), HasSubstr("answered 403"));
    EXPECT_THAT(e.what(), HasSubstr("9109: Invalid access token"));
    EXPECT_THAT(e.what(), Not(HasSubstr("wrong-token-123456")));
  }
}

TEST_F(CloudflareTest, RateLimitsAndServerErrorsLeaveNothingBehind) {
  CloudflareProvider cf(Token(), http_);
  const std::string zone = cf.FindZone("_acme-challenge.example.com.");
  fake_.zones().Fail(429, "POST", "17");
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { cf.AddTxt(zone, "_acme-challenge.example.com.", "v", 120); });
    EXPECT_EQ(e.status(), 429);
    ASSERT_TRUE(e.retry_after());
    EXPECT_EQ(e.retry_after()->count(), 17);
    EXPECT_THAT(e.what(), HasSubstr("971: Please wait"));
  }
  fake_.zones().Fail(503);
  EXPECT_THROW(cf.AddTxt(zone, "_acme-challenge.example.com.", "v", 120),
               solvers::DnsProviderError);
  EXPECT_THAT(fake_.zones().Records(), IsEmpty());
}

}  // namespace
}  // namespace certpilot::dns_providers
