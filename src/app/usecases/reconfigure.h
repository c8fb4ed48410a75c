// `reconfigure --cert-name NAME [options]`: change how a lineage renews
// (authenticator and its challenge settings, hooks, chain, profile,
// must-staple, key reuse) without replacing its certificate. The new
// settings are first proved by a dry run against the lineage's CA (renew
// --dry-run: nothing saved, no deploy hook); only when it succeeds are they
// written to renewal/NAME.conf. As certbot's reconfigure.
#pragma once

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// 0 when the settings were saved; 1 when the dry run failed (nothing
// changed). Throws UsageError without --cert-name or for a lineage that does
// not exist.
int Reconfigure(const ReconfigureOptions& o, Services& services);

}  // namespace certpilot::app
