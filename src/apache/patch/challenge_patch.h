// The Apache authenticator's edits (RFC 8555 §8.3, HTTP-01 served by the
// user's Apache), as changes to a loaded ConfigGraph. Writing, configtest
// and the graceful reload are the caller's (solvers/apache_solver.h); this
// class only edits trees and says which files should hold what.
//
// The responses themselves are files: LOCATION/tokens/TOKEN holds the key
// authorization (the solver writes them; no reload is needed per token).
// What Apache needs is one directive set, certpilot's own file
// LOCATION/certpilot-challenge.conf (ChallengeConfText), that maps
// /.well-known/acme-challenge/TOKEN to LOCATION/tokens/TOKEN — a RewriteRule
// with [END] when mod_rewrite is loaded (it runs before mod_alias, so a
// `Redirect / https://…` in the vhost does not answer first), else an
// AliasMatch — and grants access to that directory. It is brought in by
//    Include LOCATION/certpilot-challenge.conf
// put first (right after the <VirtualHost …> line, so that the vhost's own
// RewriteRules, such as certbot's redirect with [END], come after ours) into
// every <VirtualHost> httpd picks for the name on the HTTP port by name
// (ServerName/ServerAlias, config/virtual_hosts.h). When none names
// it but vhosts listen on the port, a temporary vhost for the name on the
// same addresses (so it joins their name-based groups, after their
// defaults) goes into LOCATION/certpilot-challenge-vhosts.conf, included at
// the end of the main file. When no vhost uses the port at all, the main
// server answers: the directive set is included at the end of the main file.
// The file name is the mark: StripChallengeLines finds these Includes again.
//
// Removing is the caller's journal (sys::FileTransaction) restoring every
// file byte for byte. Not thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apache/config/loader.h"
#include "apache/config/tree.h"
#include "apache/config/virtual_hosts.h"
#include "sys/file_transaction.h"

namespace certpilot::apache {

inline constexpr std::string_view kChallengeConfName =
    "certpilot-challenge.conf";
inline constexpr std::string_view kChallengeVhostsName =
    "certpilot-challenge-vhosts.conf";

// certpilot's files for challenges under one directory (certbot's
// --apache-challenge-location).
struct ChallengeLocation {
  explicit ChallengeLocation(const std::string& directory);
  std::string dir;
  std::string conf;    // DIR/certpilot-challenge.conf
  std::string vhosts;  // DIR/certpilot-challenge-vhosts.conf
  std::string tokens;  // DIR/tokens: one file per token
};

// The directive set of LOCATION/certpilot-challenge.conf.
std::string ChallengeConfText(const ChallengeLocation& location);

// Where Apache will serve a name's responses: the socket to check through.
struct ChallengeSite {
  std::string address;  // "127.0.0.1", or the vhost's own IP address
  int port = 80;
  // "FILE:LINE" of each vhost, the temporary vhost's file, or "the main
  // server (FILE)".
  std::vector<std::string> vhosts;
};

class ChallengePatch {
 public:
  // `graph` must outlive the patch and must not be edited by others
  // meanwhile. Throws ParseError for a malformed <VirtualHost>.
  ChallengePatch(ConfigGraph& graph, int http_port, ChallengeLocation location);

  // Makes Apache serve the responses for `name` (a host name or an IP
  // address); idempotent per name. Throws UsageError for a name no Apache
  // word can hold safely.
  ChallengeSite Serve(const std::string& name);

  // Every file this patch touched, as it should be now, with certpilot's
  // own two files (the vhosts file absent when it holds no vhost).
  std::vector<sys::FileState> Files() const;

 private:
  void IncludeInMainFile(const std::string& path);
  void Touch(Config* file);

  ConfigGraph& graph_;
  int port_;
  ChallengeLocation location_;
  VirtualHostTable table_;
  std::map<std::string, ChallengeSite> sites_;  // by name
  std::set<const Node*> included_;              // vhosts holding the Include
  std::set<std::string> main_includes_;         // paths included at the end
  std::vector<Config*> touched_;                // in order of first touch
  std::string own_vhosts_;                      // the temporary vhosts' text
};

// Takes out of `config` every Include/IncludeOptional of certpilot's
// challenge files (by their names, wherever they live): what an
// interrupted run can leave behind. Returns how many.
int StripChallengeLines(Config& config);

}  // namespace certpilot::apache
