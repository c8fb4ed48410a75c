// Fleet mode (issue #17): nginx hands every HTTP-01 request for a lineage's
// names to this node's `certpilot agent`, which answers any token the fleet
// published (RFC 8555 §8.3), so the CA's request may reach any node behind
// the load balancer. A change to a loaded ConfigGraph; writing, `nginx -t`
// and reload are runtime/safe_update.h's.
//
// The blocks: for each name, every block nginx picks for it *by name* on
// the HTTP port (config/server_query.h); when there is none (a catch-all
// server answers port 80, usually with a redirect to HTTPS, which the CA
// follows), those on the HTTPS port. Each gets, as its first directive and
// as its last,
//     rewrite ^(/\.well-known/acme-challenge/[-_A-Za-z0-9]+)$ $1 break;
//     location ^~ /.well-known/acme-challenge/ {
//         proxy_pass http://UPSTREAM;
//     }
// each with "# managed by certpilot". `^~` wins over every regex location;
// the server-level rewrite with `break` stops the block's own server-level
// rewrite directives (a `return 301`, certbot's `if ($host = …)`) before
// they answer, as the nginx authenticator's temporary lines do
// (challenge_patch.h). These lines stay: they are not a challenge's
// temporary lines, and StripChallengeLines leaves them alone.
//
// Idempotent: a block that already has them changes nothing; one whose
// managed location points elsewhere is pointed at UPSTREAM. A block with a
// challenge location of its own (`location [^~] /.well-known/acme-challenge/`:
// certbot's webroot, or one an admin wrote to send the first issuance to
// the agent) is left alone and named in the notes, as is a name no block
// serves by name on either port.
#pragma once

#include <string>
#include <vector>

#include "nginx/config/include_loader.h"

namespace certpilot::nginx {

struct ChallengeProxyRequest {
  std::vector<std::string> names;  // the lineage's names
  int http_port = 80;
  int https_port = 443;
  std::string upstream;  // "127.0.0.1:8402", "[::1]:8402": the agent
};

struct ChallengeProxyResult {
  std::vector<std::string> actions;  // what changed, one line per block
  std::vector<std::string> notes;    // what was left alone, and why
};

// Throws UsageError for an unsafe name or upstream.
ChallengeProxyResult PatchForChallengeProxy(ConfigGraph& graph,
                                            const ChallengeProxyRequest& req);

}  // namespace certpilot::nginx
