// `import-certbot [--from /etc/letsencrypt] [--cert-name NAME]`: adopt a
// certbot configuration tree so that a certbot user can switch without
// reissuing anything.
//
// What it takes, leaving the certbot tree untouched:
//  - every account (accounts/<server>/<id>/, the same format certpilot
//    stores), unless one with that id is already stored;
//  - every lineage (or only --cert-name), in two passes. First every
//    renewal conf is read and made certpilot's (app/rules/certbot_import.h):
//    the paths certbot wrote for its own tree, plugin names, dns-rfc2136's
//    propagation wait, and must_staple dropped for Let's Encrypt (with a
//    warning naming the lineage); every lineage that will not renew as it
//    is — a plugin certpilot lacks (dns-cloudflare, apache, ...), a webroot
//    or credentials file that is missing or unsafe — is named with the cause
//    and, for a plugin, the `certpilot reconfigure` command that fixes it.
//    Such a lineage is imported all the same (nothing of certbot's is
//    dropped); `renew` fails it with the same command until it is fixed.
//    Then each lineage: each archive version, oldest first and the one live/
//    points at last, stored through LineageStore::SaveVersion — so each is
//    verified (certificate parses, key matches, fullchain = cert + chain)
//    and written crash-safely, and live/NAME ends on certbot's current
//    version; then renewal/NAME.conf, otherwise byte for byte certbot's. The
//    conf is written last: until then `renew` does not see the lineage. A
//    lineage whose name is taken here is skipped; one that fails half way is
//    removed again and reported;
//  - the hooks in renewal-hooks/{pre,deploy,post}/ that are not here yet (a
//    link is made again, pointing at the same file); one whose name is taken
//    by a different hook here is reported and left;
//  - cli.ini, into CONFIG/cli.ini: certbot's options certpilot has under
//    another name renamed, config-dir/work-dir/logs-dir and Let's Encrypt's
//    must-staple commented out, the rest kept (certpilot warns about the
//    options it does not implement). When CONFIG/cli.ini exists, its
//    settings win: only certbot's options it does not set are appended.
#pragma once

#include <string>

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct ImportOptions {
  CommonOptions common;
  std::string from = "/etc/letsencrypt";
  std::string cert_name;  // only this lineage
};

// 0 when everything asked for was imported or was already here (skipped
// names and lineages that will not renew as they are are reported); 1 when
// a lineage, an account, a hook or cli.ini failed. Throws
// UsageError when --from is not a certbot tree or is the config dir.
int ImportCertbot(const ImportOptions& o, Services& services);

}  // namespace certpilot::app
