// --fleet-responder HOST:PORT (issue #17): where this node's `certpilot
// agent` answers HTTP-01 when nginx stands in front of it. The agent
// listens there; `install --nginx` in fleet mode points nginx's
// /.well-known/acme-challenge/ at it (nginx/patch/challenge_proxy.h). One
// setting for both, so that cli.ini need not set --http-01-port, which
// `install` reads as the server blocks' own port.
#pragma once

#include <string>

namespace certpilot::app {

struct ResponderAddress {
  std::string address;  // "" = every address; an IPv6 one without brackets
  int port = 0;
};

// "127.0.0.1:8402", "[::1]:8402", ":8402" (every address). HOST is an IP
// literal: nginx's proxy_pass must not depend on name resolution. Throws
// UsageError naming --fleet-responder otherwise, or for a port outside
// 1-65535.
ResponderAddress ParseFleetResponder(const std::string& value);

// What nginx proxies to: "127.0.0.1:8402", "[::1]:8402"; every address
// ("", "0.0.0.0", "::") becomes the loopback one.
std::string ResponderUpstream(const ResponderAddress& r);

}  // namespace certpilot::app
