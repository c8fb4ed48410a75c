// `revoke` (RFC 8555 §7.6) and `delete`.
//
// Fleet mode (issue #17, --fleet-*): both act fleet-wide. `delete` writes a
// tombstone for the lineage in etcd (fleet/lineage_tombstone.h: every
// version's keys go, in one transaction fenced by the lineage's fleet lock),
// after the local checks (web servers still using it, confirmation) and
// before the local copy goes, so a refused check leaves the fleet
// untouched; every node's agent then deletes its own copy. `revoke
// --cert-name` revokes the fleet's current version (newer than this node's
// when another node renewed it), and its delete afterwards is the fleet
// delete. A name only the local tree has is deleted locally, as without
// --fleet-*.
#pragma once

#include <optional>
#include <string>

#include "app/types/fleet.h"
#include "app/types/options.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct RevokeOptions {
  CommonOptions common;
  std::string cert_name;  // exactly one of cert_name and cert_path
  std::string cert_path;
  std::string
      key_path;  // sign with the certificate's key instead of the account's
  std::string reason = "unspecified";
  std::optional<bool>
      delete_after;    // unset: ask on a terminal, else yes (certbot)
  FleetOptions fleet;  // enabled: revoke the fleet's version, delete fleet-wide
};

struct DeleteOptions {
  CommonOptions common;
  std::string cert_name;
  bool force = false;  // delete even if a web server still points at it
  std::string nginx_server_root = "/etc/nginx";
  std::string apache_server_root = "/etc/apache2";
  FleetOptions fleet;  // enabled: delete fleet-wide
};

// CRL reason names certbot accepts → RFC 5280 §5.3.1 codes. Throws
// UsageError for anything else.
int RevocationReasonCode(const std::string& name);

int Revoke(const RevokeOptions& o, Services& services);
int Delete(const DeleteOptions& o, Services& services);

}  // namespace certpilot::app
