#include "fleet/reseal.h"

#include "crypto/crypto_error.h"
#include "etcd/key_range.h"
#include "fleet/account_record.h"
#include "fleet/fleet_error.h"
#include "fleet/key_names.h"
#include "fleet/lineage_record.h"
#include "util/strings.h"

namespace certpilot::fleet {
namespace {

// A value that keeps changing under us is reported rather than chased.
constexpr int kTries = 5;

// The keys under `base` whose last segment is `part` (names only).
std::vector<std::string> SealedKeys(etcd::Client& client,
                                    const std::string& base,
                                    std::string_view part) {
  etcd::RangeRequest request;
  request.key = base;
  request.range_end = etcd::PrefixRangeEnd(base);
  request.keys_only = true;
  const std::string suffix = "/" + std::string(part);
  std::vector<std::string> keys;
  for (etcd::KeyValue& kv : client.Range(request).kvs)
    if (EndsWith(kv.key, suffix)) keys.push_back(std::move(kv.key));
  return keys;
}

enum class Outcome { kResealed, kCurrent, kGone };

// One value, re-read and retried while another writer changes it.
Outcome ResealOne(etcd::Client& client, const std::string& key,
                  const crypto::SealKeys& keys) {
  for (int attempt = 0; attempt < kTries; ++attempt) {
    etcd::RangeResult read = client.Range(etcd::KeyRange(key));
    if (read.kvs.empty()) return Outcome::kGone;
    const etcd::KeyValue& kv = read.kvs.front();
    try {
      if (keys.SealedBySealingKey(kv.value)) return Outcome::kCurrent;
    } catch (const crypto::CryptoError& e) {
      throw FleetError(key + " is not a sealed value: " + e.what());
    }
    const std::string plain = OpenSealed(keys, key, kv.value);
    etcd::TxnRequest txn;
    txn.compare.push_back(etcd::Compare::ModRevision(
        key, etcd::Compare::Result::kEqual, kv.mod_revision));
    txn.success.push_back(etcd::PutRequest{key, keys.Seal(plain, key), 0});
    if (client.Txn(txn).succeeded) return Outcome::kResealed;
  }
  throw FleetError(key + " changed at each of " + std::to_string(kTries) +
                   " tries; run fleet rekey again");
}

}  // namespace

ResealReport ResealAll(etcd::Client& client, std::string_view prefix,
                       const crypto::SealKeys& keys) {
  // The parts lineage_record.h and account_record.h seal.
  std::vector<std::string> sealed =
      SealedKeys(client, FleetKey(prefix, "lineages") + "/", "privkey");
  for (std::string& key : SealedKeys(client, AccountsPrefix(prefix), "key"))
    sealed.push_back(std::move(key));
  ResealReport report;
  for (const std::string& key : sealed) {
    try {
      switch (ResealOne(client, key, keys)) {
        case Outcome::kResealed:
          ++report.resealed;
          break;
        case Outcome::kCurrent:
          ++report.current;
          break;
        case Outcome::kGone:
          break;
      }
    } catch (const FleetError& e) {
      report.failed.push_back(e.what());
    }
  }
  return report;
}

}  // namespace certpilot::fleet
