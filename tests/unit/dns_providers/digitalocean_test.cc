// The DigitalOcean provider against DigitalOceanFake (tests/support/
// digitalocean_fake.h), the contract fake of DigitalOcean's API v2, over
// real TLS on loopback through the production libcurl client: the domain
// lookup, names relative to the domain, paged record lists, errors as
// {"id", "message"} with the token redacted.
#include "dns_providers/digitalocean.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"
#include "support/digitalocean_fake.h"
#include "support/dns_provider_fake_test.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using testing::DigitalOceanFake;
using testing::DigitalOceanFakeOptions;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class DigitalOceanTest
    : public testing::DnsProviderFakeTest<DigitalOceanFake,
                                          DigitalOceanFakeOptions> {
 protected:
  DigitalOceanCredentials Credentials() {
    return ParseDigitalOceanCredentials(fake_.CredentialsIni(), "do.ini");
  }
};

TEST_F(DigitalOceanTest, ParsesCertbotsCredentials) {
  DigitalOceanCredentials c =
      ParseDigitalOceanCredentials("dns_digitalocean_token = t\n", "do.ini");
  EXPECT_EQ(c.token, "t");
  EXPECT_EQ(c.api_url, "https://api.digitalocean.com/v2");
  EXPECT_THROW(ParseDigitalOceanCredentials("", "do.ini"), UsageError);
}

TEST_F(DigitalOceanTest, AddsAndDeletesTxtValues) {
  DigitalOceanProvider p(Credentials(), http_);
  EXPECT_EQ(p.FindZone("_acme-challenge.www.example.com."), "example.com.");
  EXPECT_EQ(p.FindZone("_acme-challenge.x.sub.example.com."),
            "sub.example.com.");
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "one", 120);
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "two", 120);
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "two", 120);
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.www.example.com"),
              UnorderedElementsAre("one", "two"));
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "two");
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "never");
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.www.example.com"),
              ElementsAre("one"));
}

TEST_F(DigitalOceanTest, FindsItsValueOnALaterPage) {
  for (int i = 0; i < 450; ++i)
    fake_.zones().Add("example.com", "_acme-challenge.example.com",
                      "other-" + std::to_string(i), 300);
  DigitalOceanProvider p(Credentials(), http_);
  p.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  p.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 451u);
  p.DeleteTxt("example.com.", "_acme-challenge.example.com.", "mine");
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 450u);
}

TEST_F(DigitalOceanTest, RefusalsCarryTheApiMessageWithoutTheToken) {
  DigitalOceanCredentials c = Credentials();
  c.token = "dop_v1_wrong_token_42";
  DigitalOceanProvider p(c, http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { p.FindZone("_acme-challenge.example.com."); });
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("Unable to authenticate you"));
    EXPECT_THAT(e.what(), Not(HasSubstr("dop_v1_wrong_token_42")));
  }
  DigitalOceanProvider good(Credentials(), http_);
  EXPECT_THROW(good.FindZone("_acme-challenge.example.org."),
               solvers::DnsProviderError);
  fake_.zones().Fail(429, "POST");
  {
    const solvers::DnsProviderError e = testing::CatchProviderError([&] {
      good.AddTxt("example.com.", "_acme-challenge.example.com.", "v", 120);
    });
    EXPECT_EQ(e.status(), 429);
    EXPECT_THAT(e.what(), HasSubstr("API Rate limit exceeded"));
  }
  EXPECT_THAT(fake_.zones().Records(), IsEmpty());
}

}  // namespace
}  // namespace certpilot::dns_providers
