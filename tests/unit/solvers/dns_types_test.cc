// The plain DNS types (dns_types.h): server addresses, TSIG algorithm names,
// RCODE names. (Exchanges with a real server: tests/integration/
// solvers_rfc2136_test.cc, against Knot DNS.)
#include "solvers/dns_types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace certpilot::solvers {
namespace {

using ::testing::HasSubstr;

TEST(DnsServerAddressTest, ParsesIpv4AndIpv6WithAndWithoutPort) {
  EXPECT_EQ(ParseDnsServerAddress("127.0.0.1"),
            (DnsServerAddress{"127.0.0.1", 53}));
  EXPECT_EQ(ParseDnsServerAddress("127.0.0.1:5353"),
            (DnsServerAddress{"127.0.0.1", 5353}));
  EXPECT_EQ(ParseDnsServerAddress(" 192.0.2.1 ", 1053),
            (DnsServerAddress{"192.0.2.1", 1053}));
  EXPECT_EQ(ParseDnsServerAddress("::1"), (DnsServerAddress{"::1", 53}));
  EXPECT_EQ(ParseDnsServerAddress("[::1]"), (DnsServerAddress{"::1", 53}));
  EXPECT_EQ(ParseDnsServerAddress("[2001:db8::1]:8053"),
            (DnsServerAddress{"2001:db8::1", 8053}));
}

TEST(DnsServerAddressTest, ToStringBracketsIpv6) {
  EXPECT_EQ((DnsServerAddress{"127.0.0.1", 53}).ToString(), "127.0.0.1:53");
  EXPECT_EQ((DnsServerAddress{"::1", 5353}).ToString(), "[::1]:5353");
}

TEST(DnsServerAddressTest, RefusesHostNamesAndBadPorts) {
  for (const char* bad :
       {"", "ns1.example.com", "ns1.example.com:53",
        "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:5x", "[::1",
        "[::1]x", "[::1]:", "1.2.3"}) {
    EXPECT_THROW(ParseDnsServerAddress(bad), UsageError) << bad;
  }
  try {
    ParseDnsServerAddress("ns1.example.com");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ns1.example.com"));
    EXPECT_THAT(e.what(), HasSubstr("not an IP address"));
  }
}

TEST(TsigAlgorithmTest, AcceptsCertbotAndDnsSpellings) {
  EXPECT_EQ(ParseTsigAlgorithm("HMAC-MD5"), TsigAlgorithm::kHmacMd5);
  EXPECT_EQ(ParseTsigAlgorithm("hmac-md5.sig-alg.reg.int."),
            TsigAlgorithm::kHmacMd5);
  EXPECT_EQ(ParseTsigAlgorithm("HMAC-SHA1"), TsigAlgorithm::kHmacSha1);
  EXPECT_EQ(ParseTsigAlgorithm("hmac-sha256"), TsigAlgorithm::kHmacSha256);
  EXPECT_EQ(ParseTsigAlgorithm("Hmac-Sha512."), TsigAlgorithm::kHmacSha512);
  for (TsigAlgorithm a :
       {TsigAlgorithm::kHmacMd5, TsigAlgorithm::kHmacSha1,
        TsigAlgorithm::kHmacSha256, TsigAlgorithm::kHmacSha512}) {
    EXPECT_EQ(ParseTsigAlgorithm(TsigAlgorithmName(a)), a);
  }
}

TEST(TsigAlgorithmTest, RefusesWhatLdnsCannotDoWithAClearMessage) {
  try {
    ParseTsigAlgorithm("HMAC-SHA384");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not supported"));
    EXPECT_THAT(e.what(), HasSubstr("HMAC-SHA256"));
  }
  EXPECT_THROW(ParseTsigAlgorithm("HMAC-SHA224"), UsageError);
  EXPECT_THROW(ParseTsigAlgorithm("gss-tsig"), UsageError);
  EXPECT_THROW(ParseTsigAlgorithm(""), UsageError);
}

TEST(RcodeNameTest, NamesTheCodesUpdatesReturn) {
  EXPECT_EQ(RcodeName(0), "NOERROR");
  EXPECT_EQ(RcodeName(2), "SERVFAIL");
  EXPECT_EQ(RcodeName(5), "REFUSED");
  EXPECT_EQ(RcodeName(9), "NOTAUTH");
  EXPECT_EQ(RcodeName(10), "NOTZONE");
  EXPECT_EQ(RcodeName(23), "RCODE 23");
}

}  // namespace
}  // namespace certpilot::solvers
