// `fleet rekey` (issue #17): rotates the fleet key with no downtime by
// re-sealing every sealed value in etcd — each lineage version's private
// key and each shared account's key — under --fleet-secret-file, opening
// each with whichever of --fleet-secret-file and --fleet-old-secret-file
// sealed it (fleet/reseal.h: per value, a transaction compared on its mod
// revision; no lineage lock is taken or needed).
//
// The rotation's order, so that no reader ever meets a key it cannot open
// (man page, fleet rekey):
//   1. `fleet keygen` a new key file; give it to every node as
//      --fleet-old-secret-file (accepted for opening only);
//   2. on every node, swap: the new file becomes --fleet-secret-file, the
//      current one --fleet-old-secret-file;
//   3. on one node, `fleet rekey`;
//   4. remove --fleet-old-secret-file (and the old file) from every node.
#pragma once

#include "app/types/fleet.h"
#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct FleetRekeyOptions {
  CommonOptions common;
  FleetOptions fleet;
};

// Re-seals, then prints how many values it re-sealed and how many already
// were under the sealing key (so a second run re-seals none), and each
// value it could not (sealed under a key not given: named with the lineage
// or account it belongs to). UsageError (exit 2) for bad --fleet-* options:
// no --fleet-secret-file, a key file that is missing or not 32 bytes, the
// same key given twice. etcd::EtcdError (exit 1) when etcd cannot be used.
// Returns 0, or 1 when a value could not be re-sealed.
int FleetRekey(const FleetRekeyOptions& o, Services& services);

}  // namespace certpilot::app
