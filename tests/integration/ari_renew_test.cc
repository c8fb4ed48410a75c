// Renewal information (RFC 9773) and short-lived certificates, end to end:
// the real binary renews against TlsStubCa over TLS (Pebble 2.4 has no
// renewalInfo).
//  - A renew pass over many lineages, none due, asks for each one's
//    renewal information once; the next pass, every answer still within
//    its Retry-After, sends nothing at all.
//  - A certificate of under 10 days (Let's Encrypt's "shortlived" profile)
//    renews at half its lifetime: the one past half is renewed, the one
//    before it is not.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/cli_harness.h"
#include "support/free_port.h"
#include "support/tls_stub_ca.h"

namespace certpilot::testing {
namespace {

using std::chrono::hours;

class AriRenewTest : public ::testing::Test {
 protected:
  void Issue(const std::string& name) {
    RunResult r = cli_.Certonly({"-d", name});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  RunResult Renew() {
    return cli_.Run("renew", {"--no-random-sleep-on-renew"});
  }
  int Requests() { return static_cast<int>(stub_.ca().requests().size()); }

  TlsStubCa stub_;
  CliHarness cli_{stub_.directory_url(), stub_.ca_bundle(), FreeLoopbackPort()};
};

TEST_F(AriRenewTest, EachLineageIsAskedOnceThenNothingUntilRetryAfter) {
  const auto now = std::chrono::system_clock::now();
  // The CA suggests renewing in 30 to 31 days; ask again in 6 hours.
  stub_.ca().renewal_window = {now + hours(24 * 30), now + hours(24 * 31)};
  stub_.ca().renewal_retry_after = "21600";
  constexpr int kLineages = 12;
  for (int i = 0; i < kLineages; ++i)
    Issue("ari" + std::to_string(i) + ".test");

  const int before = Requests();
  RunResult first = Renew();
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_EQ(stub_.ca().CountRequests("/renewal-info/"), kLineages);
  // Only the issuances ordered: the pass renewed nothing.
  EXPECT_EQ(stub_.ca().CountRequests("/new-order"), kLineages);
  EXPECT_EQ(Requests() - before, kLineages + 1);  // + one directory
  for (int i = 0; i < kLineages; ++i)
    EXPECT_EQ(cli_.Version("ari" + std::to_string(i) + ".test"), 1);

  const int after_first = Requests();
  RunResult second = Renew();
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  EXPECT_EQ(Requests(), after_first) << "the second pass asked the CA";
}

TEST_F(AriRenewTest, AShortLivedCertificateRenewsAtHalfItsLifetime) {
  // 160 hours, as the "shortlived" profile; no renewal information.
  stub_.ca().validity = hours(160);
  stub_.ca().not_before_offset = -hours(81);  // 79 h left: past half
  Issue("past-half.test");
  stub_.ca().not_before_offset = -hours(70);  // 90 h left: before half
  Issue("before-half.test");

  stub_.ca().not_before_offset = hours(0);
  RunResult r = Renew();
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.Version("past-half.test"), 2);
  EXPECT_EQ(cli_.Version("before-half.test"), 1);
  EXPECT_EQ(cli_.CheckLineage("past-half.test"), "");
}

}  // namespace
}  // namespace certpilot::testing
