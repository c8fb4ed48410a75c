// The Apache authenticator's edits (apache/patch/challenge_patch.h): the
// Include goes into every vhost that names the host on the HTTP port; a
// temporary vhost joins the port's groups when none does; the main server
// when no vhost uses the port; certpilot's own files; what an unsafe name
// does; and StripChallengeLines finding the Includes again.
#include "apache/patch/challenge_patch.h"

#include <gtest/gtest.h>

#include <map>

#include "apache/config/parser.h"
#include "support/test_data.h"
#include "sys/filesystem.h"
#include "unit/nginx/nginx_test_util.h"
#include "util/error.h"

namespace certpilot::apache {
namespace {

using nginx::testing::MemFilesystem;

constexpr char kMain[] =
    "ServerRoot /etc/apache2\nListen 80\nIncludeOptional "
    "sites-enabled/*.conf\n";
constexpr char kA[] =
    "<VirtualHost *:80>\n    ServerName a.test\n    ServerAlias www.a.test\n"
    "</VirtualHost>\n<VirtualHost *:443>\n    ServerName a.test\n"
    "</VirtualHost>\n";
constexpr char kB[] =
    "<VirtualHost 127.0.0.2:80>\n\tServerName b.test\n</VirtualHost>\n";

std::map<std::string, std::optional<std::string>> Files(
    const ChallengePatch& patch) {
  std::map<std::string, std::optional<std::string>> out;
  for (const sys::FileState& f : patch.Files()) out[f.path] = f.text;
  return out;
}

ConfigGraph Load(MemFilesystem& fs) {
  LoadOptions o;
  o.server_root = "/etc/apache2";
  return ConfigGraph::Load(fs, o);
}

class ApacheChallengePatchTest : public ::testing::Test {
 protected:
  ApacheChallengePatchTest() {
    fs_.AddFile("/etc/apache2/apache2.conf", kMain);
    fs_.AddFile("/etc/apache2/sites-enabled/a.conf", kA);
    fs_.AddFile("/etc/apache2/sites-enabled/b.conf", kB);
  }
  MemFilesystem fs_;
  const ChallengeLocation loc_{"/var/lib/certpilot/apache/challenge"};
};

TEST_F(ApacheChallengePatchTest, IncludesTheSetInTheVhostThatNamesTheHost) {
  ConfigGraph graph = Load(fs_);
  ChallengePatch patch(graph, 80, loc_);
  const ChallengeSite site = patch.Serve("WWW.a.test");
  EXPECT_EQ(site.address, "127.0.0.1");
  EXPECT_EQ(site.port, 80);
  EXPECT_EQ(site.vhosts,
            (std::vector<std::string>{"/etc/apache2/sites-enabled/a.conf:1"}));
  const ChallengeSite b = patch.Serve("b.test");
  EXPECT_EQ(b.address, "127.0.0.2");  // address-specific: checked there
  auto files = Files(patch);
  EXPECT_EQ(*files["/etc/apache2/sites-enabled/a.conf"],
            "<VirtualHost *:80>\n    Include " + loc_.conf +
                "\n    ServerName a.test\n    ServerAlias "
                "www.a.test\n</VirtualHost>\n<VirtualHost *:443>\n    "
                "ServerName a.test\n</VirtualHost>\n");
  EXPECT_EQ(*files["/etc/apache2/sites-enabled/b.conf"],
            "<VirtualHost 127.0.0.2:80>\n\tInclude " + loc_.conf +
                "\n\tServerName b.test\n</VirtualHost>\n");
  EXPECT_EQ(files[loc_.conf], ChallengeConfText(loc_));
  EXPECT_FALSE(files[loc_.vhosts].has_value());
  EXPECT_EQ(files.count("/etc/apache2/apache2.conf"), 0u);  // untouched
  // Serving the same name again changes nothing.
  patch.Serve("a.test");
  EXPECT_EQ(Files(patch), files);
}

TEST_F(ApacheChallengePatchTest, ATemporaryVhostJoinsEveryGroupOfThePort) {
  ConfigGraph graph = Load(fs_);
  ChallengePatch patch(graph, 80, loc_);
  const ChallengeSite site = patch.Serve("new.test");
  EXPECT_EQ(site.vhosts, (std::vector<std::string>{loc_.vhosts}));
  EXPECT_EQ(site.address, "127.0.0.1");
  auto files = Files(patch);
  EXPECT_EQ(*files["/etc/apache2/apache2.conf"],
            std::string(kMain) + "Include " + loc_.vhosts + "\n");
  const std::string vhosts = *files[loc_.vhosts];
  EXPECT_NE(vhosts.find("<VirtualHost *:80 127.0.0.2:80>\n    ServerName "
                        "new.test\n    Include " +
                        loc_.conf + "\n</VirtualHost>\n"),
            std::string::npos)
      << vhosts;
  // The temporary vhost is valid Apache syntax, and httpd would pick it.
  ParseConfig(vhosts, loc_.vhosts);
}

TEST_F(ApacheChallengePatchTest, TheMainServerWhenNoVhostUsesThePort) {
  ConfigGraph graph = Load(fs_);
  ChallengePatch patch(graph, 8080, loc_);
  const ChallengeSite site = patch.Serve("a.test");
  EXPECT_EQ(site.vhosts, (std::vector<std::string>{
                             "the main server (/etc/apache2/apache2.conf)"}));
  auto files = Files(patch);
  EXPECT_EQ(*files["/etc/apache2/apache2.conf"],
            std::string(kMain) + "Include " + loc_.conf + "\n");
}

TEST_F(ApacheChallengePatchTest, UnsafeNamesAreRefused) {
  ConfigGraph graph = Load(fs_);
  ChallengePatch patch(graph, 80, loc_);
  for (const std::string bad : {"a.test\nInclude /etc/shadow", "${X}", ""}) {
    EXPECT_THROW(patch.Serve(bad), UsageError) << bad;
  }
}

TEST_F(ApacheChallengePatchTest, StripFindsOurIncludesAnywhere) {
  Config c = ParseConfig(
      "<VirtualHost *:80>\n    ServerName a.test\n    Include "
      "/x/certpilot-challenge.conf\n</VirtualHost>\nInclude "
      "/y/certpilot-challenge-vhosts.conf\nInclude other.conf\n",
      "/t.conf");
  EXPECT_EQ(StripChallengeLines(c), 2);
  EXPECT_EQ(c.Dump(),
            "<VirtualHost *:80>\n    ServerName a.test\n</VirtualHost>\n"
            "Include other.conf\n");
}

// The corpus case certbot_redirect: a vhost whose own RewriteRule [END]
// (certbot's redirect) answers every request. Our Include must come first
// in it, or that rule would redirect the CA's request too.
TEST(ApacheChallengePatchCorpusTest, OurIncludeComesBeforeTheVhostsRewrite) {
  const std::string root =
      certpilot::testing::TestDataDir() + "/apache/certbot_redirect/tree";
  sys::PosixFilesystem disk;
  LoadOptions o;
  o.server_root = root;
  o.config_file = "apache2.conf";
  ConfigGraph graph = ConfigGraph::Load(disk, o);
  const ChallengeLocation loc("/var/lib/certpilot/apache/challenge");
  ChallengePatch patch(graph, 80, loc);
  const std::string site = root + "/sites-enabled/example.com.conf";
  EXPECT_EQ(patch.Serve("www.example.com").vhosts,
            (std::vector<std::string>{site + ":1"}));
  const std::string original = disk.ReadFile(site);
  const std::string first_line = "<VirtualHost *:80>\n";
  ASSERT_EQ(original.rfind(first_line, 0), 0u);
  EXPECT_EQ(*Files(patch)[site], first_line + "\tInclude " + loc.conf + "\n" +
                                     original.substr(first_line.size()));
}

TEST(ApacheChallengeConfTest, QuotesALocationWithBlanks) {
  const ChallengeLocation loc("/srv/my dir");
  const std::string text = ChallengeConfText(loc);
  EXPECT_NE(text.find("<Directory \"/srv/my dir/tokens\">"), std::string::npos)
      << text;
  ParseConfig(text, "x.conf");
  EXPECT_THROW(ChallengeConfText(ChallengeLocation("/srv/${X}")), UsageError);
}

}  // namespace
}  // namespace certpilot::apache
