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
                                                  std::string_view prefix,
                                                  std::string_view first,
                                                  std::string_view last) {
  const std::string base = AriPrefix(prefix);
  std::map<std::string, std::string> out;
  etcd::RangeResult range;
  if (first.empty() || last.empty()) {
    range = client.RangePrefix(base);
  } else {
    etcd::RangeRequest request = etcd::KeyRange(AriKey(prefix, first));
    // The smallest key after PREFIX/ari/LAST: the range is half-open.
    request.range_end = AriKey(prefix, last) + '\0';
    range = client.Range(request);
  }
  for (etcd::KeyValue& kv : range.kvs) {
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
