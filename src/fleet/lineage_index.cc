#include "fleet/lineage_index.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "etcd/key_range.h"
#include "fleet/key_names.h"
#include "fleet/lineage_record.h"
#include "fleet/lineage_tombstone.h"
#include "util/strings.h"

namespace certpilot::fleet {
namespace {

constexpr std::string_view kCurrentSuffix = "/current";
using etcd::kMaxTxnOps;

std::string LineagesRoot(std::string_view prefix) {
  return FleetKey(prefix, "lineages") + "/";
}

// The lineage whose `current` key `key` is, or "" when it is another key.
std::string LineageOfCurrentKey(const std::string& root,
                                const std::string& key) {
  if (!StartsWith(key, root) || !EndsWith(key, kCurrentSuffix)) return "";
  std::string name =
      key.substr(root.size(), key.size() - root.size() - kCurrentSuffix.size());
  if (name.empty() || name.find('/') != std::string::npos) return "";
  return name;
}

etcd::RangeRequest CurrentKeys(const std::string& root, int64_t since) {
  etcd::RangeRequest request;
  request.key = root;
  request.range_end = etcd::PrefixRangeEnd(root);
  request.keys_only = true;
  request.min_mod_revision = since;
  return request;
}

}  // namespace

LineageChanges ChangedLineages(etcd::Client& client, std::string_view prefix,
                               int64_t since) {
  const std::string root = LineagesRoot(prefix);
  etcd::RangeResult range = client.Range(CurrentKeys(root, since));
  LineageChanges changes;
  changes.revision = range.revision;
  for (const etcd::KeyValue& kv : range.kvs) {
    std::string name = LineageOfCurrentKey(root, kv.key);
    if (!name.empty()) changes.changed[std::move(name)] = kv.mod_revision;
  }
  return changes;
}

std::map<std::string, int64_t> CurrentVersions(etcd::Client& client,
                                               std::string_view prefix) {
  const std::string root = LineagesRoot(prefix);
  std::vector<std::string> keys;
  for (const etcd::KeyValue& kv : client.Range(CurrentKeys(root, 0)).kvs)
    if (!LineageOfCurrentKey(root, kv.key).empty()) keys.push_back(kv.key);
  std::map<std::string, int64_t> versions;
  // The values in transactions of reads: one round trip per kMaxTxnOps.
  for (size_t i = 0; i < keys.size(); i += kMaxTxnOps) {
    etcd::TxnRequest txn;
    for (size_t k = i; k < keys.size() && k < i + kMaxTxnOps; ++k)
      txn.success.push_back(etcd::KeyRange(keys[k]));
    for (const etcd::TxnOpResult& op : client.Txn(txn).responses) {
      for (const etcd::KeyValue& kv : std::get<etcd::RangeResult>(op).kvs) {
        if (ParseTombstone(kv.value)) continue;  // deleted: no lineage
        int64_t version = 0;
        const char* end = kv.value.data() + kv.value.size();
        auto [ptr, ec] = std::from_chars(kv.value.data(), end, version);
        if (ec != std::errc() || ptr != end) version = 0;
        versions[LineageOfCurrentKey(root, kv.key)] = version;
      }
    }
  }
  return versions;
}

std::map<std::string, PublicVersion> PublicVersions(
    etcd::Client& client, std::string_view prefix,
    const std::map<std::string, int64_t>& versions) {
  // (key, lineage, which part) for every key to read.
  struct Wanted {
    std::string key;
    std::string name;
    bool cert = false;
  };
  std::vector<Wanted> wanted;
  for (const auto& [name, version] : versions) {
    if (version <= 0) continue;  // no version to read
    const std::string base =
        LineagePrefix(prefix, name) + "v" + std::to_string(version) + "/";
    wanted.push_back({base + "cert", name, true});
    wanted.push_back({base + "renewal", name, false});
  }
  std::map<std::string, PublicVersion> out;
  for (size_t i = 0; i < wanted.size(); i += kMaxTxnOps) {
    etcd::TxnRequest txn;
    const size_t end = std::min(wanted.size(), i + kMaxTxnOps);
    for (size_t k = i; k < end; ++k)
      txn.success.push_back(etcd::KeyRange(wanted[k].key));
    const std::vector<etcd::TxnOpResult> got = client.Txn(txn).responses;
    for (size_t k = i; k < end && k - i < got.size(); ++k) {
      for (const etcd::KeyValue& kv :
           std::get<etcd::RangeResult>(got[k - i]).kvs) {
        PublicVersion& v = out[wanted[k].name];
        (wanted[k].cert ? v.cert : v.renewal) = kv.value;
      }
    }
  }
  return out;
}

}  // namespace certpilot::fleet
