// Apache's virtual hosts and how httpd picks one for a request
// (server/vhost.c; https://httpd.apache.org/docs/2.4/vhosts/details.html):
//
//  1. By the connection's local address and port: the <VirtualHost>s
//     naming that IP with that port, else that IP with port '*' (or none).
//     Only when no address-specific vhost matches: those naming '*' or
//     _default_ with that port, else with port '*'.
//  2. Among the vhosts chosen by the address (in configuration order), the
//     first whose ServerName or a ServerAlias matches the Host header
//     (without its port; case-insensitively; ServerAlias may hold '*' and
//     '?' wildcards, ServerName may not). When none matches, or there is no
//     Host, the first of them: the name-based default.
//  3. No vhost for the address at all: the main server.
//
// A vhost without ServerName takes the main server's. Addresses are
// compared as written: a host name in <VirtualHost> (which httpd resolves
// through DNS) matches only a connection address spelled the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apache/config/loader.h"

namespace certpilot::apache {

struct VirtualHostAddress {
  std::string host;  // "*", "_default_", an IP (IPv6 without brackets)
  int port = 0;      // 0: any ('*' or none given)
  bool wildcard() const { return host == "*" || host == "_default_"; }
  // "*:80", "127.0.0.1:*", "[::1]:443" — as apache2ctl -S writes it.
  std::string ToString() const;
};

struct VirtualHost {
  std::vector<VirtualHostAddress> addresses;
  // Lower-cased, scheme and port removed; the main server's if unset.
  std::string server_name;
  std::vector<std::string> aliases;       // exact (lower-cased)
  std::vector<std::string> wild_aliases;  // with '*' or '?'
  Config* file = nullptr;
  const Node* node = nullptr;  // the <VirtualHost> section
  int line = 0;

  // Whether `host` (lower-cased, without port) names this vhost.
  bool Matches(std::string_view host) const;
};

struct VirtualHostTable {
  std::string main_server_name;    // "" when the main server has none
  std::vector<VirtualHost> hosts;  // in configuration order
};

// The vhosts of a loaded configuration; they point into `graph`, which must
// outlive the table. Throws ParseError for a
// <VirtualHost> without addresses or with a malformed one.
VirtualHostTable CollectVirtualHosts(const ConfigGraph& graph);

// The vhost serving a request that reached `local_ip`:`port` with Host
// `host` ("" when absent; a port after it is ignored), or nullptr for the
// main server.
const VirtualHost* SelectVirtualHost(const VirtualHostTable& table,
                                     std::string_view local_ip, int port,
                                     std::string_view host);

// The table grouped by address as httpd groups it (address-specific ones
// first, then wildcards; each in order of first appearance), one vhost a
// line, the default first:
//   *:80
//     example.com (sites-enabled/000-default.conf:1) alias www.example.com
// File names relative to `root` when below it. For golden files.
std::string FormatVirtualHosts(const VirtualHostTable& table,
                               const std::string& root);

}  // namespace certpilot::apache
