// The enhancements `install`, `run` and `enhance` add to the server blocks
// that serve a lineage over TLS, as changes to a loaded ConfigGraph (writing,
// `nginx -t`, reload and rollback are runtime/safe_update.h's). The redirect
// is install_patch.h's.
//
// The blocks: for each name, every block nginx picks for it on the HTTPS
// port that has TLS there (config/server_query.h, by name only); when there
// is none, the best TLS block on any port as certbot ranks them
// (RankBlocksByName). A name without any is an error: install first.
//
// Each block gets, at its end, what it lacks of
//   --hsts:  add_header Strict-Transport-Security "max-age=31536000" always;
//   --uir:   add_header Content-Security-Policy "upgrade-insecure-requests"
//            always;
//   --staple-ocsp: ssl_trusted_certificate CHAIN; ssl_stapling on;
//            ssl_stapling_verify on;
// (certbot-nginx's header value for HSTS; its Apache plugin's header for
// UIR, which certbot-nginx lacks). A block that already sends the header
// (any add_header of that name; for CSP one holding
// upgrade-insecure-requests) or sets ssl_stapling itself is left alone and
// said so: enhancing twice changes nothing. nginx's add_header is not
// inherited into a location that has add_header lines of its own: such
// locations are named in the notes. Every added line carries
// "# managed by certpilot".
//
// Throws (the graph may be half-edited then; discard it): UsageError for an
// unsafe chain path or no enhancement asked for; NoServerBlockError when a
// name has no TLS block.
#pragma once

#include <string>
#include <vector>

#include "nginx/config/include_loader.h"

namespace certpilot::nginx {

struct EnhanceRequest {
  std::vector<std::string> names;  // the lineage's names
  int https_port = 443;
  bool hsts = false;
  bool uir = false;  // Upgrade-Insecure-Requests
  bool staple_ocsp = false;
  std::string chain_path;  // CONFIG/live/NAME/chain.pem, for staple_ocsp
};

struct EnhanceResult {
  std::vector<std::string> actions;  // what changed, one line per block
  std::vector<std::string> notes;    // what was already so, and warnings
};

// True when `req` asks for at least one enhancement.
inline bool WantsEnhancement(const EnhanceRequest& req) {
  return req.hsts || req.uir || req.staple_ocsp;
}

EnhanceResult PatchForEnhance(ConfigGraph& graph, const EnhanceRequest& req);

}  // namespace certpilot::nginx
