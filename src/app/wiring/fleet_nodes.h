// The fleet's node registry (issue #17, app/types/fleet.h): PREFIX/nodes/NAME
// under each node's lease, read by `fleet status` and by the renewer's
// self-check (fleet_http01_solver.h), written by `certpilot agent`.
// Errors: etcd::EtcdError.
#pragma once

#include <string>
#include <vector>

#include "app/types/fleet.h"
#include "etcd/client.h"

namespace certpilot::app {

// PREFIX/nodes/
std::string FleetNodesPrefix(const std::string& prefix);

// Every registered node in name order; an entry whose value is not a node
// object is listed by name alone (no address).
std::vector<FleetNode> ListFleetNodes(etcd::Client& client,
                                      const std::string& prefix);

// Puts `node` (address, heartbeat) at PREFIX/nodes/NAME under `lease`.
void RegisterFleetNode(etcd::Client& client, const std::string& prefix,
                       const FleetNode& node, int64_t lease);

}  // namespace certpilot::app
