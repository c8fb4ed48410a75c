// `fleet ...`: fleet mode's own commands (issue #17). So far `fleet keygen`,
// which makes the fleet key: the AES-256-GCM key (crypto/sealed_box.h) that
// seals private keys before they go to etcd (every node holds the same
// file), and `fleet status`, which lists the nodes registered in etcd.
#pragma once

#include <string>

#include "app/types/fleet.h"
#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct FleetKeygenOptions {
  CommonOptions common;
  std::string secret_file;  // --fleet-secret-file
};

// Writes 32 random bytes to o.secret_file, created 0600 with O_EXCL (never
// readable by others, not even briefly), fsynced; prints its key id.
// UsageError (exit 2) when the path is empty, something is already there
// (a fleet key is never overwritten: the fleet's secrets would be lost) or
// its directory does not exist; SysError (exit 1) when writing fails.
// Returns 0.
int FleetKeygen(const FleetKeygenOptions& o, Services& services);

struct FleetStatusOptions {
  CommonOptions common;
  FleetOptions fleet;
  bool json = false;
};

// Lists the nodes registered under PREFIX/nodes/ (app/types/fleet.h), in
// name order, with their address and last heartbeat; --json:
// FleetStatusJson. UsageError for bad --fleet-* options
// (app/wiring/fleet_connection.h); etcd::EtcdError (exit 1) when etcd
// cannot be read. Returns 0.
int FleetStatus(const FleetStatusOptions& o, Services& services);

}  // namespace certpilot::app
