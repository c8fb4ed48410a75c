// The dns-powerdns provider end to end, against a real PowerDNS
// Authoritative server (PowerDnsFixture: pdns_server + sqlite3, its HTTP API
// on loopback) and Pebble resolving through it: a wildcard and its base name
// issued and renewed through the command line with certbot-dns-powerdns's
// credentials file; loose or wrong credentials and an unknown zone fail
// cleanly; and CNAME delegation from a Knot zone into the PowerDNS zone,
// with Pebble behind a recursive resolver (Unbound). What the zone holds is
// read back with pdnsutil, not through the API under test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "integration/solvers_test_util.h"
#include "support/cli_harness.h"
#include "support/dns_server_fixture.h"
#include "support/pebble_fixture.h"
#include "support/powerdns_fixture.h"
#include "support/resolver_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string WriteIni(const TempDir& dir, const std::string& text, mode_t mode) {
  const std::string path = dir / "pdns.ini";
  std::ofstream(path) << text;
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

TEST(DnsPowerDnsTest, IssuesAWildcardAndItsBaseAndRenewsFromTheConf) {
  PowerDnsFixture pdns({"pdns.example.com"});
  PebbleOptions pebble_options;
  pebble_options.dns_server = pdns.dns_address();
  PebbleFixture pebble(pebble_options);
  CliHarness cli(pebble);
  TempDir dir;
  const std::string ini = WriteIni(dir, pdns.CredentialsIni(), 0600);

  RunResult r = cli.Run(
      "certonly",
      With(kRegister, {"--dns-powerdns", "--dns-powerdns-credentials", ini,
                       "-d", "pdns.example.com,*.pdns.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli.CheckLineage("pdns.example.com"), "");
  EXPECT_THAT(
      pdns.ReadTxt("pdns.example.com", "_acme-challenge.pdns.example.com"),
      IsEmpty())
      << "records left behind";
  const std::string conf =
      ReadFileOrEmpty(cli.config() + "/renewal/pdns.example.com.conf");
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-powerdns"));
  EXPECT_THAT(conf, HasSubstr("dns_powerdns_credentials = " + ini));
  EXPECT_THAT(conf, Not(HasSubstr(pdns.api_key())));

  RunResult renew =
      cli.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
  EXPECT_EQ(cli.Version("pdns.example.com"), 2);
  EXPECT_THAT(
      pdns.ReadTxt("pdns.example.com", "_acme-challenge.pdns.example.com"),
      IsEmpty());
}

TEST(DnsPowerDnsTest, BadCredentialsAndUnknownZonesFailCleanly) {
  PowerDnsFixture pdns({"pdns.example.com"});
  PebbleOptions pebble_options;
  pebble_options.dns_server = pdns.dns_address();
  PebbleFixture pebble(pebble_options);
  CliHarness cli(pebble);
  TempDir dir;
  auto certonly = [&](const std::string& ini, const std::string& name) {
    return cli.Run("certonly", With(kRegister, {"--dns-powerdns",
                                                "--dns-powerdns-credentials",
                                                ini, "-d", name}));
  };

  RunResult missing =
      cli.Run("certonly",
              With(kRegister, {"--dns-powerdns", "-d", "pdns.example.com"}));
  EXPECT_EQ(missing.exit_code, 2) << missing.Describe();
  EXPECT_THAT(missing.err, HasSubstr("--dns-powerdns-credentials"));

  const std::string loose = WriteIni(dir, pdns.CredentialsIni(), 0644);
  RunResult r = certonly(loose, "pdns.example.com");
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("chmod 600"));

  const std::string wrong_key = "wrong-key-" + pdns.api_key();
  const std::string wrong =
      WriteIni(dir,
               "dns_powerdns_api_url = " + pdns.api_url() +
                   "\ndns_powerdns_api_key = " + wrong_key + "\n",
               0600);
  r = certonly(wrong, "pdns.example.com");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("answered 401"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr(wrong_key)));

  const std::string good = WriteIni(dir, pdns.CredentialsIni(), 0600);
  r = certonly(good, "www.nowhere.test");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err,
              HasSubstr("no zone for _acme-challenge.www.nowhere.test."));
  EXPECT_THAT(
      pdns.ReadTxt("pdns.example.com", "_acme-challenge.pdns.example.com"),
      IsEmpty());
}

// dyn.example.com sits on Knot ("a zone you cannot automate") and delegates
// www's challenge into the PowerDNS zone with a CNAME.
TEST(DnsPowerDnsTest, CnameDelegationFromAKnotZoneIntoPowerDns) {
  DnsServerOptions knot_options;
  knot_options.records = {"_acme-challenge.www CNAME www.pdns.example.net."};
  DnsServerFixture knot(knot_options);
  PowerDnsFixture pdns({"pdns.example.net"});
  ResolverFixture resolver({{"dyn.example.com", knot.address()},
                            {"pdns.example.net", pdns.dns_address()}});
  PebbleOptions pebble_options;
  pebble_options.dns_server = resolver.address();
  PebbleFixture pebble(pebble_options);
  CliHarness cli(pebble);
  TempDir dir;
  const std::string ini = WriteIni(dir, pdns.CredentialsIni(), 0600);

  RunResult r =
      cli.Run("certonly",
              With(kRegister, {"--dns-powerdns", "--dns-powerdns-credentials",
                               ini, "--dns-resolver", resolver.address(), "-d",
                               "www.dyn.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("_acme-challenge.www.dyn.example.com -> "
                               "www.pdns.example.net"));
  // The zone's name server (ns.pdns.example.net) has no address, so the
  // propagation poll falls back to the resolver.
  EXPECT_THAT(r.err, HasSubstr("no address for a name server of "
                               "pdns.example.net.; polling " +
                               resolver.address()));
  EXPECT_EQ(cli.CheckLineage("www.dyn.example.com"), "");
  EXPECT_THAT(pdns.ReadTxt("pdns.example.net", "www.pdns.example.net"),
              IsEmpty());
  EXPECT_THAT(knot.ReadTxt("_acme-challenge.www.dyn.example.com"), IsEmpty());
}

}  // namespace
}  // namespace certpilot::testing
