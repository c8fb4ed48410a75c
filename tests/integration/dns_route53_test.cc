// The dns-route53 provider end to end: the built binary issues a wildcard
// and its base name from the real Pebble CA, its Route 53 calls going over
// TLS to the Route 53 contract fake (tests/support/route53_api_fake.h:
// every request's SigV4 signature verified with the shared secret) behind
// HttpsFakeServer on loopback; each change the fake accepts is mirrored
// into Pebble's mock DNS (pebble-challtestsrv), which Pebble resolves with.
// Then: a wrong secret and a loose credentials file fail with exit 1 / 2
// and leave no record behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "integration/solvers_test_util.h"
#include "support/cli_harness.h"
#include "support/fake_dns_zones.h"
#include "support/https_fake_server.h"
#include "support/pebble_fixture.h"
#include "support/route53_api_fake.h"
#include "support/temp_dir.h"
#include "util/clock.h"

namespace certpilot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// Pebble, the fake behind HTTPS, and a CA bundle trusting both.
struct Route53World {
  Route53World()
      : api(clock, kKeyId, kSecret, "set below: the server's host:port"),
        server([this](const HttpsRequest& r) {
          http::Request request;
          request.method = r.method;
          request.url = server_base + r.target;
          request.headers = r.headers;
          request.body = r.body;
          return api.Do(request);
        }) {
    server_base = server.base();
    api.host = server_base.substr(std::string("https://").size());
    api.AddZone("Z1R53", "r53.example.com.");
    api.AddZone("Z2OTHER", "example.org.");
    api.pending_polls = 0;  // INSYNC at once: no 5 s pause in the binary
    api.on_change = [this](const std::string& name,
                           const std::vector<std::string>& values) {
      pebble.ClearTxt(name);
      for (const std::string& v : values) pebble.SetTxt(name, v);
    };
    bundle = JoinCaBundles(dir / "bundle.pem",
                           {pebble.ca_bundle_path(), server.ca_bundle()});
  }

  std::string Ini(const std::string& secret, mode_t mode) {
    const std::string path = dir / "route53.ini";
    std::ofstream(path) << "dns_route53_access_key_id = " << kKeyId
                        << "\ndns_route53_secret_access_key = " << secret
                        << "\ndns_route53_api_url = " << server_base << "\n";
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  SystemClock clock;
  TempDir dir;
  PebbleFixture pebble;
  std::string server_base;
  Route53ApiFake api;
  HttpsFakeServer server;
  std::string bundle;
};

TEST(DnsRoute53Test, IssuesAWildcardAndItsBaseThroughSignedCalls) {
  Route53World w;
  CliHarness cli(w.pebble.directory_url(), w.bundle, w.pebble.http_port());
  RunResult r = cli.Run(
      "certonly", With(kRegister, {"--dns-route53", "--dns-route53-credentials",
                                   w.Ini(kSecret, 0600), "-d",
                                   "r53.example.com,*.r53.example.com"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli.CheckLineage("r53.example.com"), "");
  {
    std::lock_guard<std::mutex> lock(w.api.mu);
    EXPECT_TRUE(w.api.records["Z1R53"].empty()) << "records left behind";
    // Both values were added (UPSERT twice) and removed (UPSERT, DELETE).
    EXPECT_EQ(std::count(w.api.actions.begin(), w.api.actions.end(),
                         "UPSERT _acme-challenge.r53.example.com."),
              3);
    EXPECT_EQ(w.api.actions.back(), "DELETE _acme-challenge.r53.example.com.");
  }
  const std::string conf =
      ReadFileOrEmpty(cli.config() + "/renewal/r53.example.com.conf");
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-route53"));
  EXPECT_THAT(conf, Not(HasSubstr(kSecret)));
}

TEST(DnsRoute53Test, AWrongSecretOrALooseFileFailsCleanly) {
  Route53World w;
  CliHarness cli(w.pebble.directory_url(), w.bundle, w.pebble.http_port());
  RunResult wrong = cli.Run(
      "certonly", With(kRegister, {"--dns-route53", "--dns-route53-credentials",
                                   w.Ini("not-the-secret-0123456789", 0600),
                                   "-d", "r53.example.com"}));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_THAT(wrong.err, HasSubstr("SignatureDoesNotMatch"));
  EXPECT_THAT(wrong.err, Not(HasSubstr("not-the-secret-0123456789")));
  RunResult loose =
      cli.Run("certonly",
              With(kRegister, {"--dns-route53", "--dns-route53-credentials",
                               w.Ini(kSecret, 0644), "-d", "r53.example.com"}));
  EXPECT_EQ(loose.exit_code, 2) << loose.Describe();
  EXPECT_THAT(loose.err, HasSubstr("chmod 600"));
  std::lock_guard<std::mutex> lock(w.api.mu);
  EXPECT_TRUE(w.api.records["Z1R53"].empty());
}

}  // namespace
}  // namespace certpilot::testing
