// The Gandi LiveDNS provider against GandiFake (tests/support/
// gandi_fake.h), the contract fake of Gandi's API v5, over real TLS on
// loopback through the production libcurl client: certbot-dns-gandi's
// token and legacy API key, record sets changed by read-change-write with
// quoted values, the set removed with its last value, errors with the
// token redacted.
#include "dns_providers/gandi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"
#include "support/dns_provider_fake_test.h"
#include "support/gandi_fake.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using ::testing::ElementsAre;
using testing::GandiFake;
using testing::GandiFakeOptions;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class GandiTest
    : public testing::DnsProviderFakeTest<GandiFake, GandiFakeOptions> {
 protected:
  GandiCredentials Credentials() {
    return ParseGandiCredentials(fake_.CredentialsIni(), "gandi.ini");
  }
};

TEST_F(GandiTest, ParsesCertbotsCredentials) {
  GandiCredentials c = ParseGandiCredentials("dns_gandi_token = t\n", "g.ini");
  EXPECT_EQ(c.token, "t");
  EXPECT_EQ(c.api_url, "https://api.gandi.net/v5/livedns");
  c = ParseGandiCredentials("dns_gandi_api_key = k\ndns_gandi_sharing_id = s\n",
                            "g.ini");
  EXPECT_EQ(c.api_key, "k");
  EXPECT_EQ(c.sharing_id, "s");
  EXPECT_THROW(ParseGandiCredentials("", "g.ini"), UsageError);
  EXPECT_THROW(ParseGandiCredentials(
                   "dns_gandi_token = t\ndns_gandi_api_key = k\n", "g.ini"),
               UsageError);
}

TEST_F(GandiTest, AddsAndDeletesValuesOfOneRecordSet) {
  GandiProvider p(Credentials(), http_);
  EXPECT_EQ(p.FindZone("_acme-challenge.www.example.com."), "example.com.");
  EXPECT_EQ(p.FindZone("_acme-challenge.x.sub.example.com."),
            "sub.example.com.");
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "one", 60);
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "two", 60);
  p.AddTxt("example.com.", "_acme-challenge.www.example.com.", "two", 60);
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.www.example.com"),
              UnorderedElementsAre("one", "two"));
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "two");
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "never");
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.www.example.com"),
              ElementsAre("one"));
  p.DeleteTxt("example.com.", "_acme-challenge.www.example.com.", "one");
  EXPECT_THAT(fake_.zones().Records(), IsEmpty());
  int deletes = 0;
  for (const auto& r : fake_.server().requests())
    if (r.method == "DELETE") ++deletes;
  EXPECT_EQ(deletes, 1) << "the last value goes with its set";
}

TEST_F(GandiTest, SpeaksTheLegacyApiKeyWithASharingId) {
  GandiFake legacy(GandiFakeOptions{{"example.com"}, "", "legacy-key-0123"});
  http::CurlHttpClient http(testing::TrustingOnly(legacy.ca_bundle()));
  GandiCredentials c = ParseGandiCredentials(legacy.CredentialsIni() +
                                                 "dns_gandi_sharing_id = "
                                                 "org-42\n",
                                             "gandi.ini");
  GandiProvider p(c, http);
  p.AddTxt(p.FindZone("_acme-challenge.example.com."),
           "_acme-challenge.example.com.", "v", 60);
  EXPECT_THAT(legacy.zones().Txt("_acme-challenge.example.com"),
              ElementsAre("v"));
  p.DeleteTxt("example.com.", "_acme-challenge.example.com.", "v");
  EXPECT_THAT(legacy.zones().Records(), IsEmpty());
  for (const auto& r : legacy.server().requests())
    EXPECT_THAT(r.target, HasSubstr("sharing_id=org-42"));
  EXPECT_THAT(legacy.zones().violations(), IsEmpty());
}

TEST_F(GandiTest, RefusalsCarryTheApiMessageWithoutTheToken) {
  GandiCredentials c = Credentials();
  c.token = "gandi_wrong_token_42";
  GandiProvider p(c, http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { p.FindZone("_acme-challenge.example.com."); });
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("could not verify"));
    EXPECT_THAT(e.what(), Not(HasSubstr("gandi_wrong_token_42")));
  }
  GandiProvider good(Credentials(), http_);
  EXPECT_THROW(good.FindZone("_acme-challenge.example.org."),
               solvers::DnsProviderError);
  fake_.zones().Fail(429, "PUT", "9");
  {
    const solvers::DnsProviderError e = testing::CatchProviderError([&] {
      good.AddTxt("example.com.", "_acme-challenge.example.com.", "v", 60);
    });
    EXPECT_EQ(e.status(), 429);
    EXPECT_THAT(e.what(), HasSubstr("Too many requests"));
    EXPECT_EQ(e.retry_after(), std::chrono::seconds(9));
  }
  EXPECT_THAT(fake_.zones().Records(), IsEmpty());
}

}  // namespace
}  // namespace certpilot::dns_providers
