// CNAME delegation: following _acme-challenge.NAME's chain through the
// DnsClient seam — ends, loops, over-long chains, servers that cannot say.
// Against real Knot zones: tests/integration/solvers_cname_test.cc.
#include "solvers/dns_cname.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/solvers/fake_dns_client.h"

namespace certpilot::solvers {
namespace {

using ::testing::ElementsAre;
using testing::FakeDnsClient;
using ::testing::HasSubstr;

TEST(DnsCnameTest, ANameWithoutCnameStaysAndIsAskedOnce) {
  FakeDnsClient dns;
  EXPECT_EQ(FollowCnameChain(dns, "_acme-challenge.Example.COM."),
            "_acme-challenge.example.com");
  EXPECT_THAT(dns.calls, ElementsAre("cname _acme-challenge.example.com."));
}

TEST(DnsCnameTest, TheRecordGoesWhereTheChainEnds) {
  FakeDnsClient dns;
  dns.cnames["_acme-challenge.example.com."] = "hop.example.org.";
  dns.cnames["hop.example.org."] = "X.Acme.Example.NET";
  EXPECT_EQ(FollowCnameChain(dns, "_acme-challenge.example.com"),
            "x.acme.example.net");
  EXPECT_THAT(dns.calls, ElementsAre("cname _acme-challenge.example.com.",
                                     "cname hop.example.org.",
                                     "cname x.acme.example.net."));
}

TEST(DnsCnameTest, ALoopIsAnErrorNamingTheChain) {
  FakeDnsClient dns;
  dns.cnames["_acme-challenge.example.com."] = "a.example.org.";
  dns.cnames["a.example.org."] = "b.example.org.";
  dns.cnames["b.example.org."] = "A.example.org.";
  try {
    FollowCnameChain(dns, "_acme-challenge.example.com");
    FAIL() << "no error";
  } catch (const DnsCnameError& e) {
    EXPECT_THAT(e.what(), HasSubstr("CNAME loop"));
    EXPECT_THAT(e.what(),
                HasSubstr("_acme-challenge.example.com -> a.example.org -> "
                          "b.example.org -> a.example.org"));
    EXPECT_THAT(e.chain(),
                ElementsAre("_acme-challenge.example.com", "a.example.org",
                            "b.example.org", "a.example.org"));
  }
}

TEST(DnsCnameTest, ASelfLoopIsAnError) {
  FakeDnsClient dns;
  dns.cnames["_acme-challenge.example.com."] = "_acme-challenge.example.com.";
  EXPECT_THROW(FollowCnameChain(dns, "_acme-challenge.example.com"),
               DnsCnameError);
}

TEST(DnsCnameTest, ChainsUpToTheLimitAreFollowedLongerOnesAreErrors) {
  auto chain = [](int hops) {
    auto dns = std::make_unique<FakeDnsClient>();
    std::string from = "_acme-challenge.example.com.";
    for (int i = 1; i <= hops; ++i) {
      std::string to = "h" + std::to_string(i) + ".example.org.";
      dns->cnames[from] = to;
      from = to;
    }
    return dns;
  };
  auto ok = chain(kMaxCnameChain);
  EXPECT_EQ(FollowCnameChain(*ok, "_acme-challenge.example.com"),
            "h" + std::to_string(kMaxCnameChain) + ".example.org");
  auto long_chain = chain(kMaxCnameChain + 1);
  try {
    FollowCnameChain(*long_chain, "_acme-challenge.example.com");
    FAIL() << "no error";
  } catch (const DnsCnameError& e) {
    EXPECT_THAT(e.what(), HasSubstr("longer than 8 hops"));
    EXPECT_THAT(e.what(), HasSubstr("h1.example.org -> h2.example.org"));
    EXPECT_EQ(e.chain().size(), size_t(kMaxCnameChain) + 2);
  }
}

TEST(DnsCnameTest, AServerThatCannotSayEndsTheChainAtTheLastKnownName) {
  for (int rcode : {5, 9}) {  // REFUSED, NOTAUTH
    FakeDnsClient dns;
    dns.cname_rcode = rcode;
    EXPECT_EQ(FollowCnameChain(dns, "_acme-challenge.example.com"),
              "_acme-challenge.example.com");
  }
}

TEST(DnsCnameTest, OtherFailuresAreErrors) {
  FakeDnsClient dns;
  dns.cname_rcode = 2;  // SERVFAIL
  try {
    FollowCnameChain(dns, "_acme-challenge.example.com");
    FAIL() << "no error";
  } catch (const DnsError& e) {
    EXPECT_EQ(e.rcode(), 2);
    EXPECT_THAT(e.what(), HasSubstr("SERVFAIL"));
  }
}

}  // namespace
}  // namespace certpilot::solvers
