// `certonly --apache` end to end: Pebble validates HTTP-01 (RFC 8555 §8.3)
// through a real Apache (support/apache_fixture.h, Debian's layout in a temp
// dir) on Pebble's HTTP port, its mock DNS pointing every name at
// 127.0.0.1. Cases: the Debian default site, a site in an included file, no
// vhost naming the name (a temporary vhost), a vhost that redirects
// everything with its own RewriteRule [END] (certbot's redirect), a failing
// configtest, and a run killed during Apache's reload. After every run the
// configuration is byte for byte what it was: none of our directives stay.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/apache_fixture.h"
#include "support/cli_harness.h"
#include "support/nginx_fixture.h"
#include "support/shared_pebble.h"
#include "support/temp_dir.h"

namespace certpilot::testing {
namespace {

namespace fs = std::filesystem;

class ApacheCertonlyTest : public SharedPebbleTest<> {
 protected:
  explicit ApacheCertonlyTest(std::vector<std::string> modules = {})
      : apache_(pebble_->http_port(), 0, modules) {}

  std::string Port() const { return std::to_string(apache_.http_port()); }
  std::string ChallengeDir() const { return apache_.challenge_dir(); }

  std::vector<std::string> Args(const std::vector<std::string>& names,
                                const std::string& ctl) const {
    std::vector<std::string> args{"--agree-tos", "-m", "admin@example.com",
                                  "--apache"};
    for (const std::string& a : apache_.CliArgs(ctl)) args.push_back(a);
    for (const std::string& n : names) {
      args.push_back("-d");
      args.push_back(n);
    }
    return args;
  }
  RunResult Certonly(const std::vector<std::string>& names,
                     const std::string& ctl = ApacheFixture::kCtl) const {
    return cli_.Run("certonly", Args(names, ctl));
  }
  // Nothing of ours is left: the configuration as it was, certpilot's
  // challenge files gone, the default site still served.
  void ExpectNoTrace(const std::map<std::string, std::string>& before) const {
    EXPECT_EQ(apache_.Snapshot(), before);
    EXPECT_FALSE(fs::exists(ChallengeDir() + "/certpilot-challenge.conf"));
    EXPECT_FALSE(
        fs::exists(ChallengeDir() + "/certpilot-challenge-vhosts.conf"));
    EXPECT_FALSE(fs::exists(cli_.dir() / "work/apache/challenge.journal"));
    EXPECT_NE(apache_.RunningPid(), -1) << apache_.ErrorLogTail();
  }

  CliHarness cli_{*pebble_};
  ApacheFixture apache_;
};

TEST_F(ApacheCertonlyTest, IssuesThroughTheDebianDefaultSite) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  const auto before = apache_.Snapshot();
  const RunResult r = Certonly({"shop.example.com", "www.shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_EQ(cli_.CheckLineage("shop.example.com"), "");
  ExpectNoTrace(before);
  // One reload to serve the responses, one to take them out again.
  EXPECT_EQ(apache_.GracefulRestarts(), 2) << apache_.ErrorLogTail();
  EXPECT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").body,
            "default site\n");
}

TEST_F(ApacheCertonlyTest, IssuesThroughASiteInAnIncludedFile) {
  // sites-enabled/shop.conf → apps/shop/vhost.conf (relative to the root).
  apache_.AddSite("shop", "Include apps/shop/vhost.conf\n");
  apache_.WriteFile("apps/shop/vhost.conf",
                    "<VirtualHost *:" + Port() +
                        ">\n"
                        "    ServerName shop.example.com\n"
                        "    DocumentRoot " +
                        apache_.www() +
                        "/html\n"
                        "</VirtualHost>\n");
  apache_.Start();
  const auto before = apache_.Snapshot();
  const RunResult r = Certonly({"shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_EQ(cli_.CheckLineage("shop.example.com"), "");
  ExpectNoTrace(before);
}

TEST_F(ApacheCertonlyTest, ANameNoVhostServesGetsATemporaryVhost) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  const auto before = apache_.Snapshot();
  const RunResult r = Certonly({"blog.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_EQ(cli_.CheckLineage("blog.example.com"), "");
  ExpectNoTrace(before);
}

class ApacheCertonlyRewriteTest : public ApacheCertonlyTest {
 protected:
  ApacheCertonlyRewriteTest() : ApacheCertonlyTest({"rewrite"}) {}
};

TEST_F(ApacheCertonlyRewriteTest, AVhostThatRedirectsEverythingStillServes) {
  // certbot's redirect: every request answered by the vhost's own rule
  // with [END] — unless our rule comes first.
  apache_.AddSite("shop", "<VirtualHost *:" + Port() +
                              ">\n"
                              "    ServerName shop.example.com\n"
                              "    DocumentRoot " +
                              apache_.www() +
                              "/html\n"
                              "    RewriteEngine on\n"
                              "    RewriteRule ^ https://%{SERVER_NAME}"
                              "%{REQUEST_URI} [END,NE,R=permanent]\n"
                              "</VirtualHost>\n");
  apache_.Start();
  ASSERT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").status, 301);
  const auto before = apache_.Snapshot();
  const RunResult r = Certonly({"shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_EQ(cli_.CheckLineage("shop.example.com"), "");
  ExpectNoTrace(before);
  EXPECT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").status, 301);
}

TEST_F(ApacheCertonlyTest, AFailingConfigtestChangesNoFile) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  const auto before = apache_.Snapshot();
  const std::string ctl = apache_.FailingConfigtestCtl();
  const RunResult r = Certonly({"shop.example.com"}, ctl);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("failing on purpose"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(cli_.config() + "/live/shop.example.com"));
  ExpectNoTrace(before);
  EXPECT_EQ(PlainGet(apache_.http_port(), "shop.example.com", "/").body,
            "default site\n");
}

TEST_F(ApacheCertonlyTest, ARunKilledDuringTheReloadIsRecoveredByTheNext) {
  apache_.NameTheDefaultSite("shop.example.com");
  apache_.Start();
  const auto before = apache_.Snapshot();
  // Apache reloads with the responses in, then certpilot is killed:
  // nothing has cleaned up.
  const std::string mark = cli_.dir() / "killed";
  const std::string ctl = apache_.KillingCtl(mark);
  RunResult r = Certonly({"shop.example.com"}, ctl);
  EXPECT_EQ(r.exit_code, 128 + 9) << r.Describe();
  ASSERT_TRUE(fs::exists(mark));
  ASSERT_NE(apache_.Snapshot(), before);  // the crash left our Include in
  ASSERT_TRUE(fs::exists(cli_.dir() / "work/apache/challenge.journal"));

  r = Certonly({"shop.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe() << apache_.ErrorLogTail();
  EXPECT_NE(r.err.find("An earlier certpilot run was interrupted"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(cli_.CheckLineage("shop.example.com"), "");
  ExpectNoTrace(before);
}

}  // namespace
}  // namespace certpilot::testing
