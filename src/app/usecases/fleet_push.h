// `fleet push` (issue #17): upload this node's lineages to the fleet, e.g.
// right after `import-certbot`, so that every node's agent materializes
// them and any node may renew them.
#pragma once

#include <string>

#include "app/types/fleet.h"
#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct FleetPushOptions {
  CommonOptions common;
  FleetOptions fleet;
  std::string cert_name;  // only this lineage
  // Publish a lineage the fleet already has, or deleted, as its next
  // version.
  bool force = false;
};

// For each local lineage (or o.cert_name), under its local and fleet locks:
// publishes its current version and renewal conf (the key sealed) as
// version 1; one the fleet already has is skipped (reported with the
// fleet's version) unless o.force, which publishes it as the next version.
// Then offers the local account of each CA those lineages (and --server)
// use to the fleet (fleet_accounts.h: create-only; one the fleet has for
// that CA already stays the fleet's). Reports each lineage and account on
// a line of its own. A lineage another node holds,
// or that cannot be read or published, is reported as failed; the others
// proceed. UsageError for bad options (also a --cert-name with no lineage).
// Returns 0 when none failed, else 1.
int FleetPush(const FleetPushOptions& o, Services& services);

}  // namespace certpilot::app
