// `renew`: renew every lineage that is due, unattended.
//
// Due: the rule of renewal_policy.h (or the conf's renew_before_expiry),
// --force-renewal, or — when the CA offers ARI (RFC 9773) — a random point in
// the CA's suggested window that has passed. A lineage whose conf says
// autorenew = False is skipped unless forced. A dry run (certbot's) orders
// every selected lineage, due or not, and saves nothing. Each lineage is
// isolated: a
// broken conf, damaged files or a failed order is reported and the others
// proceed; a failure never touches that lineage's live/ files. Up to --jobs
// lineages renew at once, sharing one HTTP-01 responder per port and one
// account per CA, each worker with its own connection and nonces.
// A due lineage whose renewal failed lately waits (app/rules/backoff.h)
// unless forced; each attempt is recorded in WORK/renewal-history/. With
// --metrics-file, the run's metrics are written at its end, failed or not
// (app/wiring/metrics_file.h).
#pragma once

#include <string>
#include <vector>

#include "app/types/options.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// Returns 0 when nothing failed (renewals, hooks, the renewal histories
// and the metrics file), 1 otherwise. Throws
// UsageError for bad options before any work.
int Renew(const RenewOptions& o, Services& services);

// The settings given on renew's (or reconfigure's) command line applied to a
// lineage's stored ones; `domains` are the lineage's (for -w). Throws
// UsageError for overrides that cannot work (--must-staple for Let's
// Encrypt); a stored must_staple for Let's Encrypt is dropped with a
// warning.
void ApplyRenewOverrides(const RenewOptions& o,
                         const std::vector<std::string>& domains,
                         RenewalSettings& s);

}  // namespace certpilot::app
