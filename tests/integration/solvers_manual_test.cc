// The manual authenticator with hook scripts against the real Pebble CA:
// http-01 hooks that write into a directory a small HTTP server serves, and
// dns-01 hooks (a wildcard and its base domain in one certificate) that call
// pebble-challtestsrv's /set-txt and /clear-txt with curl, with the
// propagation check polling the mock DNS server (--dns-resolver).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/solvers_test_util.h"
#include "solvers/dns_types.h"
#include "solvers/ldns_dns_client.h"
#include "solvers/manual_solver.h"
#include "support/temp_dir.h"
#include "sys/process_runner.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

class SolversManualTest : public PebbleSuite {
 protected:
  sys::PosixProcessRunner runner_;
};

TEST_F(SolversManualTest, Http01HooksRunBeforeValidationAndCleanUpAfter) {
  const std::string root = dir_ / "site";
  const std::string log = dir_ / "hooks.log";
  fs::create_directory(root);
  StaticHttpServer server(root, pebble_->http_port());
  solvers::ManualOptions options;
  options.auth_hook =
      Script(dir_, "auth.sh",
             "d='" + root +
                 "/.well-known/acme-challenge'\n"
                 "mkdir -p \"$d\"\n"
                 "printf '%s' \"$CERTBOT_VALIDATION\" > \"$d/$CERTBOT_TOKEN\"\n"
                 "echo \"auth $CERTBOT_DOMAIN $CERTBOT_REMAINING_CHALLENGES "
                 "$CERTPILOT_ALL_DOMAINS\" >> '" +
                 log +
                 "'\n"
                 "echo \"id-$CERTBOT_DOMAIN\"\n");
  options.cleanup_hook =
      Script(dir_, "cleanup.sh",
             "rm -f '" + root +
                 "/.well-known/acme-challenge/'\"$CERTBOT_TOKEN\"\n"
                 "echo \"cleanup $CERTBOT_DOMAIN $CERTBOT_AUTH_OUTPUT\" >> '" +
                 log + "'\n");
  SystemClock clock;
  solvers::ManualSolver manual(options, runner_, clock);
  AcmeSession session(*pebble_);
  issuance::ObtainResult result = session.Obtain(
      {"manual.example.com", "www.manual.example.com"}, {&manual.Http01()});
  EXPECT_THAT(CertNames(result.cert_pem),
              ElementsAre("manual.example.com", "www.manual.example.com"));
  std::vector<std::string> lines = Lines(log);
  ASSERT_THAT(lines, SizeIs(4));
  // Both auth hooks first (in authorization order), then both cleanups.
  EXPECT_THAT(lines[0], MatchesRegex("auth [a-z.]+ 1 [a-z.]+,[a-z.]+"));
  EXPECT_THAT(lines[1], MatchesRegex("auth [a-z.]+ 0 [a-z.]+,[a-z.]+"));
  // Each cleanup sees its own auth hook's output.
  for (const std::string& line : {lines[2], lines[3]}) {
    std::istringstream words(line);
    std::string word, domain, output;
    words >> word >> domain >> output;
    EXPECT_EQ(word, "cleanup");
    EXPECT_EQ(output, "id-" + domain);
  }
  EXPECT_TRUE(fs::is_empty(root + "/.well-known/acme-challenge"));
  EXPECT_FALSE(server.requests().empty());
}

TEST_F(SolversManualTest, Dns01WildcardAndBaseWithChalltestsrvHooks) {
  const std::string log = dir_ / "hooks.log";
  const std::string mgmt = pebble_->challtestsrv_management_url();
  solvers::ManualOptions options;
  options.auth_hook =
      Script(dir_, "auth.sh",
             ChalltestsrvSetTxt(mgmt) +
                 "echo \"auth $CERTBOT_DOMAIN $CERTBOT_REMAINING_CHALLENGES "
                 "${CERTBOT_TOKEN:-notoken}\" >> '" +
                 log + "'\n");
  options.cleanup_hook =
      Script(dir_, "cleanup.sh",
             ChalltestsrvClearTxt(mgmt) +
                 "echo \"cleanup $CERTBOT_DOMAIN\" >> '" + log + "'\n");
  solvers::LdnsDnsClient resolver(
      {solvers::ParseDnsServerAddress(pebble_->dns_address()), std::nullopt,
       false, std::chrono::seconds(2), 2});
  options.dns_propagation.resolver = &resolver;
  options.dns_propagation.poll.timeout = std::chrono::seconds(30);
  SystemClock clock;
  solvers::ManualSolver manual(options, runner_, clock);
  AcmeSession session(*pebble_);
  issuance::ObtainResult result = session.Obtain(
      {"*.wild.example.com", "wild.example.com"}, {&manual.Dns01()});
  EXPECT_THAT(CertNames(result.cert_pem),
              ElementsAre("*.wild.example.com", "wild.example.com"));
  EXPECT_THAT(Lines(log), ElementsAre("auth wild.example.com 1 notoken",
                                      "auth wild.example.com 0 notoken",
                                      "cleanup wild.example.com",
                                      "cleanup wild.example.com"));
  EXPECT_TRUE(resolver.QueryTxt("_acme-challenge.wild.example.com").empty());
}

TEST_F(SolversManualTest, AFailingAuthHookStopsTheOrderAndStillCleansUp) {
  const std::string log = dir_ / "hooks.log";
  solvers::ManualOptions options;
  options.auth_hook =
      Script(dir_, "auth.sh",
             "echo \"auth $CERTBOT_DOMAIN\" >> '" + log +
                 "'\n"
                 "echo 'provider API: permission denied' >&2\nexit 4\n");
  options.cleanup_hook =
      Script(dir_, "cleanup.sh",
             "echo \"cleanup $CERTBOT_DOMAIN\" >> '" + log + "'\n");
  SystemClock clock;
  solvers::ManualSolver manual(options, runner_, clock);
  AcmeSession session(*pebble_);
  try {
    session.Obtain({"failing-hook.example.com"}, {&manual.Dns01()});
    FAIL() << "expected the auth hook's failure";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--manual-auth-hook"));
    EXPECT_THAT(e.what(), HasSubstr("exited with status 4"));
    EXPECT_THAT(e.what(), HasSubstr("permission denied"));
  }
  EXPECT_THAT(Lines(log), ElementsAre("auth failing-hook.example.com",
                                      "cleanup failing-hook.example.com"));
}

}  // namespace
}  // namespace certpilot::testing
