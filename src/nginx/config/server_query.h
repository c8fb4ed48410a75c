// Finds the `server` blocks of the http context of a loaded configuration
// (following includes) and picks the ones nginx would use for a host name
// on a port.
//
// nginx's precedence (ngx_http_find_virtual_server; see
// https://nginx.org/en/docs/http/server_names.html), applied separately for
// each listening socket (address:port) that has the port:
//   1. exact name;
//   2. longest leading wildcard: "*.example.com", or ".example.com" which
//      also matches "example.com";
//   3. longest trailing wildcard: "www.example.*";
//   4. first regex ("~^www\d+\.example\.net$") in configuration order;
//   5. the block whose listen for that socket has default_server;
//   6. the first block listening on that socket.
// Names compare case-insensitively and a trailing dot of the host is
// ignored, as in nginx. A name equal to a wildcard pattern (installing a
// wildcard certificate for "*.example.com") is an exact match.
//
// Regexes: nginx uses PCRE, we use std::regex (ECMAScript) with
// regex_search. Translated: a leading "(?i)" and named groups "(?<n>…)",
// "(?P<n>…)", "(?'n'…)"; a pattern containing an uppercase letter matches
// case-insensitively (nginx's own rule). Not supported by ECMAScript and
// then never matching: lookbehind, possessive quantifiers, atomic groups,
// \A \z \Z, other inline flags.
//
// Simplifications, documented for callers: an address-specific listen
// (127.0.0.1:80) and a wildcard one (*:80) count as different sockets,
// so a name may select one block per socket; hostnames in listen are not
// resolved; "$hostname" in server_name is taken literally.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nginx/config/include_loader.h"
#include "nginx/config/listen.h"
#include "nginx/config/tree.h"

namespace certpilot::nginx {

struct ServerBlock {
  Config* file = nullptr;          // the file holding the `server` block
  Directive* directive = nullptr;  // the `server` block itself
  // TCP listens; a block without any listen directive gets the implicit
  // *:80 (a block with only unix: listens has none).
  std::vector<ListenAddress> listens;
  bool implicit_listen = false;
  // server_name values in order, as written (nginx's default "" when none).
  std::vector<std::string> names;
  // The server_name directives (possibly in included files).
  std::vector<Located> server_name_directives;
  bool ssl_on = false;  // the deprecated "ssl on;"

  bool ListensOn(int port) const;
  // A listen on `port` has "ssl", or "ssl on;" is set.
  bool TlsOn(int port) const;
};

// Every `server` block inside `http` blocks of the main file (following
// includes), in the order nginx reads them. Throws ParseError for a listen
// nginx would reject.
std::vector<ServerBlock> FindAllServerBlocks(ConfigGraph& graph);

enum class MatchRule {
  kExactName,
  kLeadingWildcard,
  kTrailingWildcard,
  kRegex,
  kDefaultServer,
  kFirstOnPort,
};
const char* ToString(MatchRule rule);
// True for the rules that match the name itself (not a fallback).
inline bool MatchesName(MatchRule rule) {
  return rule != MatchRule::kDefaultServer && rule != MatchRule::kFirstOnPort;
}

struct ServerMatch {
  ServerBlock server;
  MatchRule rule = MatchRule::kFirstOnPort;
  // The server_name that matched ("" for kDefaultServer / kFirstOnPort).
  std::string server_name;
  // The sockets (ListenAddress::Socket()) for which nginx picks this block.
  std::vector<std::string> sockets;
};

// The blocks nginx would use for `name` on `port`, in configuration order,
// at most one per listening socket; empty when no block listens on `port`.
// A block picked for several sockets appears once, with its best rule.
std::vector<ServerMatch> FindServerBlocks(ConfigGraph& graph,
                                          std::string_view name, int port);
std::vector<ServerMatch> FindServerBlocks(
    const std::vector<ServerBlock>& servers, std::string_view name, int port);

// How one server_name pattern matches a host (already normalised: lower
// case, no trailing dot). `strength` ranks wildcards: the length of the
// fixed part.
struct NameMatch {
  bool matched = false;
  MatchRule rule = MatchRule::kExactName;
  size_t strength = 0;
};
NameMatch MatchServerName(std::string_view pattern, std::string_view host);

// The blocks of FindServerBlocks(servers, name, port) that match the name
// itself (MatchesName), as pointers into `servers`.
std::vector<const ServerBlock*> BlocksNamedOnPort(
    const std::vector<ServerBlock>& servers, std::string_view name, int port);

// The blocks whose server_name matches `name`, on any port, best first, as
// certbot-nginx ranks them for installing a certificate
// (_rank_matches_by_name_and_ssl): every block with TLS (a listen with
// "ssl", or "ssl on;") before every block without; within each, exact name,
// then leading wildcard (longest first), then trailing wildcard (longest
// first), then regex; ties in configuration order. default_server and
// first-on-port fallbacks are not name matches and never appear.
struct RankedBlock {
  const ServerBlock* server = nullptr;  // into the vector passed in
  MatchRule rule = MatchRule::kExactName;
  std::string server_name;  // the pattern that matched
  bool tls = false;
};
std::vector<RankedBlock> RankBlocksByName(
    const std::vector<ServerBlock>& servers, std::string_view name);

// "listen 127.0.0.1:8080; listen 8443 ssl" (nginx's implicit "listen 80"
// for a block without any), for messages.
std::string DescribeListens(const ServerBlock& server);

// "sites-enabled/app.conf:3" — where a server block starts, its file shown
// relative to the server root when inside it (for messages).
std::string DescribeBlock(const ConfigGraph& graph, const ServerBlock& server);

}  // namespace certpilot::nginx
