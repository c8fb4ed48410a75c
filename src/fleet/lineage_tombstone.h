// A lineage deleted fleet-wide (issue #17): its `current` key
// (lineage_record.h) holds a tombstone instead of a version number,
//
//   PREFIX/lineages/NAME/current   {"deleted":N,"time":UNIX,"node":NODE}
//
// and none of its vN/ keys remain, nor its ARI state (ari_record.h). Why
// `current` is rewritten rather than deleted: agents poll the `current` keys by
// mod revision (lineage_index.h), so a rewritten one reaches every agent with
// no extra request per poll, and a node that was down meets it on its next
// start; and N stays known, so a later publish of the name is N+1 (version
// numbers are never reused: a node that served vN never meets another vN).
//
// The tombstone is written like a version is published: one transaction,
// fenced by the lineage's fleet lock (lineage_lock.h) and guarded by
// `current` being what was read, so a node that lost its lock, or raced a
// publish, deletes nothing.
//
// Errors: etcd::EtcdError from etcd; FleetError for a bad name, or a
// `current` that is neither a version nor a tombstone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etcd/client.h"
#include "fleet/lineage_lock.h"

namespace certpilot::fleet {

struct Tombstone {
  int64_t deleted = 0;  // the last version the lineage had
  int64_t time = 0;     // Unix seconds of the delete
  std::string node;     // the node that deleted it

  bool operator==(const Tombstone&) const = default;
};

// `current`'s value for `t`, and back: nullopt when `value` is not a
// tombstone (a version number, or anything else).
std::string TombstoneJson(const Tombstone& t);
std::optional<Tombstone> ParseTombstone(std::string_view value);
// The version number `current` (stored under `key`) holds when it is not a
// tombstone: FleetError naming `key` when it is neither.
int64_t ParseCurrentVersion(const std::string& key, const std::string& text);

// What `current` of `name` says, without reading any version's files.
struct LineageCurrent {
  int64_t version = 0;                 // the version the fleet serves; 0: none
  std::optional<Tombstone> tombstone;  // set when deleted fleet-wide
};
// FleetError when `current` is neither a version number nor a tombstone.
LineageCurrent ReadLineageCurrent(etcd::Client& client, std::string_view prefix,
                                  std::string_view name);

enum class TombstoneOutcome {
  kWritten,  // every vN/ key deleted, `current` is the tombstone
  kAbsent,   // the fleet has no such lineage (or it is deleted already)
  kRefused,  // the lock was lost or a version was published meanwhile:
             // nothing was written
};

struct TombstoneResult {
  TombstoneOutcome outcome = TombstoneOutcome::kAbsent;
  Tombstone tombstone;  // kWritten: what was written
};

// Deletes `name` fleet-wide: in one transaction fenced by `fence` and
// guarded by `current` (as read), deletes every vN/ key of the lineage
// (sealed private keys included) and puts a tombstone for its current
// version, stamped `time` and `node`, in `current`.
TombstoneResult WriteTombstone(etcd::Client& client, const Fence& fence,
                               std::string_view prefix, std::string_view name,
                               int64_t time, std::string_view node);

}  // namespace certpilot::fleet
