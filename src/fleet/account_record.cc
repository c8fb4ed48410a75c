#include "fleet/account_record.h"

#include <map>
#include <utility>
#include <vector>

#include "crypto/digest.h"
#include "etcd/key_range.h"
#include "fleet/fleet_error.h"
#include "fleet/key_names.h"
#include "fleet/lineage_record.h"

namespace certpilot::fleet {
namespace {

// Each part's name under ID/ and its field.
struct Part {
  std::string_view name;
  std::string SharedAccount::*field;
};
constexpr std::string_view kKey = "key";
const Part kParts[] = {
    {"server", &SharedAccount::server},
    {"url", &SharedAccount::url},
    {"regr", &SharedAccount::body_json},
    {kKey, &SharedAccount::key_pem},
};

// The account stored under `base` among `kvs` (one snapshot); nullopt when
// it has no key part (none published).
std::optional<SharedAccount> AccountOf(const std::string& base,
                                       std::vector<etcd::KeyValue> kvs,
                                       const crypto::SealKeys& keys) {
  std::map<std::string, std::string> values;
  for (etcd::KeyValue& kv : kvs) values[kv.key] = std::move(kv.value);
  if (!values.count(base + std::string(kKey))) return std::nullopt;
  SharedAccount account;
  for (const Part& part : kParts) {
    const std::string key = base + std::string(part.name);
    auto it = values.find(key);
    if (it == values.end())
      throw FleetError("the account under " + base + " has no " +
                       std::string(part.name) + " (" + key + ")");
    account.*part.field =
        part.name == kKey ? OpenSealed(keys, key, it->second) : it->second;
  }
  return account;
}

}  // namespace

std::string AccountsPrefix(std::string_view prefix) {
  return FleetKey(prefix, "accounts") + "/";
}

std::string AccountPrefix(std::string_view prefix, std::string_view server) {
  return AccountsPrefix(prefix) + crypto::HexLower(crypto::Sha256(server)) +
         "/";
}

std::optional<SharedAccount> PublishAccount(etcd::Client& client,
                                            std::string_view prefix,
                                            const SharedAccount& account,
                                            const crypto::SealKeys& keys) {
  if (account.server.empty() || account.url.empty() || account.key_pem.empty())
    throw FleetError("an account to share needs its server, URL and key");
  const std::string base = AccountPrefix(prefix, account.server);
  etcd::TxnRequest txn;
  // Create-only: no key part yet, so no other node's account is replaced.
  txn.compare.push_back(etcd::Compare::CreateRevision(
      base + std::string(kKey), etcd::Compare::Result::kEqual, 0));
  for (const Part& part : kParts) {
    const std::string key = base + std::string(part.name);
    const std::string& value = account.*part.field;
    txn.success.push_back(etcd::PutRequest{
        key, part.name == kKey ? keys.Seal(value, key) : value, 0});
  }
  // The loser reads the winner's parts in the same transaction.
  etcd::RangeRequest winner;
  winner.key = base;
  winner.range_end = etcd::PrefixRangeEnd(base);
  txn.failure.push_back(winner);
  etcd::TxnResult result = client.Txn(txn);
  if (result.succeeded) return std::nullopt;
  std::optional<SharedAccount> stored = AccountOf(
      base, std::move(std::get<etcd::RangeResult>(result.responses.at(0)).kvs),
      keys);
  if (!stored)
    throw FleetError("the account under " + base +
                     " vanished while publishing; try again");
  return stored;
}

std::optional<SharedAccount> LoadAccount(etcd::Client& client,
                                         std::string_view prefix,
                                         std::string_view server,
                                         const crypto::SealKeys& keys) {
  const std::string base = AccountPrefix(prefix, server);
  return AccountOf(base, client.RangePrefix(base).kvs, keys);
}

}  // namespace certpilot::fleet
