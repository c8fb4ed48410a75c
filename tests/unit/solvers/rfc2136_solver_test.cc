// RFC 2136 solver: certbot's credentials file (parsing, the permission
// check) and the solver's add / poll / delete-exactly-ours flow against a
// fake DNS server. The real server (Knot DNS) and Pebble are in
// tests/integration/solvers_rfc2136_test.cc.
#include "solvers/rfc2136_solver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "solvers/dns01.h"
#include "solvers/dns_cname.h"
#include "solvers/dns_types.h"
#include "support/fake_clock.h"
#include "support/temp_dir.h"
#include "sys/filesystem.h"
#include "unit/solvers/fake_dns_client.h"
#include "util/error.h"

namespace certpilot::solvers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeDnsClient;

constexpr char kSecret[] =
    "4q4wM/2I180UXoMyN4INVhJNi8V9BCV+jMw2mXgZw/"
    "CSuxUT8C7NKKFsAmKd7ak51vWKgSl12ib86oQRPkpDjg==";

// certbot's documented example, verbatim (the secret has a space in it).
constexpr char kCertbotExample[] =
    R"(# Target DNS server (IPv4 or IPv6 address, not a hostname)
dns_rfc2136_server = 192.0.2.1
# Target DNS port
dns_rfc2136_port = 53
# TSIG key name
dns_rfc2136_name = keyname.
# TSIG key secret
dns_rfc2136_secret = 4q4wM/2I180UXoMyN4INVhJNi8V9BCV+jMw2mXgZw/CSuxUT8C7NKKFs AmKd7ak51vWKgSl12ib86oQRPkpDjg==
# TSIG key algorithm
dns_rfc2136_algorithm = HMAC-SHA512
)";

TEST(Rfc2136CredentialsTest, ParsesCertbotsExample) {
  Rfc2136Credentials c =
      ParseRfc2136Credentials(kCertbotExample, "rfc2136.ini");
  EXPECT_EQ(c.server, (DnsServerAddress{"192.0.2.1", 53}));
  EXPECT_EQ(c.key.name, "keyname.");
  EXPECT_EQ(c.key.secret, kSecret);
  EXPECT_EQ(c.key.algorithm, TsigAlgorithm::kHmacSha512);
  EXPECT_FALSE(c.sign_query);
}

TEST(Rfc2136CredentialsTest, DefaultsQuotesCommentsAndOtherPluginsKeys) {
  Rfc2136Credentials c = ParseRfc2136Credentials(
      "dns_cloudflare_api_token = xyz\r\n"
      "  DNS_RFC2136_SERVER = \"2001:db8::53\"  \r\n"
      "; a comment\n"
      "dns_rfc2136_name = 'key-1.example.'\n"
      "dns_rfc2136_secret = " +
          std::string(kSecret) +
          "   # inline comment\n"
          "dns_rfc2136_sign_query = true\n",
      "x.ini");
  EXPECT_EQ(c.server, (DnsServerAddress{"2001:db8::53", 53}));
  EXPECT_EQ(c.key.name, "key-1.example.");
  EXPECT_EQ(c.key.secret, kSecret);
  EXPECT_EQ(c.key.algorithm, TsigAlgorithm::kHmacMd5);  // certbot's default
  EXPECT_TRUE(c.sign_query);
}

TEST(Rfc2136CredentialsTest, PortKeyAppliesToTheServer) {
  Rfc2136Credentials c = ParseRfc2136Credentials(
      "dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_port = 5353\n"
      "dns_rfc2136_name = k\ndns_rfc2136_secret = " +
          std::string(kSecret) + "\n",
      "x.ini");
  EXPECT_EQ(c.server, (DnsServerAddress{"127.0.0.1", 5353}));
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseRfc2136Credentials(text, "/etc/letsencrypt/rfc2136.ini");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Rfc2136CredentialsTest, RefusesMissingAndMalformedValuesNamingFileAndKey) {
  const std::string good_secret =
      "dns_rfc2136_secret = " + std::string(kSecret) + "\n";
  EXPECT_THAT(
      ErrorOf("dns_rfc2136_name = k\n" + good_secret),
      HasSubstr("/etc/letsencrypt/rfc2136.ini: missing dns_rfc2136_server"));
  EXPECT_THAT(ErrorOf("dns_rfc2136_server = 127.0.0.1\n" + good_secret),
              HasSubstr("missing dns_rfc2136_name"));
  EXPECT_THAT(ErrorOf("dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k\n"),
              HasSubstr("missing dns_rfc2136_secret"));
  EXPECT_THAT(
      ErrorOf("dns_rfc2136_server = ns1.example.com\ndns_rfc2136_name = k\n" +
              good_secret),
      HasSubstr("line 1: dns_rfc2136_server"));
  EXPECT_THAT(
      ErrorOf("dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_port = 99999\n"
              "dns_rfc2136_name = k\n" +
              good_secret),
      HasSubstr("line 2: dns_rfc2136_port"));
  EXPECT_THAT(
      ErrorOf("dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k;rm\n" +
              good_secret),
      HasSubstr("dns_rfc2136_name"));
  EXPECT_THAT(ErrorOf("dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k\n"
                      "dns_rfc2136_algorithm = HMAC-SHA384\n" +
                      good_secret),
              HasSubstr("not supported"));
  EXPECT_THAT(ErrorOf("dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k\n" +
                      good_secret + "dns_rfc2136_name = k2\n"),
              HasSubstr("duplicate dns_rfc2136_name"));
  EXPECT_THAT(ErrorOf("dns_rfc2136_server 127.0.0.1\n"),
              HasSubstr("line 1: expected"));
  EXPECT_THAT(ErrorOf("dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k\n"
                      "dns_rfc2136_sign_query = maybe\n" +
                      good_secret),
              HasSubstr("dns_rfc2136_sign_query"));
}

TEST(Rfc2136CredentialsTest, ABadSecretIsRefusedWithoutQuotingIt) {
  std::string message = ErrorOf(
      "dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = "
      "k\ndns_rfc2136_secret = s3cr3t!!\n");
  EXPECT_THAT(message, HasSubstr("dns_rfc2136_secret is not base64"));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t")));
}

class Rfc2136CredentialsFileTest : public ::testing::Test {
 protected:
  std::string Write(mode_t mode) {
    std::string path = dir_ / "rfc2136.ini";
    std::ofstream(path) << kCertbotExample;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  testing::TempDir dir_;
  sys::PosixFilesystem fs_;
};

TEST_F(Rfc2136CredentialsFileTest, LoadsAPrivateFile) {
  for (mode_t mode : {0600, 0400}) {
    Rfc2136Credentials c = LoadRfc2136Credentials(fs_, Write(mode));
    EXPECT_EQ(c.key.name, "keyname.");
  }
}

TEST_F(Rfc2136CredentialsFileTest, RefusesAFileOthersCanAccess) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602, 0610}) {
    std::string path = Write(mode);
    try {
      LoadRfc2136Credentials(fs_, path);
      ADD_FAILURE() << "mode " << std::oct << mode << " accepted";
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), HasSubstr("chmod 600 " + path));
    }
  }
}

TEST_F(Rfc2136CredentialsFileTest, RefusesDirectoriesAndMissingFiles) {
  EXPECT_THROW(LoadRfc2136Credentials(fs_, dir_.path()), UsageError);
  EXPECT_THROW(LoadRfc2136Credentials(fs_, dir_ / "missing.ini"), Error);
}

// ---------------------------------------------------------------------------

issuance::ChallengeTask Task(const std::string& name, bool wildcard,
                             const std::string& token) {
  issuance::ChallengeTask t;
  t.identifier = {"dns", name};
  t.wildcard = wildcard;
  t.challenge.type = "dns-01";
  t.challenge.url =
      "https://ca.example/chall/" + token + (wildcard ? "-w" : "");
  t.challenge.token = token;
  t.key_authorization = token + ".thumbprint";
  return t;
}

constexpr char kRecord[] = "_acme-challenge.example.com.";

TEST(Rfc2136SolverTest,
     AddsBothValuesForAWildcardAndItsBaseThenDeletesExactlyThem) {
  FakeDnsClient dns;
  dns.txt[kRecord] = {"someone-else"};
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  EXPECT_EQ(solver.Type(), "dns-01");
  auto base = Task("example.com", false, "tokenA");
  auto wild = Task("example.com", true, "tokenB");
  solver.Present(base);
  solver.Present(wild);
  const std::string a = Dns01TxtValue(base.key_authorization);
  const std::string b = Dns01TxtValue(wild.key_authorization);
  EXPECT_THAT(dns.txt[kRecord], ElementsAre("someone-else", a, b));
  EXPECT_THAT(
      dns.calls,
      ElementsAre(
          "cname _acme-challenge.example.com.",
          "zone _acme-challenge.example.com.",
          "add example.com. _acme-challenge.example.com. " + a + " 120",
          "cname _acme-challenge.example.com.",
          "zone _acme-challenge.example.com.",
          "add example.com. _acme-challenge.example.com. " + b + " 120"));
  solver.Wait();
  EXPECT_TRUE(clock.sleeps().empty());  // visible at once
  solver.CleanUp(wild);
  EXPECT_THAT(dns.txt[kRecord], ElementsAre("someone-else", a));
  solver.CleanUp(base);
  EXPECT_THAT(dns.txt[kRecord], ElementsAre("someone-else"));
  EXPECT_EQ(dns.calls.back(),
            "delete example.com. _acme-challenge.example.com. " + a);
}

TEST(Rfc2136SolverTest, WaitPollsTheUpdatedServerUntilEveryValueIsVisible) {
  FakeDnsClient dns;
  FakeClock clock;
  Rfc2136Options options;
  options.ttl = 60;
  options.poll.initial_interval = 200ms;
  options.extra_wait = 2s;
  Rfc2136Solver solver(dns, clock, options);
  auto task = Task("www.example.com", false, "tok");
  solver.Present(task);
  dns.hidden_until_query[Dns01TxtValue(task.key_authorization)] = 3;
  solver.Wait();
  EXPECT_EQ(dns.queries, 3);
  EXPECT_THAT(clock.sleeps(),
              ElementsAre(Duration(200ms), Duration(400ms), Duration(2s)));
  EXPECT_THAT(dns.calls[2], HasSubstr(" 60"));  // the TTL
}

TEST(Rfc2136SolverTest, WaitFailsWhenTheValueNeverShows) {
  FakeDnsClient dns;
  FakeClock clock;
  Rfc2136Options options;
  options.poll.timeout = 5s;
  Rfc2136Solver solver(dns, clock, options);
  auto task = Task("example.com", false, "tok");
  solver.Present(task);
  dns.hidden_until_query[Dns01TxtValue(task.key_authorization)] = 1'000'000;
  EXPECT_THROW(solver.Wait(), DnsPropagationError);
  solver.CleanUp(task);
  EXPECT_TRUE(dns.txt[kRecord].empty());
}

TEST(Rfc2136SolverTest, ARefusedUpdateThrowsAndCleanUpStillTriesTheDelete) {
  FakeDnsClient dns;
  dns.fail_add = true;
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  auto task = Task("example.com", false, "tok");
  try {
    solver.Present(task);
    FAIL();
  } catch (const DnsError& e) {
    EXPECT_EQ(e.rcode(), 9);
  }
  solver.CleanUp(task);  // the add may have landed before the answer was lost
  EXPECT_THAT(dns.calls.back(), HasSubstr("delete example.com."));
}

TEST(Rfc2136SolverTest, NoZoneMeansNoUpdateAndNoDelete) {
  FakeDnsClient dns;
  dns.zone_error = "cannot find the DNS zone";
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  auto task = Task("example.com", false, "tok");
  EXPECT_THROW(solver.Present(task), DnsError);
  solver.CleanUp(task);
  EXPECT_THAT(dns.calls, ElementsAre("cname _acme-challenge.example.com.",
                                     "zone _acme-challenge.example.com."));
}

// CNAME delegation (dns_cname.h): the zone is found for, and the record
// written and deleted at, the end of the chain.
TEST(Rfc2136SolverTest, WritesWhereTheCnameChainEndsAndDeletesThere) {
  FakeDnsClient dns;
  dns.zone = "acme.example.net.";
  dns.cnames[kRecord] = "www.acme.example.net.";
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  auto task = Task("example.com", false, "tok");
  const std::string v = Dns01TxtValue(task.key_authorization);
  solver.Present(task);
  EXPECT_THAT(
      dns.calls,
      ElementsAre("cname _acme-challenge.example.com.",
                  "cname www.acme.example.net.", "zone www.acme.example.net.",
                  "add acme.example.net. www.acme.example.net. " + v + " 120"));
  EXPECT_TRUE(dns.txt[kRecord].empty());
  solver.Wait();  // polls the delegated name
  EXPECT_EQ(dns.calls.back(), "query www.acme.example.net.");
  solver.CleanUp(task);
  EXPECT_EQ(dns.calls.back(),
            "delete acme.example.net. www.acme.example.net. " + v);
  EXPECT_TRUE(dns.txt["www.acme.example.net."].empty());
}

TEST(Rfc2136SolverTest, CnameChainsAreAskedOfTheGivenResolverOrNotAtAll) {
  FakeDnsClient dns, resolver;
  resolver.cnames[kRecord] = "x.example.com.";
  FakeClock clock;
  Rfc2136Options options;
  options.cname_resolver = &resolver;
  Rfc2136Solver solver(dns, clock, options);
  auto task = Task("example.com", false, "tok");
  solver.Present(task);
  EXPECT_THAT(resolver.calls, ElementsAre("cname _acme-challenge.example.com.",
                                          "cname x.example.com."));
  EXPECT_EQ(dns.calls.front(), "zone x.example.com.");
  solver.CleanUp(task);

  FakeDnsClient plain;
  plain.cnames[kRecord] = "x.example.com.";
  options.cname_resolver = nullptr;
  options.follow_cname = false;  // --no-dns-cname-delegation
  Rfc2136Solver off(plain, clock, options);
  off.Present(task);
  EXPECT_EQ(plain.calls.front(), "zone _acme-challenge.example.com.");
  EXPECT_EQ(plain.txt[kRecord].size(), 1u);
}

TEST(Rfc2136SolverTest, ACnameLoopFailsBeforeAnyUpdate) {
  FakeDnsClient dns;
  dns.cnames[kRecord] = "a.example.com.";
  dns.cnames["a.example.com."] = kRecord;
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  auto task = Task("example.com", false, "tok");
  EXPECT_THROW(solver.Present(task), DnsCnameError);
  solver.CleanUp(task);
  for (const std::string& call : dns.calls)
    EXPECT_THAT(call, ::testing::StartsWith("cname "));
}

TEST(Rfc2136SolverTest, CleanUpNeverThrowsAndForgetsTheRecord) {
  FakeDnsClient dns;
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  auto task = Task("example.com", false, "tok");
  solver.Present(task);
  dns.fail_delete = true;
  solver.CleanUp(task);  // logs a warning
  dns.fail_delete = false;
  size_t calls = dns.calls.size();
  solver.CleanUp(task);  // nothing left to do
  solver.Wait();         // nothing to wait for
  EXPECT_EQ(dns.calls.size(), calls);
}

TEST(Rfc2136SolverTest, IpIdentifiersAreRefused) {
  FakeDnsClient dns;
  FakeClock clock;
  Rfc2136Solver solver(dns, clock);
  auto task = Task("192.0.2.1", false, "tok");
  task.identifier.type = "ip";
  EXPECT_THROW(solver.Present(task), UsageError);
  EXPECT_TRUE(dns.calls.empty());
}

}  // namespace
}  // namespace certpilot::solvers
