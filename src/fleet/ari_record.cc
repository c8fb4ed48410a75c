#include "fleet/ari_record.h"

#include <vector>

#include "fleet/key_names.h"

namespace certpilot::fleet {
namespace {

std::string AriPrefix(std::string_view prefix) {
  return FleetKey(prefix, "ari") + "/";
}

}  // namespace

std::string AriKey(std::string_view prefix, std::string_view lineage) {
  return AriPrefix(prefix) + std::string(CheckedName(lineage));
}

std::map<std::string, std::string> LoadAriRecords(etcd::Client& client,
                                                  std::string_view prefix) {
  const std::string base = AriPrefix(prefix);
  std::map<std::string, std::string> out;
  for (etcd::KeyValue& kv : client.RangePrefix(base).kvs) {
    std::string name = kv.key.substr(base.size());
    if (!name.empty() && name.find('/') == std::string::npos)
      out.emplace(std::move(name), std::move(kv.value));
  }
  return out;
}

void PutAriRecords(etcd::Client& client, std::string_view prefix,
                   const std::map<std::string, std::string>& states) {
  etcd::TxnRequest txn;
  auto flush = [&] {
    if (!txn.success.empty()) client.Txn(txn);
    txn.success.clear();
  };
  for (const auto& [name, state] : states) {
    txn.success.push_back(etcd::PutRequest{AriKey(prefix, name), state, 0});
    if (txn.success.size() == etcd::kMaxTxnOps) flush();
  }
  flush();
}

}  // namespace certpilot::fleet
