// The nginx authenticator's edits (RFC 8555 §8.3, HTTP-01 served by nginx),
// as changes to a loaded ConfigGraph. Writing, `nginx -t` and reloading are
// the caller's (see solvers/nginx_solver.h); this class only edits trees.
//
// For a response (name, token, key authorization) on the HTTP port:
//  - in every server block nginx picks for the name on that port *by name*
//    (config/server_query.h: exact, wildcard, regex), two lines are added:
//        rewrite ^(/\.well-known/acme-challenge/TOKEN)$ $1 break; # managed by
//        certpilot
//    as the block's first directive, and as its last
//        location = /.well-known/acme-challenge/TOKEN {
//            default_type text/plain;
//            return 200 "KEY_AUTHORIZATION";
//        } # managed by certpilot
//    An exact location wins over every prefix and regex location (nginx
//    docs, "location"); the rewrite with `break` stops the block's
//    server-level rewrite directives (a `return 301` or certbot-style
//    `if ($host = …) { return 301 …; }`), which would otherwise answer
//    before any location is chosen — the trick certbot uses too.
//  - on every listening socket of the port where no block matches the name
//    (only a default_server or the first block would answer), and when
//    nothing listens on the port at all (then on `listen PORT`), a
//    temporary server block for the name goes into certpilot's own file
//    `own_file`, included from the `http` block with
//        include OWN_FILE; # managed by certpilot
//    for as long as it holds a server block.
// Remove(token) takes exactly those lines out again, so that once every
// response is removed each file's text is byte-identical to what was read.
//
// Every value written is checked first (config/value_validation.h); tokens must
// be base64url (RFC 8555 §8.3). Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "nginx/config/include_loader.h"
#include "nginx/config/server_query.h"
#include "nginx/config/tree.h"
#include "sys/file_transaction.h"

namespace certpilot::nginx {

struct ChallengeResponse {
  std::string name;   // the identifier: a host name or an IP address
  std::string token;  // base64url
  std::string key_authorization;  // token "." thumbprint
};

// Where nginx will serve a response: the socket to check it through.
struct ChallengeSite {
  std::string address;  // "127.0.0.1", "::1", or the listen address
  int port = 80;
  // "sites-enabled/app.conf:3" per block, or the temporary server's file.
  std::vector<std::string> blocks;
};

class ChallengePatch {
 public:
  // `graph` must outlive the patch and must not be edited by others
  // meanwhile. `own_file`: absolute path of certpilot's file for temporary
  // server blocks (it must not be part of the configuration yet).
  ChallengePatch(ConfigGraph& graph, int http_port, std::string own_file);
  ~ChallengePatch();

  // Adds the response. Throws UsageError for an unsafe value or a token
  // that is not base64url, Error when the same token is added twice or no
  // `http` block exists to hold a temporary server.
  ChallengeSite Add(const ChallengeResponse& r);
  // Removes what Add put in for `token`; unknown tokens are ignored.
  void Remove(const std::string& token);
  bool empty() const { return entries_.empty(); }

  // Every file this patch has touched, as it should be now (the own file
  // absent when it holds no server block).
  std::vector<sys::FileState> Files() const;

 private:
  struct Inserted {
    Config* file;
    Directive* directive;
  };
  struct Entry {
    std::string name;
    std::vector<Inserted> inserted;  // in order of insertion
    bool in_own_file = false;
  };
  // The temporary server for `name`, created (with the include) if needed.
  Directive& OwnServer(const std::string& name,
                       const std::vector<std::string>& sockets);
  void DropOwnServerIfEmpty(const std::string& name);

  ConfigGraph& graph_;
  int port_;
  std::string own_path_;
  std::vector<ServerBlock> servers_;
  std::map<std::string, Entry> entries_;  // by token
  std::set<Config*> touched_;
  std::unique_ptr<Config> own_;             // the own file while it is needed
  Inserted own_include_{nullptr, nullptr};  // its include in the http block
  std::map<std::string, Directive*> own_servers_;  // by name
};

// The "rewrite … break" and "location = …" lines for challenges, and the
// include of `own_file`, that carry certpilot's mark: what an interrupted
// run can leave behind. Removes them from `config`; returns how many.
int StripChallengeLines(Config& config, const std::string& own_file);

// True when `token` is non-empty base64url (A-Z a-z 0-9 - _).
bool IsToken(std::string_view token);
// Throws UsageError unless IsToken(token).
void ValidateToken(const std::string& token);

}  // namespace certpilot::nginx
