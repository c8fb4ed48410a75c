// `certonly`: obtain a certificate and store it as a lineage
// (live/archive/renewal), without installing it anywhere.
#pragma once

#include <string>

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// Validates every input first (UsageError), then takes the config-dir lock,
// finds or registers the account, proves control of the names, and saves a
// new version of the lineage crash-safely (with o.dry_run: orders, then
// saves nothing). Replacing a staging certificate with a production one or
// the reverse needs o.break_my_certs (UsageError). Returns the exit code.
// Throws Error on failure; the existing lineage, if any, is left untouched.
// `lineage`, when given, receives the name of the lineage written (or kept
// because it is not due) — `run` installs it next.
int Certonly(const CertonlyOptions& o, Services& services,
             std::string* lineage = nullptr);

}  // namespace certpilot::app
