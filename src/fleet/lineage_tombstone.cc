#include "fleet/lineage_tombstone.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "etcd/key_range.h"
#include "fleet/ari_record.h"
#include "fleet/fleet_error.h"
#include "fleet/lineage_record.h"
#include "util/strings.h"

namespace certpilot::fleet {

std::string TombstoneJson(const Tombstone& t) {
  return nlohmann::json{
      {"deleted", t.deleted}, {"time", t.time}, {"node", t.node}}
      .dump();
}

std::optional<Tombstone> ParseTombstone(std::string_view value) {
  const nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto deleted = j.find("deleted");
  if (deleted == j.end() || !deleted->is_number_integer() ||
      deleted->get<int64_t>() < 0)
    return std::nullopt;
  Tombstone t;
  t.deleted = deleted->get<int64_t>();
  auto time = j.find("time");
  if (time != j.end() && time->is_number_integer())
    t.time = time->get<int64_t>();
  auto node = j.find("node");
  if (node != j.end() && node->is_string()) t.node = node->get<std::string>();
  return t;
}

int64_t ParseCurrentVersion(const std::string& key, const std::string& text) {
  int64_t version = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, version);
  if (ec != std::errc() || ptr != end || version <= 0)
    throw FleetError(key + " holds \"" + StripControl(text) +
                     "\", neither a version number nor a tombstone");
  return version;
}

LineageCurrent ReadLineageCurrent(etcd::Client& client, std::string_view prefix,
                                  std::string_view name) {
  const std::string key = LineagePrefix(prefix, name) + "current";
  etcd::RangeResult current = client.Range(etcd::KeyRange(key));
  LineageCurrent result;
  if (current.kvs.empty()) return result;
  result.tombstone = ParseTombstone(current.kvs[0].value);
  if (!result.tombstone)
    result.version = ParseCurrentVersion(key, current.kvs[0].value);
  return result;
}

TombstoneResult WriteTombstone(etcd::Client& client, const Fence& fence,
                               std::string_view prefix, std::string_view name,
                               int64_t time, std::string_view node) {
  const std::string lineage = LineagePrefix(prefix, name);
  const std::string current_key = lineage + "current";
  TombstoneResult result;
  etcd::RangeResult current = client.Range(etcd::KeyRange(current_key));
  if (current.kvs.empty() || ParseTombstone(current.kvs[0].value))
    return result;  // kAbsent
  const int64_t version =
      ParseCurrentVersion(current_key, current.kvs[0].value);
  result.tombstone = {version, time, std::string(node)};
  // Every vN/ key is under "NAME/v" and `current` is not: one range delete
  // takes every version, however many there are (etcd caps the operations
  // of a transaction, not the keys a range deletes).
  const std::string versions = lineage + "v";
  const std::vector<etcd::TxnOp> ops = {
      etcd::DeleteRequest{versions, etcd::PrefixRangeEnd(versions)},
      etcd::DeleteRequest{AriKey(prefix, name), ""},
      etcd::PutRequest{current_key, TombstoneJson(result.tombstone), 0},
  };
  const std::vector<etcd::Compare> guard = {etcd::Compare::ModRevision(
      current_key, etcd::Compare::Result::kEqual, current.kvs[0].mod_revision)};
  result.outcome = CommitFencedOps(client, fence, ops, guard)
                       ? TombstoneOutcome::kWritten
                       : TombstoneOutcome::kRefused;
  return result;
}

}  // namespace certpilot::fleet
