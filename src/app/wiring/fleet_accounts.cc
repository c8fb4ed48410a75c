#include "app/wiring/fleet_accounts.h"

#include <optional>
#include <utility>

#include "fleet/account_record.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

bool AdoptFleetAccount(const FleetAccountPlace& fleet,
                       storage::AccountStore& store,
                       const std::string& server) {
  if (!store.List(server).empty()) return false;
  std::optional<fleet::SharedAccount> shared =
      fleet::LoadAccount(fleet.etcd, fleet.prefix, server, fleet.keys);
  if (!shared) return false;
  crypto::PrivateKey key = crypto::PrivateKey::FromPem(shared->key_pem);
  const std::string id = storage::AccountStore::AccountId(key);
  store.Save(server, {id, shared->url, std::move(key), shared->body_json});
  log::Info("Using the fleet's account " + StripControl(shared->url) + " for " +
            StripControl(server));
  return true;
}

ShareOutcome ShareAccount(const FleetAccountPlace& fleet,
                          storage::AccountStore& store,
                          const std::string& server, const std::string& id,
                          acme::Client* client) {
  std::optional<storage::StoredAccount> local = store.Find(server, id);
  if (!local)
    throw Error("internal: account " + id + " is not stored for " + server);
  std::optional<fleet::SharedAccount> there = fleet::PublishAccount(
      fleet.etcd, fleet.prefix,
      {server, local->url, local->body_json, local->key.ToPem()}, fleet.keys);
  using Kind = ShareOutcome::Kind;
  if (!there) {
    log::Info("Shared account " + StripControl(local->url) + " with the fleet");
    return {Kind::kPublished, id, local->url};
  }
  if (there->url == local->url) return {Kind::kSame, id, there->url};
  if (!client) {
    log::Warning("the fleet already has account " + StripControl(there->url) +
                 " for " + StripControl(server) + "; this node's " +
                 StripControl(local->url) + " stays its own");
    return {Kind::kAnother, id, there->url};
  }
  crypto::PrivateKey key = crypto::PrivateKey::FromPem(there->key_pem);
  const std::string fleet_id = storage::AccountStore::AccountId(key);
  client->SetAccountKey(key, there->url);
  store.Save(server, {fleet_id, there->url, std::move(key), there->body_json});
  if (fleet_id != id) store.Remove(server, id);
  log::Warning("another node registered the fleet's account first: using " +
               StripControl(there->url) + " (this node's new account " +
               StripControl(local->url) + " is left unused)");
  return {Kind::kAnother, fleet_id, there->url};
}

}  // namespace certpilot::app
