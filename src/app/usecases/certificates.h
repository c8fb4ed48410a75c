// `certificates`: what certpilot manages, for people and (with --json) for
// scripts. Read-only; runs beside a renew without taking the lock.
#pragma once

#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

// Prints one block per lineage, or a JSON array with exactly the keys
// name, domains, serial, key_type, not_before, not_after, renew_after,
// cert_path, chain_path, fullchain_path, privkey_path, server, valid,
// renewal_failure (the last failure, its reason and the next attempt while
// the renewal of the current certificate keeps failing). A damaged lineage is
// listed with its problem (valid = false). Returns 0.
//
// Fleet mode (o.fleet enabled, issue #17): the fleet's lineages instead,
// each from its current version in etcd (certificate and settings; the
// sealed key is never opened, so no fleet key is needed) with this node's
// paths for it, plus "Fleet Version", each node's deployed version and
// serial and the live nodes that lag; then this node's lineages the fleet
// lacks, marked as such. --json adds "fleet" to each object (null for the
// latter). UsageError for bad --fleet-* options; Error (exit 1) when etcd
// cannot be read.
int Certificates(const CertificatesOptions& o, Services& services);

}  // namespace certpilot::app
