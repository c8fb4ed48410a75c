// Which server block serves a name on a port: nginx's precedence.
#include "nginx/config/server_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/nginx/nginx_test_util.h"

namespace certpilot::nginx {
namespace {

using testing::CorpusDir;
using testing::MemFilesystem;

ConfigGraph Load(const std::string& http_body, MemFilesystem* fs) {
  fs->AddFile("/etc/nginx/nginx.conf",
              "events {}\nhttp {\n" + http_body + "}\n");
  return ConfigGraph::Load(*fs, "/etc/nginx");
}

// The id (the value of "set $id") of each block picked, with its rule.
std::vector<std::string> Picked(ConfigGraph& graph, const std::string& name,
                                int port) {
  std::vector<std::string> out;
  for (const ServerMatch& m : FindServerBlocks(graph, name, port)) {
    const Directive* id = m.server.directive->block().Find("set");
    out.push_back((id ? id->arg(1) : "?") + "/" + ToString(m.rule));
  }
  return out;
}

// One socket, every kind of name, in an order that puts the weaker rules
// first so precedence — not order — decides.
const char* const kPrecedenceConfig = R"(
  server { listen 80; set $id first;    server_name first.example; }
  server { listen 80; set $id regex;    server_name ~^(?<sub>\w+)\.example\.com$; }
  server { listen 80; set $id regex2;   server_name "~^www\.example\.com$"; }
  server { listen 80; set $id tail;     server_name www.example.*; }
  server { listen 80; set $id lead;     server_name *.example.com; }
  server { listen 80; set $id lead_long; server_name *.b.example.com; }
  server { listen 80; set $id dot;      server_name .dot.org; }
  server { listen 80; set $id exact;    server_name www.example.com exact.dot.org; }
  server { listen 80 default_server; set $id default; server_name _; }
  server { listen 80; set $id upper;    server_name ~^Re\.x$; }
  server { listen 80; set $id lower;    server_name ~^lo\.x$; }
  server { listen 80; set $id exact2;   server_name www.example.com; }
)";

// The ids of RankBlocksByName's result, best first.
std::vector<std::string> Ranked(ConfigGraph& graph, const std::string& name) {
  const std::vector<ServerBlock> servers = FindAllServerBlocks(graph);
  std::vector<std::string> out;
  for (const RankedBlock& r : RankBlocksByName(servers, name)) {
    const Directive* id = r.server->directive->block().Find("set");
    out.push_back((id ? id->arg(1) : "?") + "/" + ToString(r.rule) +
                  (r.tls ? "/tls" : ""));
  }
  return out;
}

TEST(NginxServerQueryTest, RankingByNameOnAnyPortFollowsCertbot) {
  // Without TLS anywhere: exact > leading wildcard (longest first) >
  // trailing wildcard > regex (first in order), whatever the ports.
  MemFilesystem fs;
  ConfigGraph graph = Load(R"(
  server { listen 81;   set $id regex1; server_name ~^www\.; }
  server { listen 82;   set $id regex2; server_name ~example; }
  server { listen 83;   set $id tail;   server_name www.example.*; }
  server { listen 84;   set $id short;  server_name *.com; }
  server { listen 85;   set $id long;   server_name *.example.com; }
  server { listen 86;   set $id exact;  server_name www.example.com; }
  server { listen 87 default_server; set $id default; server_name _; }
  server { listen 8080; set $id other;  server_name other.example.com; }
)",
                           &fs);
  EXPECT_EQ(Ranked(graph, "WWW.example.com."),
            (std::vector<std::string>{
                "exact/exact name", "long/leading wildcard",
                "short/leading wildcard", "tail/trailing wildcard",
                "regex1/regular expression", "regex2/regular expression"}));
  EXPECT_TRUE(Ranked(graph, "nowhere.test").empty());  // no fallback
}

TEST(NginxServerQueryTest, RankingPutsEveryTlsBlockFirst) {
  // certbot ranks TLS before the kind of match: a TLS regex beats a plain
  // exact name; among TLS blocks the name decides again.
  MemFilesystem fs;
  ConfigGraph graph = Load(R"(
  server { listen 8080;     set $id plain; server_name app.example.com; }
  server { listen 8443 ssl; set $id regex; server_name ~^app\.; }
  server { listen 9443; ssl on; set $id wild; server_name *.example.com; }
)",
                           &fs);
  EXPECT_EQ(Ranked(graph, "app.example.com"),
            (std::vector<std::string>{"wild/leading wildcard/tls",
                                      "regex/regular expression/tls",
                                      "plain/exact name"}));
  const std::vector<ServerBlock> servers = FindAllServerBlocks(graph);
  EXPECT_EQ(DescribeListens(servers[1]), "listen 8443 ssl");
}

TEST(NginxServerQueryTest, PrecedenceTable) {
  MemFilesystem fs;
  ConfigGraph graph = Load(kPrecedenceConfig, &fs);
  struct Row {
    std::string host;
    std::string want;
  };
  // Checked against nginx 1.22 serving the same server names.
  const std::vector<Row> table = {
      {"www.example.com", "exact/exact name"},   // beats everything; first wins
      {"WWW.Example.COM.", "exact/exact name"},  // case, trailing dot
      {"a.example.com", "lead/leading wildcard"},         // beats regex
      {"a.b.example.com", "lead_long/leading wildcard"},  // longest
      {"x.a.b.example.com", "lead_long/leading wildcard"},
      {"dot.org", "dot/leading wildcard"},  // ".x" matches x itself
      {"x.dot.org", "dot/leading wildcard"},
      {"exact.dot.org", "exact/exact name"},
      {"www.example.org", "tail/trailing wildcard"},
      {"www.example.co.uk", "tail/trailing wildcard"},  // several labels
      {"example.com", "default/default server"},        // *.x does not match x
      {"re.x", "upper/regular expression"},             // uppercase: caseless
      {"RE.X", "upper/regular expression"},
      {"LO.X", "lower/regular expression"},  // host is lowercased
      {"nothing.example", "default/default server"},
      {"first.example", "first/exact name"},
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.host);
    EXPECT_EQ(Picked(graph, row.host, 80),
              (std::vector<std::string>{row.want}));
  }
}

TEST(NginxServerQueryTest, RegexFirstMatchInOrder) {
  MemFilesystem fs;
  ConfigGraph graph = Load(R"(
    server { listen 80; set $id r1; server_name ~^api\d+\.example\.net$; }
    server { listen 80; set $id r2; server_name ~(?i)^API1\.; }
    server { listen 80; set $id r3; server_name "~^(?P<n>[a-z]+)1\.example\.net$"; }
  )",
                           &fs);
  EXPECT_EQ(Picked(graph, "api1.example.net", 80),
            (std::vector<std::string>{"r1/regular expression"}));
  EXPECT_EQ(Picked(graph, "API1.other", 80),
            (std::vector<std::string>{"r2/regular expression"}));
  EXPECT_EQ(Picked(graph, "x1.example.net", 80),
            (std::vector<std::string>{"r3/regular expression"}));
}

TEST(NginxServerQueryTest, DefaultThenFirstOnPort) {
  MemFilesystem fs;
  ConfigGraph graph = Load(R"(
    server { listen 8080; set $id a; server_name a.example; }
    server { listen 8080; set $id b; server_name b.example; }
    server { listen 8081; set $id c; }
    server { listen 8081 default_server; set $id d; }
  )",
                           &fs);
  EXPECT_EQ(Picked(graph, "zzz", 8080),
            (std::vector<std::string>{"a/first server on the port"}));
  EXPECT_EQ(Picked(graph, "zzz", 8081),
            (std::vector<std::string>{"d/default server"}));
  EXPECT_TRUE(Picked(graph, "a.example", 9999).empty());
  // A block without server_name has the name "".
  EXPECT_EQ(Picked(graph, "", 8081),
            (std::vector<std::string>{"c/exact name"}));
}

TEST(NginxServerQueryTest, ImplicitListenIsPort80) {
  MemFilesystem fs;
  ConfigGraph graph = Load(
      "  server { set $id implicit; server_name x.example; }\n"
      "  server { listen unix:/run/a.sock; set $id unix; server_name y; }\n",
      &fs);
  EXPECT_EQ(Picked(graph, "x.example", 80),
            (std::vector<std::string>{"implicit/exact name"}));
  const std::vector<ServerBlock> all = FindAllServerBlocks(graph);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].implicit_listen);
  EXPECT_EQ(all[0].listens.size(), 1u);
  EXPECT_EQ(all[0].listens[0].Socket(), "*:80");
  // nginx adds the implicit *:80 only when no listen at all is written.
  EXPECT_FALSE(all[1].implicit_listen);
  EXPECT_TRUE(all[1].listens.empty());
  EXPECT_TRUE(Picked(graph, "y", 80).size() == 1);  // x.example's block
}

TEST(NginxServerQueryTest, EachSocketPicksItsOwnBlock) {
  MemFilesystem fs;
  ConfigGraph graph = Load(R"(
    server { listen 80 default_server; listen [::]:80 default_server;
             set $id catchall; server_name _; }
    server { listen 80; set $id v4only; server_name example.com; }
  )",
                           &fs);
  const std::vector<ServerMatch> matches =
      FindServerBlocks(graph, "example.com", 80);
  ASSERT_EQ(matches.size(), 2u);
  // IPv6 clients reach the catch-all: callers must see it.
  EXPECT_EQ(matches[0].rule, MatchRule::kDefaultServer);
  EXPECT_EQ(matches[0].sockets, (std::vector<std::string>{"[::]:80"}));
  EXPECT_EQ(matches[1].rule, MatchRule::kExactName);
  EXPECT_EQ(matches[1].server_name, "example.com");
  EXPECT_EQ(matches[1].sockets, (std::vector<std::string>{"*:80"}));
  EXPECT_TRUE(MatchesName(matches[1].rule));
  EXPECT_FALSE(MatchesName(matches[0].rule));
}

TEST(NginxServerQueryTest, OnlyHttpServersCount) {
  MemFilesystem fs;
  fs.AddFile("/etc/nginx/nginx.conf", R"(
    events {}
    stream { server { listen 80; } }
    http {
      upstream app { server 127.0.0.1:8080; }
      server { listen 80; server_name web.example; }
    }
    mail { server { listen 80; } }
  )");
  ConfigGraph graph = ConfigGraph::Load(fs, "/etc/nginx");
  const std::vector<ServerBlock> all = FindAllServerBlocks(graph);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].names, (std::vector<std::string>{"web.example"}));
}

TEST(NginxServerQueryTest, FollowsIncludesInTheCorpusTree) {
  sys::PosixFilesystem fs;
  const std::string root = CorpusDir() + "/tree";
  ConfigGraph graph = ConfigGraph::Load(fs, root);
  const std::vector<ServerBlock> all = FindAllServerBlocks(graph);
  ASSERT_EQ(all.size(), 4u);

  // example.com: its listen directives come from snippets/listen-80.conf.
  std::vector<ServerMatch> m = FindServerBlocks(graph, "www.example.com", 80);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].rule, MatchRule::kExactName);
  EXPECT_EQ(m[0].server.file->path(), root + "/sites-enabled/example.com.conf");
  EXPECT_EQ(m[0].server.listens[0].file->path(),
            root + "/snippets/listen-80.conf");
  EXPECT_EQ(m[0].sockets, (std::vector<std::string>{"*:80", "[::]:80"}));

  m = FindServerBlocks(graph, "shop.example.com", 80);
  ASSERT_EQ(m.size(), 2u);  // exact on *:80, the catch-all on [::]:80
  EXPECT_EQ(m[0].rule, MatchRule::kDefaultServer);
  EXPECT_EQ(m[1].rule, MatchRule::kExactName);
  EXPECT_EQ(m[1].server.file->path(),
            root + "/sites-enabled/apps/shop/shop.conf");

  m = FindServerBlocks(graph, "blog.example.com", 443);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].server.TlsOn(443));
  EXPECT_FALSE(m[0].server.TlsOn(80));

  m = FindServerBlocks(graph, "unknown.example.com", 80);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].rule, MatchRule::kDefaultServer);
  EXPECT_EQ(m[0].server.names, (std::vector<std::string>{"_"}));
}

TEST(NginxServerQueryTest, MatchServerNameDirectly) {
  EXPECT_EQ(MatchServerName("*.example.com", "*.example.com").rule,
            MatchRule::kExactName);  // installing a wildcard certificate
  EXPECT_FALSE(MatchServerName("*.example.com", "example.com").matched);
  EXPECT_FALSE(MatchServerName("www.example.*", "www.example").matched);
  EXPECT_FALSE(MatchServerName("~(?<=a)b", "ab").matched);  // unsupported
  EXPECT_EQ(MatchServerName(".example.com", "a.example.com").strength,
            MatchServerName("*.example.com", "a.example.com").strength);
}

}  // namespace
}  // namespace certpilot::nginx
