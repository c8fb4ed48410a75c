// Which lineages the fleet holds and which changed (issue #17), read from
// their `current` keys (lineage_record.h) without reading any version's
// files: what an agent polls (etcd's watch streams, which the client cannot
// take; etcd/client.h) and what `fleet status` lists.
//
// Errors: etcd::EtcdError from etcd; FleetError for a bad prefix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "etcd/client.h"

namespace certpilot::fleet {

struct LineageChanges {
  // Lineage name → the mod revision of its `current` key, for each lineage
  // whose `current` was written at or after the revision asked for.
  std::map<std::string, int64_t> changed;
  int64_t revision = 0;  // the store's revision when read: ask from +1 next
};

// The lineages published or deleted (lineage_tombstone.h) at or after
// `since` (0: every lineage), in one keys-only request.
LineageChanges ChangedLineages(etcd::Client& client, std::string_view prefix,
                               int64_t since);

// Every lineage's current version number, by name; deleted ones (a
// tombstone) are left out. A `current` that is neither a version number nor
// a tombstone reads as 0.
std::map<std::string, int64_t> CurrentVersions(etcd::Client& client,
                                               std::string_view prefix);

// The public parts of a lineage version: its cert.pem and renewal conf
// (lineage_record.h), "" for a part that is missing.
struct PublicVersion {
  std::string cert;
  std::string renewal;
};

// For each lineage of `versions` (name → version number, as CurrentVersions
// gives), the public parts of that version, read in transactions of reads:
// one round trip per kMaxTxnOps / 2 lineages, each key named exactly.
// Why not one range over PREFIX/lineages/: that returns every version still
// kept (old ones stay until pruned) with its chain, sealed key and
// fullchain, several times the bytes asked for; a range per lineage would
// be one round trip each. A lineage whose version has neither part is left
// out (pruned or deleted since `versions` was read). Versions are never
// rewritten, so reading them after `current` gives that version's parts.
std::map<std::string, PublicVersion> PublicVersions(
    etcd::Client& client, std::string_view prefix,
    const std::map<std::string, int64_t>& versions);

}  // namespace certpilot::fleet
