// Fleet mode's shared ACME account per CA (issue #17,
// fleet/account_record.h) and this node's certbot-style account store:
// the local files stay as today (accounts/SERVER/ID/, what non-fleet
// commands read); etcd holds one account per CA, its key sealed.
//
// Callers hold the accounts lock (SharedResource::kAccounts). Errors:
// etcd::EtcdError, fleet::FleetError (a key that does not open),
// storage::StorageError.
#pragma once

#include <string>

#include "acme/client.h"
#include "crypto/sealed_box.h"
#include "etcd/client.h"
#include "storage/account_store.h"

namespace certpilot::app {

// Where a node's fleet account lives.
struct FleetAccountPlace {
  etcd::Client& etcd;
  std::string prefix;
  const crypto::SealKeys& keys;
};

// A node with no local account for `server` takes the fleet's: saves it in
// `store` (under the id of its key). Returns true when it did; false when
// the node has one already or the fleet has none.
bool AdoptFleetAccount(const FleetAccountPlace& fleet,
                       storage::AccountStore& store, const std::string& server);

// What became of a local account offered to the fleet.
struct ShareOutcome {
  enum class Kind {
    kPublished,  // the fleet took it
    kSame,       // the fleet held this same account already
    kAnother,    // the fleet holds another account for the CA
  };
  Kind kind = Kind::kPublished;
  std::string id;         // the local account id to use from now on
  std::string fleet_url;  // the fleet's account URL
};

// Offers the local account `id` for `server` to the fleet (create-only:
// the first node's stays). When the fleet holds another account:
//   - with `client` (this node has just registered and lost the race):
//     the fleet's account is saved in `store` in place of `id` (removed:
//     it would be picked next time), `client` switched to it, and the
//     switch said; the outcome's id is the fleet account's;
//   - without (`fleet push` of an older local account): `id` stays this
//     node's own, and that is said.
ShareOutcome ShareAccount(const FleetAccountPlace& fleet,
                          storage::AccountStore& store,
                          const std::string& server, const std::string& id,
                          acme::Client* client);

}  // namespace certpilot::app
