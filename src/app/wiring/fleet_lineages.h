// The fleet's lineages as `fleet status` and `certificates --fleet-*` show
// them (issue #17): per lineage, the fleet's current version, the version
// and serial each node reported deployed (fleet/deployment_record.h), and
// the registered (live) nodes that lag behind it. One computation for both
// commands. Errors: etcd::EtcdError.
#pragma once

#include <string>
#include <vector>

#include "app/types/fleet.h"
#include "etcd/client.h"

namespace certpilot::app {

// Every lineage with a `current` key, in name order. `nodes` are the
// registered nodes (ListFleetNodes): a node lags when it has no record for
// the lineage or one of an older version. Reads every `current` key
// (fleet::CurrentVersions: one keys-only range, then one transaction of
// reads per 128 lineages) and every deployment record (one range) — never
// one request per lineage.
std::vector<FleetLineageStatus> FleetLineageStatuses(
    etcd::Client& client, const std::string& prefix,
    const std::vector<FleetNode>& nodes);

}  // namespace certpilot::app
