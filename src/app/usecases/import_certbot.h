// `import-certbot [--from /etc/letsencrypt] [--cert-name NAME]`: adopt a
// certbot configuration tree so that a certbot user can switch without
// reissuing anything.
//
// What it takes, leaving the certbot tree untouched:
//  - every account (accounts/<server>/<id>/, the same format certpilot
//    stores), unless one with that id is already stored;
//  - every lineage (or only --cert-name): each archive version, oldest
//    first and the one live/ points at last, stored through
//    LineageStore::SaveVersion — so each is verified (certificate parses,
//    key matches, fullchain = cert + chain) and written crash-safely, and
//    live/NAME ends on certbot's current version; then renewal/NAME.conf,
//    with its settings kept byte for byte except the paths certbot wrote
//    for its own tree. The conf is written last: until then `renew` does not
//    see the lineage. A lineage whose name is taken here is skipped; one that
//    fails half way is removed again and reported;
//  - the scripts in renewal-hooks/{pre,deploy,post}/ that are not here yet.
// Authenticators and installers certpilot lacks are reported (renewal of
// that lineage fails until `reconfigure` chooses another); the lineage is
// imported all the same.
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
// names are reported); 1 when a lineage or an account failed. Throws
// UsageError when --from is not a certbot tree or is the config dir.
int ImportCertbot(const ImportOptions& o, Services& services);

}  // namespace certpilot::app
