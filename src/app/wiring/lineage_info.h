// What `certificates` shows and `renew` decides on, read from a lineage's
// live files and renewal conf.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/rules/backoff.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "util/clock.h"

namespace certpilot::app {

struct LineageInfo {
  std::string name;
  std::vector<std::string> domains;  // DNS names then IP addresses
  std::string serial;                // hex
  std::string ari_cert_id;           // RFC 9773 §4.1; "" if it has no AKI
  std::string key_type;              // "ecdsa-p256", "rsa-2048", ...
  TimePoint not_before{}, not_after{}, renew_after{};
  std::string cert_path, chain_path, fullchain_path, privkey_path;
  std::string server;
  RenewalSettings settings;  // from renewal/NAME.conf
  bool valid = false;        // parses, key matches, not expired
  std::string problem;       // why it cannot be read, if it cannot ("" = fine)
  // Its last renewal attempts (app/wiring/renewal_history.h), if any.
  std::optional<RenewalHistory> history;
};

enum class InspectDepth {
  kFull,         // also read the key and chain: `valid` is meaningful
  kCertificate,  // only the conf and the certificate: enough to decide renewal
};

// When `cert` is due under the lineage's `settings` (renewal_policy.h's
// rule, or its renew_before_expiry). Throws UsageError for a
// renew_before_expiry that does not parse.
TimePoint RenewAfterFor(const crypto::Certificate& cert,
                        const RenewalSettings& settings);

// Never throws for a damaged lineage: the problem is reported in `problem`.
LineageInfo InspectLineage(RunContext& ctx, const std::string& name,
                           InspectDepth depth = InspectDepth::kFull);

// Fleet mode (issue #17): the same from a fleet version's public parts (its
// cert.pem and renewal conf text, fleet::PublicVersions), with this node's
// paths for the lineage and this node's renewal history. The private key is
// not read: `valid` only says the certificate has not expired. `where`
// (the version's etcd key prefix) names the parts in problems. Never
// throws for a damaged version: the problem is reported in `problem`.
LineageInfo InspectFleetVersion(RunContext& ctx, const std::string& name,
                                const std::string& cert_pem,
                                const std::string& renewal_conf,
                                const std::string& where);

}  // namespace certpilot::app
