// The authenticators through the command line, against real Pebble: what a
// user types (certonly --webroot -w ..., --manual with hooks, --dns-rfc2136,
// --preferred-challenges tls-alpn-01), that each cleans up after itself, and
// that `renew` works from what the renewal conf remembered. The solver
// classes themselves are tested in solvers_*_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/solvers_test_util.h"
#include "support/cli_harness.h"
#include "support/dns_server_fixture.h"
#include "support/pebble_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class AuthenticatorsCliTest : public PebbleSuite {
 protected:
  CliHarness cli_{*pebble_};
};

TEST_F(AuthenticatorsCliTest, WebrootIssuesCleansUpAndRenewsFromTheStoredConf) {
  // Pebble resolves every name to 127.0.0.1, so one server serves both
  // names from one root; the -w/-d pairing is covered by the unit tests.
  const std::string www = dir_ / "www";
  fs::create_directories(www);
  StaticHttpServer server(www, pebble_->http_port());
  RunResult r =
      cli_.Run("certonly", With(kRegister, {"--webroot", "-w", www, "-d",
                                            "a.webroot.test,b.webroot.test"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("a.webroot.test"), "");
  // Present created .well-known/acme-challenge: CleanUp removed both.
  EXPECT_FALSE(fs::exists(www + "/.well-known"))
      << "challenge dirs left behind";
  EXPECT_FALSE(server.requests().empty());

  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/a.webroot.test.conf");
  EXPECT_THAT(conf, HasSubstr("authenticator = webroot"));
  EXPECT_THAT(conf, HasSubstr("webroot_path = " + www + ","));
  EXPECT_THAT(conf, HasSubstr("[[webroot_map]]"));
  EXPECT_THAT(conf, HasSubstr("a.webroot.test = " + www));
  EXPECT_THAT(conf, HasSubstr("b.webroot.test = " + www));

  // renew knows nothing but the conf: no -w, no --webroot. Pebble hands out
  // an earlier valid authorization 1% of the time even with
  // PEBBLE_AUTHZREUSE=0, and then the CA asks the webroot nothing for that
  // name: renew again while neither name was asked (both reused three times
  // running: odds 1e-12).
  const size_t before = server.requests().size();
  for (int version = 2; version <= 4 && server.requests().size() == before;
       ++version) {
    RunResult renew =
        cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
    ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
    EXPECT_EQ(cli_.Version("a.webroot.test"), version);
    EXPECT_EQ(cli_.CheckLineage("a.webroot.test"), "");
    EXPECT_FALSE(fs::exists(www + "/.well-known"));
  }
  EXPECT_GT(server.requests().size(), before) << "no renewal asked the webroot";
}

TEST_F(AuthenticatorsCliTest, WebrootCleansUpWhenValidationFails) {
  const std::string www = dir_ / "www";
  fs::create_directories(www + "/.well-known/acme-challenge");
  // Nothing serves the webroot: Pebble's fetch fails.
  RunResult r = cli_.Run(
      "certonly",
      With(kRegister, {"--webroot", "-w", www, "-d", "fail.webroot.test"}));
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("fail.webroot.test"));
  // The directories existed before: kept, and empty again.
  EXPECT_TRUE(fs::exists(www + "/.well-known/acme-challenge"));
  EXPECT_TRUE(fs::is_empty(www + "/.well-known/acme-challenge"));
  EXPECT_FALSE(fs::exists(cli_.config() + "/live/fail.webroot.test"));
}

TEST_F(AuthenticatorsCliTest,
       ManualHttp01HooksGetCertbotsEnvironmentAndRunInOrder) {
  const std::string www = dir_ / "www", log = dir_ / "hooks.log";
  fs::create_directories(www + "/.well-known/acme-challenge");
  StaticHttpServer server(www, pebble_->http_port());
  const std::string auth =
      Script(dir_, "auth.sh",
             "printf '%s' \"$CERTBOT_VALIDATION\" > '" + www +
                 "/.well-known/acme-challenge/'\"$CERTBOT_TOKEN\"\n"
                 "echo \"auth $CERTBOT_DOMAIN $CERTBOT_REMAINING_CHALLENGES "
                 "$CERTBOT_ALL_DOMAINS "
                 "$CERTPILOT_DOMAIN\" >> '" +
                 log + "'\necho out-$CERTBOT_DOMAIN\n");
  const std::string cleanup =
      Script(dir_, "cleanup.sh",
             "rm -f '" + www +
                 "/.well-known/acme-challenge/'\"$CERTBOT_TOKEN\"\n"
                 "echo \"cleanup $CERTBOT_DOMAIN $CERTBOT_AUTH_OUTPUT\" >> '" +
                 log + "'\n");
  RunResult r = cli_.Run(
      "certonly", With(kRegister, {"--manual", "--preferred-challenges", "http",
                                   "--manual-auth-hook", auth,
                                   "--manual-cleanup-hook", cleanup, "-d",
                                   "m1.manual.test", "-d", "m2.manual.test"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("m1.manual.test"), "");
  std::vector<std::string> lines = Lines(log);
  ASSERT_EQ(lines.size(), 4u) << ReadFileOrEmpty(log);
  // Every auth hook before any cleanup; cleanup gets the auth hook's output.
  EXPECT_THAT(lines[0], HasSubstr("auth "));
  EXPECT_THAT(lines[1], HasSubstr("auth "));
  EXPECT_THAT(lines[0], HasSubstr(" 1 "));
  EXPECT_THAT(lines[1], HasSubstr(" 0 "));
  for (int i : {0, 1}) {
    std::istringstream words(lines[size_t(i)]);
    std::string tag, domain, remaining, all, mirror;
    words >> tag >> domain >> remaining >> all >> mirror;
    // In the CA's authorization order, which Pebble does not fix.
    EXPECT_TRUE(all == "m1.manual.test,m2.manual.test" ||
                all == "m2.manual.test,m1.manual.test")
        << all;
    EXPECT_EQ(domain, mirror);  // CERTPILOT_DOMAIN mirrors CERTBOT_DOMAIN
  }
  EXPECT_THAT(lines[2], HasSubstr("cleanup "));
  EXPECT_THAT(lines[3], HasSubstr("cleanup "));
  EXPECT_THAT(ReadFileOrEmpty(log),
              HasSubstr("cleanup m1.manual.test out-m1.manual.test"));
  EXPECT_TRUE(fs::is_empty(www + "/.well-known/acme-challenge"));
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/m1.manual.test.conf");
  EXPECT_THAT(conf, HasSubstr("manual_auth_hook = " + auth));
  EXPECT_THAT(conf, HasSubstr("manual_cleanup_hook = " + cleanup));
  EXPECT_THAT(conf, HasSubstr("pref_challs = http-01,"));

  // Renewal from the conf runs the same hooks. Pebble hands out an earlier
  // valid authorization instead of a new one 1% of the time even with
  // PEBBLE_AUTHZREUSE=0 (it creates a new one when rand.Intn(100) > the
  // percentage), and a name with a valid authorization needs no hook: each
  // renewal adds an auth and a cleanup line per name that needed one, and
  // another renewal is asked for in the rare run where no name did.
  size_t before = Lines(log).size();
  for (int version = 2; version <= 4; ++version) {
    RunResult renew =
        cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
    ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
    EXPECT_EQ(cli_.Version("m1.manual.test"), version);
    lines = Lines(log);
    const size_t added = lines.size() - before;
    ASSERT_TRUE(added == 0 || added == 2 || added == 4) << ReadFileOrEmpty(log);
    if (added == 0) continue;
    for (size_t i = 0; i < added; ++i)
      EXPECT_THAT(lines[before + i],
                  HasSubstr(i < added / 2 ? "auth " : "cleanup "))
          << ReadFileOrEmpty(log);
    break;
  }
  EXPECT_GT(lines.size(), before) << "three renewals ran no hook";
}

TEST_F(AuthenticatorsCliTest,
       ManualDns01WildcardWithChalltestsrvHooksAndResolverPoll) {
  const std::string mgmt = pebble_->challtestsrv_management_url();
  const std::string log = dir_ / "hooks.log";
  const std::string auth = Script(
      dir_, "auth.sh",
      ChalltestsrvSetTxt(mgmt) +
          "echo \"auth $CERTBOT_DOMAIN ${CERTBOT_TOKEN:-notoken}\" >> '" + log +
          "'\n");
  const std::string cleanup =
      Script(dir_, "cleanup.sh",
             ChalltestsrvClearTxt(mgmt) +
                 "echo \"cleanup $CERTBOT_DOMAIN\" >> '" + log + "'\n");
  RunResult r = cli_.Run(
      "certonly",
      With(kRegister, {"--manual", "--preferred-challenges", "dns",
                       "--manual-auth-hook", auth, "--manual-cleanup-hook",
                       cleanup, "--dns-resolver", pebble_->dns_address(), "-d",
                       "*.wild.manual.test", "-d", "wild.manual.test"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("wild.manual.test"), "");
  EXPECT_THAT(Lines(log), ElementsAre("auth wild.manual.test notoken",
                                      "auth wild.manual.test notoken",
                                      "cleanup wild.manual.test",
                                      "cleanup wild.manual.test"));
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/wild.manual.test.conf");
  EXPECT_THAT(conf, HasSubstr("dns_resolver = " + pebble_->dns_address()));
}

TEST_F(AuthenticatorsCliTest,
       ManualWithoutAHookRefusesNonInteractiveRunsBeforeOrdering) {
  RunResult r =
      cli_.Run("certonly", With(kRegister, {"--manual", "-d", "nohook.test"}));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("--manual-auth-hook"));
  EXPECT_FALSE(fs::exists(cli_.config() + "/accounts"))
      << "it registered before refusing";
}

TEST_F(AuthenticatorsCliTest,
       AWildcardWithOnlyHttpAuthenticatorsIsRefusedBeforeOrdering) {
  for (const std::vector<std::string>& how :
       {std::vector<std::string>{"--standalone"},
        {"--webroot", "-w", std::string(dir_ / "w")},
        {"--manual", "--preferred-challenges", "http", "--manual-auth-hook",
         "true"}}) {
    RunResult r =
        cli_.Run("certonly", With(With(kRegister, how), {"-d", "*.wild.test"}));
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr("*.wild.test is a wildcard"));
    EXPECT_THAT(r.err, HasSubstr("DNS-01"));
  }
  EXPECT_FALSE(fs::exists(cli_.config() + "/accounts"));
}

TEST_F(AuthenticatorsCliTest, BadAuthenticatorInputIsAUsageError) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--standalone", "--nginx", "-d", "x.test"},
            "choose one authenticator"},
           {{"--standalone", "--preferred-challenges", "dns", "-d", "x.test"},
            "cannot answer dns-01"},
           {{"--preferred-challenges", "smtp-01", "-d", "x.test"},
            "unknown challenge type"},
           {{"--webroot", "-d", "x.test"}, "no webroot for x.test"},
           {{"--webroot-map", "[1]", "-d", "x.test"},
            "--webroot-map must be a JSON object"},
           {{"-d", "x.test", "-w", "/a", "-w", "/b", "-d", "y.test"},
            "one must come before every -d"},
           {{"-w", "/nonexistent/www", "-d", "x.test"},
            "webroot /nonexistent/www (for x.test) is not an existing "
            "directory"},
           {{"--dns-rfc2136", "-d", "x.test"}, "--dns-rfc2136-credentials"},
           {{"--manual", "--manual-auth-hook", "true", "--dns-resolver",
             "nohost:x", "-d", "x.test"},
            "nohost"},
           {{"-a", "haproxy", "-d", "x.test"}, "unsupported authenticator"},
       }) {
    RunResult r = cli_.Run("certonly", With(kRegister, c.args));
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.args[0];
  }
}

TEST_F(AuthenticatorsCliTest, TlsAlpn01OnPebblesTlsPort) {
  RunResult r =
      cli_.Run("certonly",
               With(kRegister,
                    {"--standalone", "--preferred-challenges", "tls-alpn-01",
                     "--tls-alpn-01-address", "127.0.0.1", "--tls-alpn-01-port",
                     std::to_string(pebble_->tls_port()), "-d", "alpn.test"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("alpn.test"), "");
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/alpn.test.conf");
  EXPECT_THAT(conf, HasSubstr("pref_challs = tls-alpn-01,"));
  EXPECT_THAT(conf, HasSubstr("tls_alpn_01_port = " +
                              std::to_string(pebble_->tls_port())));
  // Port 80 was never needed: the renewal binds only the TLS port.
  RunResult renew =
      cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
  EXPECT_EQ(cli_.Version("alpn.test"), 2);
}

TEST(AuthenticatorsRfc2136CliTest,
     IssuesAWildcardAndRenewsFromTheStoredCredentials) {
  DnsServerOptions dns_options;
  DnsServerFixture dns(dns_options);
  PebbleOptions pebble_options;
  pebble_options.dns_server = dns.address();
  PebbleFixture pebble(pebble_options);
  CliHarness cli(pebble);
  TempDir dir;
  const std::string ini = dir / "rfc2136.ini";
  std::ofstream(ini) << dns.CredentialsIni();
  ASSERT_EQ(::chmod(ini.c_str(), 0644), 0);
  RunResult loose = cli.Run(
      "certonly", With(kRegister, {"--dns-rfc2136", "--dns-rfc2136-credentials",
                                   ini, "-d", "dyn.example.com"}));
  EXPECT_EQ(loose.exit_code, 2) << loose.Describe();
  EXPECT_THAT(loose.err, HasSubstr("chmod 600"));
  ASSERT_EQ(::chmod(ini.c_str(), 0600), 0);

  RunResult r = cli.Run(
      "certonly",
      With(kRegister, {"--dns-rfc2136", "--dns-rfc2136-credentials", ini, "-d",
                       "*.dyn.example.com,dyn.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli.CheckLineage("dyn.example.com"), "");
  EXPECT_TRUE(dns.ReadTxt("_acme-challenge.dyn.example.com").empty())
      << "records left behind";
  const std::string conf =
      ReadFileOrEmpty(cli.config() + "/renewal/dyn.example.com.conf");
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-rfc2136"));
  EXPECT_THAT(conf, HasSubstr("dns_rfc2136_credentials = " + ini));

  RunResult renew =
      cli.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
  EXPECT_EQ(cli.Version("dyn.example.com"), 2);
  EXPECT_TRUE(dns.ReadTxt("_acme-challenge.dyn.example.com").empty());
}

}  // namespace
}  // namespace certpilot::testing
