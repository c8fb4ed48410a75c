// The Linode provider against LinodeFake (tests/support/linode_fake.h), the
// contract fake of Linode's API v4, over real TLS on loopback through the
// production libcurl client: the domain list, names relative to the
// domain, paged lists, errors as {"errors": [{"reason"}]} with the token
// redacted.
#include "dns_providers/linode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/curl_http_client.h"
#include "solvers/dns_provider.h"
#include "support/dns_provider_fake_test.h"
#include "support/linode_fake.h"
#include "util/error.h"

namespace certpilot::dns_providers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LinodeFake;
using testing::LinodeFakeOptions;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class LinodeTest
    : public testing::DnsProviderFakeTest<LinodeFake, LinodeFakeOptions> {
 protected:
  LinodeCredentials Credentials() {
    return ParseLinodeCredentials(fake_.CredentialsIni(), "linode.ini");
  }
};

TEST_F(LinodeTest, ParsesCertbotsCredentials) {
  LinodeCredentials c =
      ParseLinodeCredentials("dns_linode_key = k\n", "linode.ini");
  EXPECT_EQ(c.key, "k");
  EXPECT_EQ(c.api_url, "https://api.linode.com/v4");
  EXPECT_THROW(ParseLinodeCredentials("", "linode.ini"), UsageError);
  EXPECT_THROW(ParseLinodeCredentials(
                   "dns_linode_key = k\ndns_linode_version = 3\n", "l.ini"),
               UsageError);
}

TEST_F(LinodeTest, AddsAndDeletesTxtValuesInTheLongestDomain) {
  LinodeProvider p(Credentials(), http_);
  EXPECT_EQ(p.FindZone("_acme-challenge.www.example.com."), "example.com.");
  EXPECT_EQ(p.FindZone("_acme-challenge.x.sub.example.com."),
            "sub.example.com.");
  p.AddTxt("sub.example.com.", "_acme-challenge.x.sub.example.com.", "one",
           120);
  p.AddTxt("sub.example.com.", "_acme-challenge.x.sub.example.com.", "two",
           120);
  p.AddTxt("sub.example.com.", "_acme-challenge.x.sub.example.com.", "two",
           120);
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.x.sub.example.com"),
              UnorderedElementsAre("one", "two"));
  p.DeleteTxt("sub.example.com.", "_acme-challenge.x.sub.example.com.", "one");
  EXPECT_THAT(fake_.zones().Txt("_acme-challenge.x.sub.example.com"),
              ElementsAre("two"));
}

TEST_F(LinodeTest, FindsItsValueOnALaterPage) {
  for (int i = 0; i < 1100; ++i)
    fake_.zones().Add("example.com", "_acme-challenge.example.com",
                      "other-" + std::to_string(i), 300);
  LinodeProvider p(Credentials(), http_);
  p.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  p.AddTxt("example.com.", "_acme-challenge.example.com.", "mine", 120);
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 1101u);
  p.DeleteTxt("example.com.", "_acme-challenge.example.com.", "mine");
  EXPECT_EQ(fake_.zones().Txt("_acme-challenge.example.com").size(), 1100u);
}

TEST_F(LinodeTest, RefusalsAndUnknownZonesAreClear) {
  LinodeCredentials c = Credentials();
  c.key = "linode-wrong-key-77";
  LinodeProvider bad(c, http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { bad.FindZone("_acme-challenge.example.com."); });
    EXPECT_EQ(e.status(), 401);
    EXPECT_THAT(e.what(), HasSubstr("Invalid Token"));
    EXPECT_THAT(e.what(), Not(HasSubstr("linode-wrong-key-77")));
  }
  LinodeProvider p(Credentials(), http_);
  {
    const solvers::DnsProviderError e = testing::CatchProviderError(
        [&] { p.FindZone("_acme-challenge.example.org."); });
    EXPECT_THAT(e.what(),
                HasSubstr("it hosts only example.com., sub.example.com."));
  }
}

}  // namespace
}  // namespace certpilot::dns_providers
