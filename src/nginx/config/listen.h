// The meaning of one nginx `listen` directive (ngx_http_core_listen), for
// choosing and editing server blocks.
//
// Address forms: "80" (port only: all IPv4 addresses), "127.0.0.1:8080",
// "127.0.0.1" (port 80), "*:80", "localhost:80", "[::]:443", "[::1]"
// (port 80); "unix:/path" sockets are not TCP and yield nullopt.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nginx/config/tree.h"

namespace certpilot::nginx {

struct ListenAddress {
  // "*" for any address (also written "" or "0.0.0.0"); an IPv6 address
  // without brackets; otherwise as written (lowercased).
  std::string address = "*";
  int port = 80;
  bool ipv6 = false;            // the address was in brackets
  bool ssl = false;             // the "ssl" parameter
  bool default_server = false;  // "default_server" (or the old "default")
  // Every parameter after the address, as written (values).
  std::vector<std::string> params;
  // The directive and its file; null for the implicit listen of a server
  // block without any (nginx then listens on *:80).
  Config* file = nullptr;
  Directive* directive = nullptr;

  // "*:80", "127.0.0.1:8080", "[::]:443": identifies nginx's listening
  // socket.
  std::string Socket() const;
};

// Parses a `listen` directive. nullopt for a unix: socket. Throws ParseError
// (at the directive, naming `file_path`) when it has no argument or the port
// is not a number in 1..65535.
std::optional<ListenAddress> ParseListen(const Directive& listen,
                                         const std::string& file_path);

}  // namespace certpilot::nginx
