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
int Certificates(const CertificatesOptions& o, Services& services);

}  // namespace certpilot::app
