// CNAME delegation end to end: _acme-challenge names in one Knot zone are
// CNAMEs into another zone (on the same Knot server), and Pebble validates
// through a recursive resolver (Unbound, ResolverFixture) that follows them,
// as a real CA does. certpilot, through the command line, follows each
// chain and writes its TXT records where they end: with RFC 2136 (asking
// --dns-resolver, or else the update server itself) and with manual hooks
// that read CERTPILOT_DNS_RECORD_NAME. A loop fails before any update and
// leaves nothing behind. Unit tests: tests/unit/solvers/dns_cname_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "integration/solvers_test_util.h"
#include "support/cli_harness.h"
#include "support/dns_server_fixture.h"
#include "support/pebble_fixture.h"
#include "support/resolver_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// dyn.example.com, the zone "nobody can automate", delegates its challenge
// names into delegated.example.net: the base (and wildcard) name in one hop,
// www in two, loop.dyn.example.com in a circle.
DnsServerOptions DelegatingZones() {
  DnsServerOptions o;
  o.records = {
      "_acme-challenge CNAME base.delegated.example.net.",
      "_acme-challenge.www CNAME hop.delegated.example.net.",
      "_acme-challenge.loop CNAME loop2.dyn.example.com.",
      "loop2 CNAME _acme-challenge.loop.dyn.example.com.",
      "_acme-challenge.manual CNAME manual.delegated.example.net.",
  };
  o.more_zones = {
      {"delegated.example.net",
       {"hop CNAME www.delegated.example.net.", R"(base TXT "someone-else")"}}};
  return o;
}

class SolversCnameTest : public ::testing::Test {
 protected:
  SolversCnameTest()
      : resolver_({{"dyn.example.com", dns_.address()},
                   {"delegated.example.net", dns_.address()}}),
        pebble_(ResolvingThroughTheResolver()),
        cli_(pebble_) {
    ini_ = dir_ / "rfc2136.ini";
    std::ofstream(ini_) << dns_.CredentialsIni();
    EXPECT_EQ(::chmod(ini_.c_str(), 0600), 0);
  }

  PebbleOptions ResolvingThroughTheResolver() const {
    PebbleOptions o;
    o.dns_server = resolver_.address();
    return o;
  }

  // Every TXT value the test zones hold but the one placed by the zone file.
  void ExpectNothingLeftBehind() const {
    for (const char* name :
         {"_acme-challenge.dyn.example.com",
          "_acme-challenge.www.dyn.example.com", "www.delegated.example.net",
          "manual.delegated.example.net",
          "_acme-challenge.loop.dyn.example.com", "loop2.dyn.example.com"})
      EXPECT_TRUE(dns_.ReadTxt(name).empty()) << name;
    EXPECT_EQ(dns_.ReadTxt("base.delegated.example.net"),
              std::vector<std::string>{"someone-else"});
  }

  DnsServerFixture dns_{DelegatingZones()};
  ResolverFixture resolver_;
  PebbleFixture pebble_;
  CliHarness cli_;
  TempDir dir_;
  std::string ini_;
};

TEST_F(SolversCnameTest, Rfc2136WritesWhereTheChainsEndAndRenews) {
  RunResult r =
      cli_.Run("certonly",
               With(kRegister,
                    {"--dns-rfc2136", "--dns-rfc2136-credentials", ini_,
                     "--dns-resolver", resolver_.address(), "-d",
                     "dyn.example.com,*.dyn.example.com,www.dyn.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("dyn.example.com"), "");
  EXPECT_THAT(r.err, HasSubstr("_acme-challenge.www.dyn.example.com -> "
                               "hop.delegated.example.net -> "
                               "www.delegated.example.net"));
  ExpectNothingLeftBehind();
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/dyn.example.com.conf");
  EXPECT_THAT(conf, Not(HasSubstr("dns_cname_delegation")));  // the default

  // Without --dns-resolver the update server is asked: it serves both zones.
  RunResult reconf =
      cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew",
                         "--dns-rfc2136", "--dns-rfc2136-credentials", ini_});
  ASSERT_EQ(reconf.exit_code, 0) << reconf.Describe();
  EXPECT_EQ(cli_.Version("dyn.example.com"), 2);
  ExpectNothingLeftBehind();
}

TEST_F(SolversCnameTest, ALoopFailsWithTheChainAndWritesNothing) {
  RunResult r = cli_.Run(
      "certonly", With(kRegister, {"--dns-rfc2136", "--dns-rfc2136-credentials",
                                   ini_, "-d", "loop.dyn.example.com"}));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("CNAME loop at _acme-challenge.loop.dyn."
                               "example.com: _acme-challenge.loop.dyn."
                               "example.com -> loop2.dyn.example.com -> "
                               "_acme-challenge.loop.dyn.example.com"));
  ExpectNothingLeftBehind();
}

TEST_F(SolversCnameTest, TurnedOffTheChoiceIsStoredForRenewal) {
  RunResult r = cli_.Run(
      "certonly", With(kRegister, {"--dns-rfc2136", "--dns-rfc2136-credentials",
                                   ini_, "--no-dns-cname-delegation", "-d",
                                   "off.dyn.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, Not(HasSubstr("CNAME delegation")));
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/off.dyn.example.com.conf");
  EXPECT_THAT(conf, HasSubstr("dns_cname_delegation = False"));
  RunResult renew =
      cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
  EXPECT_EQ(cli_.Version("off.dyn.example.com"), 2);
  EXPECT_TRUE(dns_.ReadTxt("_acme-challenge.off.dyn.example.com").empty());
}

// The hooks update the zone with knotc, at CERTPILOT_DNS_RECORD_NAME.
TEST_F(SolversCnameTest, ManualHooksGetTheDelegatedName) {
  const std::string knotc =
      "/usr/sbin/knotc -s '" + dns_.temp_dir() + "/run/knot.sock' ";
  const std::string z = "delegated.example.net.";
  const std::string log = dir_ / "hooks.log";
  auto script = [&](const std::string& name, const std::string& body) {
    const std::string path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\nset -e\necho \"$CERTBOT_DOMAIN "
                           "$CERTPILOT_DNS_RECORD_NAME\" >> '"
                        << log << "'\n"
                        << knotc << "zone-begin " << z << "\n"
                        << body << "\n"
                        << knotc << "zone-commit " << z << "\n";
    ::chmod(path.c_str(), 0700);
    return path;
  };
  const std::string auth =
      script("auth.sh", knotc + "zone-set " + z +
                            " \"$CERTPILOT_DNS_RECORD_NAME.\" 60 TXT "
                            "\"\\\"$CERTBOT_VALIDATION\\\"\"");
  const std::string cleanup =
      script("cleanup.sh",
             knotc + "zone-unset " + z + " \"$CERTPILOT_DNS_RECORD_NAME.\"");
  RunResult r = cli_.Run(
      "certonly",
      With(kRegister,
           {"--manual", "--preferred-challenges", "dns", "--manual-auth-hook",
            auth, "--manual-cleanup-hook", cleanup, "--dns-resolver",
            resolver_.address(), "-d", "manual.dyn.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(ReadFileOrEmpty(log),
            "manual.dyn.example.com manual.delegated.example.net\n"
            "manual.dyn.example.com manual.delegated.example.net\n");
  ExpectNothingLeftBehind();
}

}  // namespace
}  // namespace certpilot::testing
