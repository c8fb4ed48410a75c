// A lineage's versions as etcd keys (issue #17): what every node
// materializes into its local certbot-style tree.
//
//   PREFIX/lineages/NAME/current          "N": the version nodes serve
//   PREFIX/lineages/NAME/vN/cert          cert.pem
//   PREFIX/lineages/NAME/vN/chain         chain.pem
//   PREFIX/lineages/NAME/vN/fullchain     fullchain.pem
//   PREFIX/lineages/NAME/vN/privkey       privkey.pem, sealed
//   PREFIX/lineages/NAME/vN/renewal       the renewal .conf
//
// The private key never reaches etcd in the clear: it is sealed with
// AES-256-GCM under the fleet key (crypto/sealed_box.h) with its own etcd
// key name as associated data, so a value moved under another name, or
// another lineage's, does not open.
//
// A version is published in one fenced transaction (lineage_lock.h): all
// its keys and `current` at once, or nothing. Readers therefore never see
// a half-written version, and a renewer that lost its lock writes nothing.
// Versions are never rewritten: old ones stay until pruned, or until the
// lineage is deleted fleet-wide: then `current` holds a tombstone and no
// vN/ key remains (lineage_tombstone.h).
//
// Errors: etcd::EtcdError from etcd; FleetError for a bad name, a stored
// version that is incomplete or malformed, or a private key this fleet key
// cannot open.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/sealed_box.h"
#include "etcd/client.h"
#include "fleet/lineage_lock.h"

namespace certpilot::fleet {

// The files of one lineage version (PEM text, and the renewal settings).
struct LineageFiles {
  std::string cert;
  std::string chain;
  std::string fullchain;
  std::string privkey;  // in the clear here; sealed in etcd
  std::string renewal;

  bool operator==(const LineageFiles&) const = default;
};

// PREFIX/lineages/NAME/ (with the slash: the prefix of its keys).
// FleetError for a bad prefix or name (key_names.h).
std::string LineagePrefix(std::string_view prefix, std::string_view name);

// Publishes `files` as version current + 1 (1 for a new lineage, N+1 for
// one deleted at version N) and
// points `current` at it, in one transaction fenced by `fence` and guarded
// by `current` being what was read (no other publish in between). Returns
// the new version number, or nullopt when refused: the lock was lost or
// another version was published meanwhile; nothing was written then.
// `fleet_key` is the 32-byte fleet key (CryptoError otherwise).
std::optional<int64_t> PublishLineage(etcd::Client& client, const Fence& fence,
                                      std::string_view prefix,
                                      std::string_view name,
                                      const LineageFiles& files,
                                      std::string_view fleet_key);
// The same, sealed under `keys.sealing()` (while the fleet key rotates).
std::optional<int64_t> PublishLineage(etcd::Client& client, const Fence& fence,
                                      std::string_view prefix,
                                      std::string_view name,
                                      const LineageFiles& files,
                                      const crypto::SealKeys& keys);

struct LoadedLineage {
  int64_t version = 0;
  LineageFiles files;    // privkey opened
  int64_t revision = 0;  // the etcd revision it was read at
};

// The version `current` names, every key read at one etcd revision, the
// private key opened with `fleet_key`. nullopt when the lineage has no
// `current` (never published) or was deleted (a tombstone). FleetError when
// `current` is not a version number, a part of that version is missing, or the
// private key does not open: sealed under another fleet key (both key ids
// named), altered, or moved from another key name.
std::optional<LoadedLineage> LoadLineage(etcd::Client& client,
                                         std::string_view prefix,
                                         std::string_view name,
                                         std::string_view fleet_key);
// The same, the private key opened with whichever of `keys` sealed it
// (while the fleet key rotates: `fleet rekey`).
std::optional<LoadedLineage> LoadLineage(etcd::Client& client,
                                         std::string_view prefix,
                                         std::string_view name,
                                         const crypto::SealKeys& keys);

// The private key sealed in `envelope`, stored under the etcd key `key`,
// opened with `keys`. FleetError naming `key` (and so the lineage or
// account) when it does not open: sealed under a key this node lacks (both
// sides' key ids named), altered, or moved from another key name.
std::string OpenSealed(const crypto::SealKeys& keys, const std::string& key,
                       const std::string& envelope);

}  // namespace certpilot::fleet
