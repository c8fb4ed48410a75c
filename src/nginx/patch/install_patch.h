// The installer's edits: serve a lineage's certificate from the server
// blocks that serve its names, as changes to a loaded ConfigGraph. Writing,
// `nginx -t`, reload and rollback are runtime/safe_update.h's.
//
// For each name (blocks chosen by name only — exact, wildcard or regex
// server_name, config/server_query.h — never a default_server fallback;
// nginx's own choice on the HTTP and HTTPS ports first, and when no block
// serves the name on either, the one best block on any port as certbot
// ranks them, RankBlocksByName, reported in InstallResult::choices):
//  - A block serving it over TLS on the HTTPS port: only its
//    `ssl_certificate` and `ssl_certificate_key` change to the lineage's
//    fullchain.pem and privkey.pem (added when the block inherits them).
//    A port-80 block for the name is left alone.
//  - Otherwise every block serving it on the HTTP port (or the block chosen
//    on another port: then its first plain port stands for the HTTP port
//    below, and no redirect is set up) gets, at its end,
//        listen 443 ssl;                 (one per address it listens on for
//        listen [::]:443 ssl;             the HTTP port, IPv6 ones as twins)
//        ssl_certificate …/fullchain.pem;
//        ssl_certificate_key …/privkey.pem;
//        include …/options-ssl-nginx.conf;   (unless the block sets one of
//                                              its directives itself)
//    (a block without any listen, nginx's implicit *:80, also gets
//    `listen 80;` so it keeps serving HTTP).
//  - With `redirect`, plain HTTP for the name answers
//        if ($host = NAME) { return 301 https://$host[:PORT]$request_uri; }
//    (PORT when the HTTPS port is not 443; `~* ^[^.]+\.rest$` for a
//    wildcard name). A block that now listens on both ports is split as
//    certbot splits it: a new block right after it takes its HTTP-port
//    listens and copies of its server_name, holds the `if`s and
//    `return 404;`; the original keeps everything else and serves only TLS.
//    A block that serves only HTTP gets the `if`s at its top. A block that
//    already redirects (a server-level `return 30x`, `rewrite … permanent`,
//    or such an `if` for the name) is left alone.
// Every added line carries "# managed by certpilot". Running the same
// install again changes nothing.
//
// Throws (the graph may be half-edited then; discard it): UsageError for an
// unsafe value (config/value_validation.h); NoServerBlockError when a name has
// no block; Error for what certpilot refuses to guess: several certificates in
// one block, a certificate directive shared with other blocks through an
// include, a block listening on the HTTPS port without `ssl`, splitting a
// block whose HTTP-port listen comes from an included file.
#pragma once

#include <string>
#include <vector>

#include "nginx/config/include_loader.h"
#include "util/error.h"

namespace certpilot::nginx {

struct InstallRequest {
  std::vector<std::string> names;  // the lineage's names
  std::string certificate_path;    // CONFIG/live/NAME/fullchain.pem (absolute)
  std::string key_path;            // CONFIG/live/NAME/privkey.pem
  std::string options_path;  // CONFIG/options-ssl-nginx.conf; "" = no include
  int http_port = 80;
  int https_port = 443;
  bool redirect = false;
};

struct InstallResult {
  // What changed, one line per block ("sites-enabled/app.conf:1: …").
  std::vector<std::string> actions;
  // What was already so and left alone.
  std::vector<std::string> notes;
  // For a name no block serves on the HTTP or HTTPS port: which block on
  // another port was chosen and why ("app.example.com: nginx.conf:3 (listen
  // 8080), exact name, chosen over nginx.conf:9 (listen 8081)").
  std::vector<std::string> choices;
  // An include of InstallRequest::options_path was added.
  bool includes_options = false;
};

class NoServerBlockError : public Error {
 public:
  NoServerBlockError(const std::string& message, std::vector<std::string> names)
      : Error(message), names_(std::move(names)) {}
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

InstallResult PatchForInstall(ConfigGraph& graph, const InstallRequest& req);

}  // namespace certpilot::nginx
