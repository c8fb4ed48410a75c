// Choosing challenge types and webroots (app/challenge_choice.h). The
// authenticators through the certonly use case are in certonly_test.cc.
#include "app/rules/challenge_choice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/usage_message.h"
#include "util/error.h"

namespace certpilot::app {
namespace {

using testing::UsageMessage;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(ChallengeChoice, NormalisesCertbotSpellings) {
  EXPECT_THAT(NormalizeChallengeTypes({"DNS", "http-01", "tls-alpn", "dns-01"}),
              ElementsAre("dns-01", "http-01", "tls-alpn-01"));
  EXPECT_THAT(UsageMessage([] { NormalizeChallengeTypes({"tls-sni-01"}); }),
              HasSubstr("unknown challenge type \"tls-sni-01\""));
}

TEST(ChallengeChoice, PreferredTypesFilteredToWhatTheAuthenticatorAnswers) {
  EXPECT_THAT(ChallengeTypesFor("standalone", {}), ElementsAre("http-01"));
  EXPECT_THAT(ChallengeTypesFor("manual", {}),
              ElementsAre("http-01", "dns-01"));
  EXPECT_THAT(ChallengeTypesFor("manual", {"dns-01", "http-01"}),
              ElementsAre("dns-01", "http-01"));
  EXPECT_THAT(
      ChallengeTypesFor("standalone", {"tls-alpn-01", "dns-01", "http-01"}),
      ElementsAre("tls-alpn-01", "http-01"));
  EXPECT_THAT(ChallengeTypesFor("dns-rfc2136", {}), ElementsAre("dns-01"));
  EXPECT_THAT(UsageMessage([] { ChallengeTypesFor("webroot", {"dns-01"}); }),
              HasSubstr("the webroot authenticator cannot answer dns-01 "
                        "challenges; it answers "
                        "http-01"));
  EXPECT_THAT(UsageMessage([] { ValidateAuthenticator("iis"); }),
              HasSubstr("standalone, webroot, nginx, apache, manual, "
                        "dns-rfc2136"));
}

TEST(ChallengeChoice, WildcardsNeedDns01AndIpAddressesSomethingElse) {
  std::vector<acme::Identifier> wild = {{"dns", "*.example.com"},
                                        {"dns", "example.com"}};
  EXPECT_NO_THROW(CheckIdentifiersProvable(wild, {"dns-01"}));
  EXPECT_THAT(
      UsageMessage([&] {
        CheckIdentifiersProvable(wild, {"http-01", "tls-alpn-01"});
      }),
      HasSubstr(
          "*.example.com is a wildcard: only a DNS-01 challenge can prove it"));
  std::vector<acme::Identifier> ip = {{"ip", "127.0.0.1"}};
  EXPECT_NO_THROW(CheckIdentifiersProvable(ip, {"dns-01", "http-01"}));
  EXPECT_THAT(UsageMessage([&] { CheckIdentifiersProvable(ip, {"dns-01"}); }),
              HasSubstr("127.0.0.1 is an IP address: DNS-01 cannot prove it"));
}

TEST(WebrootMap, EachPathAppliesToTheNamesAfterItAsInCertbot) {
  std::vector<std::string> domains = {"a.example", "b.example", "C.example.",
                                      "d.example"};
  // -w /one -d a -d b -w /two -d C.example. -d d
  auto map = ResolveWebrootMap(domains, {{"/one", 0}, {"/two", 2}}, "");
  EXPECT_THAT(map, UnorderedElementsAre(
                       Pair("a.example", "/one"), Pair("b.example", "/one"),
                       Pair("c.example", "/two"), Pair("d.example", "/two")));
}

TEST(WebrootMap, NamesBeforeASingleWebrootTakeIt) {
  std::vector<std::string> domains = {"a.example", "b.example"};
  // -d a -w /one -d b
  EXPECT_THAT(ResolveWebrootMap(domains, {{"/one", 1}}, ""),
              UnorderedElementsAre(Pair("a.example", "/one"),
                                   Pair("b.example", "/one")));
  // -d a -w /one -w /two -d b: ambiguous, refused as certbot does.
  EXPECT_THAT(UsageMessage([&] {
                ResolveWebrootMap(domains, {{"/one", 1}, {"/two", 1}}, "");
              }),
              HasSubstr("one must come before every -d"));
}

TEST(WebrootMap, JsonMapAddsItsNamesAndOverridesPaths) {
  std::vector<std::string> domains = {"a.example"};
  auto map = ResolveWebrootMap(
      domains, {{"/one", 0}},
      R"({"a.example,www.a.example": "/srv/a", "b.example": "/srv/b"})");
  EXPECT_THAT(map, UnorderedElementsAre(Pair("a.example", "/srv/a"),
                                        Pair("www.a.example", "/srv/a"),
                                        Pair("b.example", "/srv/b")));
  EXPECT_THAT(domains, ElementsAre("a.example", "www.a.example", "b.example"));
  std::vector<std::string> none = {"x.example"};
  EXPECT_THAT(
      UsageMessage([&] { ResolveWebrootMap(none, {}, "{\"x.example\": 5}"); }),
      HasSubstr("must be a non-empty string"));
  EXPECT_THAT(UsageMessage([&] { ResolveWebrootMap(none, {}, "{not json"); }),
              HasSubstr("must be a JSON object"));
  EXPECT_THAT(UsageMessage([&] { ResolveWebrootMap(none, {}, ""); }),
              HasSubstr("no webroot for x.example"));
}

}  // namespace
}  // namespace certpilot::app
