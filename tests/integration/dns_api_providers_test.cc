// Every cloud DNS provider end to end through the real binary, each against
// its contract fake over TLS on loopback (the real APIs are unreachable
// from here; tests/support/*_fake.h), with the fake's zone state mirrored
// into Pebble's mock DNS: a wildcard and its base name issued and renewed
// from the renewal conf; a missing or loose credentials file (exit 2),
// refused credentials (redacted), an unknown zone, a rate limit and a
// server error (exit 1) fail cleanly with nothing left in the zone. Each
// fake records every request its documentation does not allow; each test
// asserts there was none. One parameter per provider.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <memory>

#include "integration/solvers_test_util.h"
#include "support/cli_harness.h"
#include "support/cloudflare_fake.h"
#include "support/digitalocean_fake.h"
#include "support/gandi_fake.h"
#include "support/google_dns_fake.h"
#include "support/hetzner_fake.h"
#include "support/linode_fake.h"
#include "support/ovh_fake.h"
#include "support/pebble_fixture.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Provider {
  std::string name;  // the test's suffix
  std::function<std::unique_ptr<DnsApiFake>(
      const std::vector<std::string>& zones)>
      make;
};

class DnsApiProviderTest : public ::testing::TestWithParam<Provider> {
 protected:
  DnsApiProviderTest()
      : fake_(GetParam().make({"api.example.com"})),
        flag_("--dns-" + fake_->provider()),
        cli_(pebble_.directory_url(),
             JoinCaBundles(dir_ / "bundle.pem",
                           {pebble_.ca_bundle_path(), fake_->ca_bundle()}),
             pebble_.http_port()) {
    fake_->zones().ServeTo(pebble_);
  }
  ~DnsApiProviderTest() override {
    EXPECT_THAT(fake_->zones().violations(), IsEmpty());
    EXPECT_THAT(fake_->zones().Records(), IsEmpty()) << "records left behind";
  }

  std::string WriteIni(const std::string& text, mode_t mode) {
    const std::string path =
        dir_ / ("creds" + std::to_string(++inis_) + ".ini");
    std::ofstream(path) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  RunResult Certonly(const std::string& ini, const std::string& names) {
    return cli_.Run("certonly", With(kRegister, {flag_, flag_ + "-credentials",
                                                 ini, "-d", names}));
  }

  TempDir dir_;
  int inis_ = 0;
  PebbleFixture pebble_;
  std::unique_ptr<DnsApiFake> fake_;
  std::string flag_;
  CliHarness cli_;
};

TEST_P(DnsApiProviderTest, IssuesAWildcardAndItsBaseAndRenewsFromTheConf) {
  const std::string ini = WriteIni(fake_->CredentialsIni(), 0600);
  RunResult r = Certonly(ini, "api.example.com,*.api.example.com");
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(cli_.CheckLineage("api.example.com"), "");
  const std::string conf =
      ReadFileOrEmpty(cli_.config() + "/renewal/api.example.com.conf");
  EXPECT_THAT(conf, HasSubstr("authenticator = dns-" + fake_->provider()));
  EXPECT_THAT(conf,
              HasSubstr("dns_" + fake_->provider() + "_credentials = " + ini));
  // Both values went in at one name (and came out again: the destructor).
  int posts = 0;
  for (const HttpsRequest& req : fake_->server().requests())
    if (req.method == "POST" || req.method == "PUT") ++posts;
  EXPECT_GE(posts, 2);

  RunResult renew =
      cli_.Run("renew", {"--force-renewal", "--no-random-sleep-on-renew"});
  ASSERT_EQ(renew.exit_code, 0) << renew.Describe();
  EXPECT_EQ(cli_.Version("api.example.com"), 2);
}

TEST_P(DnsApiProviderTest,
       BadCredentialsUnknownZonesAndApiFailuresFailCleanly) {
  RunResult missing =
      cli_.Run("certonly", With(kRegister, {flag_, "-d", "api.example.com"}));
  EXPECT_EQ(missing.exit_code, 2) << missing.Describe();
  EXPECT_THAT(missing.err, HasSubstr(flag_ + "-credentials"));

  RunResult loose =
      Certonly(WriteIni(fake_->CredentialsIni(), 0644), "api.example.com");
  EXPECT_EQ(loose.exit_code, 2) << loose.Describe();
  EXPECT_THAT(loose.err, HasSubstr("chmod 600"));

  const DnsApiFake::Refused refused = fake_->WrongCredentials();
  RunResult wrong = Certonly(WriteIni(refused.ini, 0600), "api.example.com");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_THAT(wrong.err,
              HasSubstr("answered " + std::to_string(refused.status)));
  EXPECT_THAT(wrong.err + wrong.out, Not(HasSubstr(refused.secret)));

  const std::string good = WriteIni(fake_->CredentialsIni(), 0600);
  RunResult unknown = Certonly(good, "www.nowhere.test");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.Describe();
  EXPECT_THAT(unknown.err,
              HasSubstr("no zone for _acme-challenge.www.nowhere.test."));

  fake_->zones().Fail(429, fake_->add_method(), "30");
  RunResult limited = Certonly(good, "api.example.com,*.api.example.com");
  EXPECT_EQ(limited.exit_code, 1) << limited.Describe();
  EXPECT_THAT(limited.err, HasSubstr("rate limited; retry after 30 s"));

  fake_->zones().Fail(502);
  RunResult down = Certonly(good, "api.example.com");
  EXPECT_EQ(down.exit_code, 1) << down.Describe();
  EXPECT_THAT(down.err, HasSubstr("answered 502"));
  EXPECT_EQ(cli_.Version("api.example.com"), 0) << "a lineage was made";
}

template <typename Fake, typename Options>
Provider Make(const std::string& name) {
  return {name, [](const std::vector<std::string>& zones) {
            Options o;
            o.zones = zones;
            return std::make_unique<Fake>(o);
          }};
}

INSTANTIATE_TEST_SUITE_P(
    Providers, DnsApiProviderTest,
    ::testing::Values(
        Make<CloudflareFake, CloudflareFakeOptions>("cloudflare"),
        Make<DigitalOceanFake, DigitalOceanFakeOptions>("digitalocean"),
        Make<LinodeFake, LinodeFakeOptions>("linode"),
        Make<HetznerFake, HetznerFakeOptions>("hetzner"),
        Make<GandiFake, GandiFakeOptions>("gandi"),
        Make<GoogleDnsFake, GoogleDnsFakeOptions>("google"),
        Make<OvhFake, OvhFakeOptions>("ovh")),
    [](const ::testing::TestParamInfo<Provider>& p) { return p.param.name; });

}  // namespace
}  // namespace certpilot::testing
