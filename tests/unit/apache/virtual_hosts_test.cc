// Virtual-host selection as httpd does it (vhost.c): address-specific
// before wildcard, exact port before '*', first name match, name-based
// default, main server. Checked against a running httpd in
// tests/integration/apache_vhosts_test.cc.
#include "apache/config/virtual_hosts.h"

#include <gtest/gtest.h>

#include <string>

#include "apache/config/parse_error.h"
#include "unit/nginx/nginx_test_util.h"

namespace certpilot::apache {
namespace {

using nginx::testing::MemFilesystem;

class ApacheVirtualHostsTest : public ::testing::Test {
 protected:
  VirtualHostTable Load(const std::string& text) {
    fs_.AddFile("/e/httpd.conf", text);
    LoadOptions o;
    o.server_root = "/e";
    o.config_file = "httpd.conf";
    graph_ = std::make_unique<ConfigGraph>(ConfigGraph::Load(fs_, o));
    return CollectVirtualHosts(*graph_);
  }
  // The ServerName of the chosen vhost, "main" for the main server.
  static std::string Pick(const VirtualHostTable& t, const char* ip, int port,
                          const char* host) {
    const VirtualHost* v = SelectVirtualHost(t, ip, port, host);
    return v == nullptr ? "main" : v->server_name;
  }

  MemFilesystem fs_;
  std::unique_ptr<ConfigGraph> graph_;
};

TEST_F(ApacheVirtualHostsTest, NameBasedWithDefault) {
  const VirtualHostTable t = Load(
      "ServerName Main.Example\n"
      "<VirtualHost *:80>\nServerName first.example\n</VirtualHost>\n"
      "<VirtualHost *:80>\nServerName https://second.example:443\n"
      "ServerAlias www.second.example *.wild.example ?.q.example\n"
      "</VirtualHost>\n"
      "<VirtualHost *:80>\n# no ServerName\n</VirtualHost>\n");
  EXPECT_EQ(t.main_server_name, "main.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "second.example"), "second.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "WWW.Second.Example:8080"),
            "second.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "a.b.wild.example"), "second.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "wild.example"), "first.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "x.q.example"), "second.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "xy.q.example"), "first.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "second.example."), "second.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, ""), "first.example");
  // The unnamed vhost took the main server's name (and is never reached by
  // it: first.example comes first only for unknown names).
  EXPECT_EQ(t.hosts[2].server_name, "main.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "main.example"), "main.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 81, "first.example"), "main");
}

TEST_F(ApacheVirtualHostsTest, AddressSpecificBeforeWildcard) {
  const VirtualHostTable t = Load(
      "<VirtualHost *:80>\nServerName star.example\n</VirtualHost>\n"
      "<VirtualHost 127.0.0.2:80>\nServerName ip.example\n</VirtualHost>\n"
      "<VirtualHost 127.0.0.2:*>\nServerName ip-any.example\n</VirtualHost>\n"
      "<VirtualHost _default_:*>\nServerName any.example\n</VirtualHost>\n"
      "<VirtualHost [::1]:443 127.0.0.3>\nServerName v6.example\n"
      "</VirtualHost>\n");
  // An address-specific vhost hides every wildcard one, even by name.
  EXPECT_EQ(Pick(t, "127.0.0.2", 80, "star.example"), "ip.example");
  EXPECT_EQ(Pick(t, "127.0.0.2", 8080, "star.example"), "ip-any.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 80, "ip.example"), "star.example");
  EXPECT_EQ(Pick(t, "127.0.0.1", 8080, ""), "any.example");
  EXPECT_EQ(Pick(t, "::1", 443, ""), "v6.example");
  EXPECT_EQ(Pick(t, "127.0.0.3", 1234, ""), "v6.example");
  EXPECT_EQ(FormatVirtualHosts(t, "/e"),
            "main server: (none)\n"
            "127.0.0.2:80\n  ip.example (httpd.conf:4)\n"
            "127.0.0.2:*\n  ip-any.example (httpd.conf:7)\n"
            "[::1]:443\n  v6.example (httpd.conf:13)\n"
            "127.0.0.3:*\n  v6.example (httpd.conf:13)\n"
            "*:80\n  star.example (httpd.conf:1)\n"
            "*:*\n  any.example (httpd.conf:10)\n");
}

TEST_F(ApacheVirtualHostsTest, BadAddressesAreParseErrors) {
  for (const char* text : {"<VirtualHost>\n</VirtualHost>\n",
                           "<VirtualHost *:http>\n</VirtualHost>\n",
                           "<VirtualHost [::1>\n</VirtualHost>\n",
                           "<VirtualHost *:99999>\n</VirtualHost>\n"}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(Load(text), ParseError);
  }
}

}  // namespace
}  // namespace certpilot::apache
