// The Hetzner DNS provider against HetznerFake (tests/support/
// hetzner_fake.h), the contract fake of the Hetzner DNS API, over real TLS
// on loopback through the production libcurl client: the zone looked up by
// name, names relative to the zone, paged record lists, the gateway's and
// the API's error shapes with the token redacted.
#include "dns_providers/hetzner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"
#include "support/dns_provider_fake_test.h"
#include "support/hetzner_fake.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::HetznerFake;
using testing::HetznerFakeOptions;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class HetznerTest
    : public testing::DnsProviderFakeTest<HetznerFake, HetznerFakeOptions> {
 protected:
  HetznerCredentials Credentials() {
    return ParseHetznerCredentials(fake_.CredentialsIni(), "hetzner.ini");
  }
};

TEST_F(HetznerTest, ParsesItsCredentials) {
  HetznerCredentials c =
      ParseHetznerCredentials("dns_hetzner_api_token = t\n", "hetzner.ini");
  EXPECT_EQ(c.token, "t");
  EXPECT_EQ(c.api_url, "https://dns.hetzner.com/api/v1");
  EXPECT_THROW(ParseHetznerCredentials("", "hetzner.ini"), UsageError);
  EXPECT_THROW(ParseHetznerCredentials("dns_hetzner_api_token = t\n"
                                       "dns_hetzner_api_url = http://x\n",
                                       "hetzner.ini"),
               UsageError);
}

TEST_F(HetznerTest, AddsAndDeletesTxtValues) {
  HetznerProvider p(Credentials(), http_);
  EXPECT_EQ(p.FindZone("_acme-challenge.www.example.com."), "example.com.");
  EXPECT_EQ(p.FindZone("_acme-challenge.x.sub.example.com."),
            "sub.example.com.");
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "one", 120);
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "two", 120);
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "two", 120);
  p.AddTxt("sub.example.com.", "sub.example.com.", "apex", 120);
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.www.example.com"),
              UnorderedElementsAre("one", "two"));
  EXPECT_THAT(fake_.zones().Txt("sub.example.com"), ElementsAre("apex"));
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "two");
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "never");
  p.DeleteTxt("sub.example.com.", "sub.example.com.", "apex");
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.www.example.com"),
              ElementsAre("one"));
  EXPECT_THAT(fake_.zones().Txt("sub.example.com"), IsEmpty());
}

TEST_F(HetznerTest, FindsItsValueOnALaterPage) {
  for (int i = 0; i < 250; ++i)
    fake_.zones().Add("example.com", "_acme-challenge.example.com",
                      "other-" + std::to_string(i), 300);
  HetznerProvider p(Credentials(), http_);
  p.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  p.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 251u);
  p.DeleteTxt("example.com.", "_acme-challenge.example.com.", "mine");
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 250u);
}

TEST_F(HetznerTest, RefusalsCarryTheApiMessageWithoutTheToken) {
  HetznerCredentials c = Credentials();
  c.token = "hetzner_wrong_token_42";
  HetznerProvider p(c, http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { p.FindZone("_acme-challenge.example.com."); });
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("Invalid authentication credentials"));
    EXPECT_THAT(e.what(), Not(HasSubstr("hetzner_wrong_token_42")));
  }
  HetznerProvider good(Credentials(), http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { good.FindZone("_acme-challenge.example.org."); });
    EXPECT_THAT(e.what(),
                HasSubstr("none of _acme-challenge.example.org, example.org"));
  }
  fake_.zones().Fail(429, "POST", "7");
  {
    const solvers::DnsProviderError e = testing::CatchProviderError([&] {
      good.AddTxt("example.com.", "_acme-challenge.example.com.", "v", 120);
    });
    EXPECT_EQ(e.status(), 429);
    EXPECT_THAT(e.what(), HasSubstr("API rate limit exceeded"));
    EXPECT_EQ(e.retry_after(), std::chrono::seconds(7));
  }
  EXPECT_THAT(fake_.zones().Records(), IsEmpty());
}

}  // namespace
}  // namespace certpilot::dns_providers
