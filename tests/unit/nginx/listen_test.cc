#include "nginx/config/listen.h"

#include <gtest/gtest.h>

#include "nginx/config/parse_error.h"
#include "nginx/config/parser.h"

namespace certpilot::nginx {
namespace {

std::optional<ListenAddress> Listen(const std::string& args) {
  const Config c = ParseConfig("listen " + args + ";", "t.conf");
  return ParseListen(c.root().children().front(), "t.conf");
}

TEST(NginxListenTest, AddressForms) {
  struct Case {
    std::string args;
    std::string address;
    int port;
    bool ipv6;
    std::string socket;
  };
  const std::vector<Case> cases = {
      {"80", "*", 80, false, "*:80"},
      {"8080", "*", 8080, false, "*:8080"},
      {"127.0.0.1:8080", "127.0.0.1", 8080, false, "127.0.0.1:8080"},
      {"127.0.0.1", "127.0.0.1", 80, false, "127.0.0.1:80"},
      {"*:80", "*", 80, false, "*:80"},
      {"0.0.0.0:443", "*", 443, false, "*:443"},
      {"localhost:80", "localhost", 80, false, "localhost:80"},
      {"LocalHost", "localhost", 80, false, "localhost:80"},
      {"[::]:443 ssl", "::", 443, true, "[::]:443"},
      {"[::]", "::", 80, true, "[::]:80"},
      {"[2001:db8::1]:8443", "2001:db8::1", 8443, true, "[2001:db8::1]:8443"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    const std::optional<ListenAddress> l = Listen(c.args);
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->address, c.address);
    EXPECT_EQ(l->port, c.port);
    EXPECT_EQ(l->ipv6, c.ipv6);
    EXPECT_EQ(l->Socket(), c.socket);
  }
}

TEST(NginxListenTest, Parameters) {
  const auto l = Listen("[::]:443 ssl http2 default_server ipv6only=on");
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->ssl);
  EXPECT_TRUE(l->default_server);
  EXPECT_EQ(l->params, (std::vector<std::string>{
                           "ssl", "http2", "default_server", "ipv6only=on"}));
  EXPECT_TRUE(Listen("80 default")->default_server);
  EXPECT_FALSE(Listen("80")->ssl);
  EXPECT_FALSE(Listen("80 proxy_protocol")->default_server);
}

TEST(NginxListenTest, UnixSocketsAreIgnored) {
  EXPECT_FALSE(Listen("unix:/run/nginx.sock").has_value());
  EXPECT_FALSE(Listen("unix:/run/nginx.sock ssl").has_value());
}

TEST(NginxListenTest, BadPortsAreParseErrors) {
  for (const char* bad : {"0", "65536", "127.0.0.1:", "127.0.0.1:http", "[::]x",
                          "[::1", "host:99999"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(Listen(bad), ParseError);
  }
  const Config none = ParseConfig("\n  listen;", "t.conf");
  try {
    ParseListen(none.root().children().front(), "t.conf");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 3);
  }
}

}  // namespace
}  // namespace certpilot::nginx
