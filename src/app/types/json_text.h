// The JSON text of the use cases, in one place: the --json output of
// `certificates`, `renew`, `show_account` and `plugins`, and the --webroot-map
// value a person writes. Everything else in app/ builds and reads plain structs
// (app/types/results.h); the ARI state file keeps its own format
// (app/wiring/ari_state.h). Output: objects with their keys in alphabetical
// order, indented by two spaces, no trailing newline; throws
// nlohmann::json::type_error for a string that is not UTF-8. Pure;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/types/fleet.h"
#include "app/types/results.h"

namespace certpilot::app {

// A JSON array with one object per lineage: name, domains, serial,
// key_type, not_before, not_after, renew_after (RFC 3339, null when absent),
// cert_path, chain_path, fullchain_path, privkey_path, server, valid,
// renewal_failure (null, or {failures, last_attempt, reason, next_attempt}
// while the renewal of its certificate keeps failing). In fleet mode
// (CertificateListing::fleet_mode) also "fleet": {version, deployed: [{node,
// version, serial, time}], lagging: [node names]}, or null for a lineage
// the fleet lacks.
std::string CertificatesJson(const std::vector<CertificateListing>& listings);

// {"renewed": [{name, not_after, dropped: [names left out]}],
//  "not_due": [{name, renew_after}], "failed": [{name, error}],
//  "autorenew_disabled": [names], "backed_off": [{name, failures,
//  last_attempt, reason, next_attempt}], dry_run, hook_failures,
//  installer_failures}.
std::string RenewReportJson(const RenewReport& r);

// {server, id, url, contact, status, thumbprint, profiles}.
std::string AccountJson(const AccountReport& a);

// `plugins --json`: a JSON array of {name, authenticator, installer,
// challenges, needs}.
std::string PluginsJson(const std::vector<PluginListing>& plugins);

// --webroot-map: a JSON object {"name[,name...]": "path", ...} → its
// entries, keys in alphabetical order; a value that is not a string reads
// as "". nullopt when `text` is not a JSON object.
std::optional<std::vector<std::pair<std::string, std::string>>>
ParseWebrootMapJson(std::string_view text);

// Fleet mode (app/types/fleet.h). A registry entry's value: the node's
// fields from a JSON object ("address", "heartbeat"); nullopt when `text`
// is not such an object.
std::optional<FleetNode> ParseFleetNode(const std::string& name,
                                        std::string_view text);
// The registry entry's value an agent writes: {"address", "heartbeat"}.
std::string FleetNodeJson(const FleetNode& node);
// `fleet status --json`: {"prefix": ..., "nodes": [{name, address,
// heartbeat (RFC 3339 or null), lease}], "lineages": [{name, version,
// deployed: [{node, version, serial, time (RFC 3339 or null)}], lagging:
// [node names]}]}.
std::string FleetStatusJson(const std::string& prefix,
                            const std::vector<FleetNode>& nodes,
                            const std::vector<FleetLineageStatus>& lineages);

}  // namespace certpilot::app
