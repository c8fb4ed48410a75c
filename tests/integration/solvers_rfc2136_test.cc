// RFC 2136 dynamic updates against a real authoritative server (Knot DNS,
// started by DnsServerFixture on a loopback port with a test zone and TSIG
// keys): certpilot's ldns client adding and deleting exactly its TXT values,
// TSIG algorithms and failures, zone discovery, the propagation poll — and
// a wildcard + base certificate from Pebble, with Pebble resolving through
// that server. What the zone holds is read back with knotc, not with the
// client under test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "integration/solvers_test_util.h"
#include "solvers/dns01.h"
#include "solvers/dns_client.h"
#include "solvers/dns_propagation.h"
#include "solvers/dns_types.h"
#include "solvers/ldns_dns_client.h"
#include "solvers/rfc2136_solver.h"
#include "support/dns_server_fixture.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"

namespace certpilot::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

DnsServerOptions ZoneWithKeys() {
  DnsServerOptions o;
  o.records = {R"(_acme-challenge TXT "someone-else")"};
  o.keys = {{"certpilot-sha256.", "hmac-sha256", ""},
            {"certpilot-sha512.", "hmac-sha512", ""},
            {"certpilot-sha1.", "hmac-sha1", ""},
            {"certpilot-md5.", "hmac-md5", ""}};
  return o;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

solvers::Rfc2136Credentials Credentials(const DnsServerFixture& dns,
                                        size_t key) {
  return solvers::ParseRfc2136Credentials(dns.CredentialsIni(key), "test.ini");
}

class SolversRfc2136ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dns_ = new DnsServerFixture(ZoneWithKeys()); }
  static void TearDownTestSuite() {
    delete dns_;
    dns_ = nullptr;
  }
  static std::unique_ptr<solvers::DnsClient> Client(size_t key = 0) {
    return solvers::MakeRfc2136Client(Credentials(*dns_, key),
                                      std::chrono::seconds(5));
  }
  static DnsServerFixture* dns_;
};

DnsServerFixture* SolversRfc2136ClientTest::dns_ = nullptr;

TEST_F(SolversRfc2136ClientTest, FindsTheZoneLikeCertbot) {
  auto client = Client();
  EXPECT_EQ(client->FindZone("_acme-challenge.www.dyn.example.com"),
            "dyn.example.com.");
  EXPECT_EQ(client->FindZone("DYN.example.com."), "dyn.example.com.");
  try {
    client->FindZone("_acme-challenge.other.example.org");
    FAIL();
  } catch (const solvers::DnsError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not authoritative"));
    EXPECT_THAT(e.what(), HasSubstr("other.example.org."));
  }
}

TEST_F(SolversRfc2136ClientTest, AddsAndDeletesExactlyItsOwnValues) {
  auto client = Client();
  const std::string name = "_acme-challenge.dyn.example.com";
  client->AddTxt("dyn.example.com", name, "value-1", 120);
  client->AddTxt("dyn.example.com.", name, "value-2", 120);
  client->AddTxt("dyn.example.com.", name, "value-2", 120);  // idempotent
  EXPECT_THAT(Sorted(dns_->ReadTxt(name)),
              ElementsAre("someone-else", "value-1", "value-2"));
  EXPECT_THAT(Sorted(client->QueryTxt(name)),
              ElementsAre("someone-else", "value-1", "value-2"));
  client->DeleteTxt("dyn.example.com.", name, "value-1");
  EXPECT_THAT(Sorted(dns_->ReadTxt(name)),
              ElementsAre("someone-else", "value-2"));
  client->DeleteTxt("dyn.example.com.", name, "value-2");
  client->DeleteTxt("dyn.example.com.", name, "value-2");  // gone already: fine
  EXPECT_THAT(dns_->ReadTxt(name), ElementsAre("someone-else"));
  EXPECT_TRUE(
      client->QueryTxt("_acme-challenge.nothing-here.dyn.example.com").empty());
}

TEST_F(SolversRfc2136ClientTest, EveryKeyAlgorithmLdnsImplementsWorks) {
  for (size_t key = 0; key < dns_->keys().size(); ++key) {
    SCOPED_TRACE(dns_->keys()[key].algorithm);
    auto client = Client(key);
    const std::string name =
        "_acme-challenge.alg" + std::to_string(key) + ".dyn.example.com";
    client->AddTxt("dyn.example.com.", name, "v", 60);
    EXPECT_THAT(dns_->ReadTxt(name), ElementsAre("v"));
    client->DeleteTxt("dyn.example.com.", name, "v");
    EXPECT_TRUE(dns_->ReadTxt(name).empty());
  }
}

TEST_F(SolversRfc2136ClientTest, SignedQueriesWork) {
  solvers::Rfc2136Credentials c = Credentials(*dns_, 1);
  c.sign_query = true;
  auto client = solvers::MakeRfc2136Client(c);
  EXPECT_EQ(client->FindZone("x.dyn.example.com"), "dyn.example.com.");
  EXPECT_THAT(client->QueryTxt("_acme-challenge.dyn.example.com"),
              ElementsAre("someone-else"));
}

TEST_F(SolversRfc2136ClientTest, AWrongSecretOrKeyNameIsNotAuth) {
  solvers::Rfc2136Credentials wrong_secret = Credentials(*dns_, 0);
  wrong_secret.key.secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  solvers::Rfc2136Credentials wrong_name = Credentials(*dns_, 0);
  wrong_name.key.name = "nobody.";
  solvers::Rfc2136Credentials wrong_algorithm = Credentials(*dns_, 0);
  wrong_algorithm.key.algorithm = solvers::TsigAlgorithm::kHmacSha512;
  for (const auto& [c, tsig_error] :
       {std::pair{wrong_secret, "BADSIG"}, std::pair{wrong_name, "BADKEY"},
        std::pair{wrong_algorithm, "BAD"}}) {
    try {
      solvers::MakeRfc2136Client(c)->AddTxt("dyn.example.com.",
                                            "x.dyn.example.com", "v", 60);
      ADD_FAILURE() << "update accepted with " << tsig_error;
    } catch (const solvers::DnsError& e) {
      EXPECT_EQ(e.rcode(), 9) << e.what();  // NOTAUTH
      EXPECT_THAT(e.what(), HasSubstr("NOTAUTH"));
      EXPECT_THAT(e.what(), HasSubstr(tsig_error));
    }
  }
  EXPECT_TRUE(dns_->ReadTxt("x.dyn.example.com").empty());
}

TEST_F(SolversRfc2136ClientTest, AnUnsignedUpdateIsRefused) {
  solvers::LdnsDnsClientOptions o;
  o.server = solvers::ParseDnsServerAddress(dns_->address());
  solvers::LdnsDnsClient unsigned_client(o);
  try {
    unsigned_client.AddTxt("dyn.example.com.", "x.dyn.example.com", "v", 60);
    FAIL();
  } catch (const solvers::DnsError& e) {
    EXPECT_TRUE(e.rcode().has_value()) << e.what();
  }
}

TEST_F(SolversRfc2136ClientTest, ANameOutsideTheZoneIsRefusedByTheServer) {
  try {
    Client()->AddTxt("dyn.example.com.", "_acme-challenge.example.org", "v",
                     60);
    FAIL();
  } catch (const solvers::DnsError& e) {
    EXPECT_THAT(e.what(), HasSubstr("NOTZONE"));
  }
}

TEST_F(SolversRfc2136ClientTest, TheSolverAddsPollsAndRemovesOnlyItsValues) {
  auto client = Client(1);
  SystemClock clock;
  solvers::Rfc2136Solver solver(*client, clock);
  issuance::ChallengeTask base, wild;
  base.identifier = wild.identifier = {"dns", "dyn.example.com"};
  wild.wildcard = true;
  base.challenge = {"dns-01", "https://ca/chall/1", acme::Status::kPending,
                    "tok1", ""};
  wild.challenge = {"dns-01", "https://ca/chall/2", acme::Status::kPending,
                    "tok2", ""};
  base.key_authorization = "tok1.thumb";
  wild.key_authorization = "tok2.thumb";
  solver.Present(base);
  solver.Present(wild);
  const std::string name = "_acme-challenge.dyn.example.com";
  EXPECT_EQ(Sorted(dns_->ReadTxt(name)),
            Sorted({"someone-else", solvers::Dns01TxtValue("tok1.thumb"),
                    solvers::Dns01TxtValue("tok2.thumb")}));
  solver.Wait();
  solver.CleanUp(base);
  solver.CleanUp(wild);
  EXPECT_THAT(dns_->ReadTxt(name), ElementsAre("someone-else"));
}

TEST_F(SolversRfc2136ClientTest, PropagationPollSeesARecordAddedBehindItsBack) {
  solvers::LdnsDnsClientOptions o;
  o.server = solvers::ParseDnsServerAddress(dns_->address());
  solvers::LdnsDnsClient resolver(o);
  SystemClock clock;
  dns_->AddTxt("_acme-challenge.late.dyn.example.com", "late-value");
  solvers::AwaitTxtRecords(
      resolver, clock,
      {{"_acme-challenge.late.dyn.example.com", "late-value"}});
  FakeClock fake;  // real queries, no real waiting between them
  try {
    solvers::AwaitTxtRecords(
        resolver, fake, {{"_acme-challenge.late.dyn.example.com", "other"}});
    FAIL();
  } catch (const solvers::DnsPropagationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("it shows \"late-value\""));
  }
}

// ---------------------------------------------------------------------------

TEST(SolversRfc2136IssuanceTest, IssuesAWildcardAndItsBaseThroughPebble) {
  DnsServerOptions dns_options;
  dns_options.records = {R"(_acme-challenge TXT "someone-else")"};
  DnsServerFixture dns(dns_options);
  PebbleOptions pebble_options;
  pebble_options.dns_server = dns.address();
  PebbleFixture pebble(pebble_options);

  TempDir dir;
  const std::string ini = dir / "rfc2136.ini";
  std::ofstream(ini) << dns.CredentialsIni();
  ASSERT_EQ(::chmod(ini.c_str(), 0600), 0);
  sys::PosixFilesystem fs;
  solvers::Rfc2136Credentials credentials =
      solvers::LoadRfc2136Credentials(fs, ini);
  std::unique_ptr<solvers::DnsClient> client =
      solvers::MakeRfc2136Client(credentials);
  AcmeSession session(pebble);
  solvers::Rfc2136Solver solver(*client, session.clock());
  issuance::ObtainResult result = session.Obtain(
      {"*.dyn.example.com", "dyn.example.com", "www.dyn.example.com"},
      {&solver});
  EXPECT_THAT(CertNames(result.cert_pem),
              ElementsAre("*.dyn.example.com", "dyn.example.com",
                          "www.dyn.example.com"));
  EXPECT_THAT(dns.ReadTxt("_acme-challenge.dyn.example.com"),
              ElementsAre("someone-else"));
  EXPECT_TRUE(dns.ReadTxt("_acme-challenge.www.dyn.example.com").empty());
}

}  // namespace
}  // namespace certpilot::testing
