// Deleting a lineage from this node's tree: `delete`, `revoke` (deleting
// after it revokes) and the fleet agent on a fleet-wide delete (issue #17,
// fleet/lineage_tombstone.h) share this code, so they remove the same
// files and refuse on the same grounds.
#pragma once

#include <string>

#include "app/wiring/run_context.h"

namespace certpilot::app {

// Throws Error when the nginx configuration under `nginx_root` or the
// Apache one under `apache_root` still names `name`'s live/ directory
// (what the installers point ssl_certificate / SSLCertificateFile at):
// "nginx still uses NAME (FILES): change those files first" + `hint`.
// Deleting it would break a working site. A configuration that is absent
// is no use; one that cannot be read is a warning, not a refusal.
void CheckLineageUnused(RunContext& ctx, const std::string& name,
                        const std::string& nginx_root,
                        const std::string& apache_root,
                        const std::string& hint);

// Whether the local tree holds `name` (its renewal conf or live/).
bool HasLocalLineage(RunContext& ctx, const std::string& name);

// Removes every version of `name` (live/, archive/, renewal conf) and its
// ARI state and renewal history. REQUIRES: the caller holds the lineage's
// local lock (RunContext::LockLineage).
void DeleteLineage(RunContext& ctx, const std::string& name);

}  // namespace certpilot::app
