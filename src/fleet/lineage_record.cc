#include "fleet/lineage_record.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/sealed_box.h"
#include "etcd/key_range.h"
#include "fleet/fleet_error.h"
#include "fleet/key_names.h"
#include "fleet/lineage_tombstone.h"
#include "util/strings.h"

namespace certpilot::fleet {
namespace {

constexpr std::string_view kCurrent = "current";
constexpr std::string_view kPrivkey = "privkey";

// Each part's key name under vN/ and its field.
struct Part {
  std::string_view name;
  std::string LineageFiles::*field;
};
constexpr std::array<Part, 5> kParts = {{
    {"cert", &LineageFiles::cert},
    {"chain", &LineageFiles::chain},
    {"fullchain", &LineageFiles::fullchain},
    {kPrivkey, &LineageFiles::privkey},
    {"renewal", &LineageFiles::renewal},
}};

std::string VersionPrefix(const std::string& lineage, int64_t version) {
  return lineage + "v" + std::to_string(version) + "/";
}

}  // namespace

std::string OpenSealed(const crypto::SealKeys& keys, const std::string& key,
                       const std::string& envelope) {
  try {
    return keys.Open(envelope, key);
  } catch (const crypto::CryptoError& e) {
    std::string sealed_by;
    try {
      sealed_by = crypto::HexLower(crypto::SealedKeyId(envelope));
    } catch (const crypto::CryptoError&) {
      throw FleetError(key + " is not a sealed private key: " + e.what());
    }
    std::vector<std::string> ours;
    for (const std::string& id : keys.ids())
      ours.push_back(crypto::HexLower(id));
    if (std::find(ours.begin(), ours.end(), sealed_by) == ours.end())
      throw FleetError(key + " was sealed under fleet key " + sealed_by +
                       ", this node has fleet key " + Join(ours, ", ") +
                       " (--fleet-secret-file, --fleet-old-secret-file)");
    throw FleetError(key +
                     " does not open with this node's fleet key: altered, "
                     "or copied from another key name (" +
                     e.what() + ")");
  }
}

std::string LineagePrefix(std::string_view prefix, std::string_view name) {
  return FleetKey(prefix, "lineages") + "/" + std::string(CheckedName(name)) +
         "/";
}

std::optional<int64_t> PublishLineage(etcd::Client& client, const Fence& fence,
                                      std::string_view prefix,
                                      std::string_view name,
                                      const LineageFiles& files,
                                      std::string_view fleet_key) {
  return PublishLineage(client, fence, prefix, name, files,
                        crypto::SealKeys(std::string(fleet_key)));
}

std::optional<int64_t> PublishLineage(etcd::Client& client, const Fence& fence,
                                      std::string_view prefix,
                                      std::string_view name,
                                      const LineageFiles& files,
                                      const crypto::SealKeys& keys) {
  const std::string lineage = LineagePrefix(prefix, name);
  const std::string current_key = lineage + std::string(kCurrent);
  etcd::RangeResult current = client.Range(etcd::KeyRange(current_key));
  int64_t version = 1;
  int64_t read_mod_revision = 0;  // 0: absent, as etcd compares it
  if (!current.kvs.empty()) {
    // After a fleet delete, the number after the last deleted version:
    // numbers are never reused (lineage_tombstone.h).
    const std::optional<Tombstone> deleted =
        ParseTombstone(current.kvs[0].value);
    version =
        (deleted ? deleted->deleted
                 : ParseCurrentVersion(current_key, current.kvs[0].value)) +
        1;
    read_mod_revision = current.kvs[0].mod_revision;
  }
  const std::string base = VersionPrefix(lineage, version);
  std::vector<etcd::PutRequest> puts;
  for (const Part& part : kParts) {
    std::string key = base + std::string(part.name);
    std::string value = files.*part.field;
    if (part.name == kPrivkey) value = keys.Seal(value, key);
    puts.push_back({std::move(key), std::move(value), 0});
  }
  puts.push_back({current_key, std::to_string(version), 0});
  const std::vector<etcd::Compare> guard = {etcd::Compare::ModRevision(
      current_key, etcd::Compare::Result::kEqual, read_mod_revision)};
  if (!CommitFenced(client, fence, puts, guard)) return std::nullopt;
  return version;
}

std::optional<LoadedLineage> LoadLineage(etcd::Client& client,
                                         std::string_view prefix,
                                         std::string_view name,
                                         std::string_view fleet_key) {
  return LoadLineage(client, prefix, name,
                     crypto::SealKeys(std::string(fleet_key)));
}

std::optional<LoadedLineage> LoadLineage(etcd::Client& client,
                                         std::string_view prefix,
                                         std::string_view name,
                                         const crypto::SealKeys& keys) {
  const std::string lineage = LineagePrefix(prefix, name);
  const std::string current_key = lineage + std::string(kCurrent);
  etcd::RangeResult current = client.Range(etcd::KeyRange(current_key));
  if (current.kvs.empty()) return std::nullopt;
  if (ParseTombstone(current.kvs[0].value)) return std::nullopt;  // deleted
  LoadedLineage loaded;
  loaded.version = ParseCurrentVersion(current_key, current.kvs[0].value);
  loaded.revision = current.revision;
  // The version's keys as of the revision `current` was read at: one
  // consistent snapshot even if a newer version lands meanwhile.
  const std::string base = VersionPrefix(lineage, loaded.version);
  etcd::RangeRequest request;
  request.key = base;
  request.range_end = etcd::PrefixRangeEnd(base);
  request.revision = current.revision;
  etcd::RangeResult parts = client.Range(request);
  std::map<std::string, std::string> values;
  for (auto& kv : parts.kvs) values[kv.key] = std::move(kv.value);
  for (const Part& part : kParts) {
    const std::string key = base + std::string(part.name);
    auto it = values.find(key);
    if (it == values.end())
      throw FleetError("version " + std::to_string(loaded.version) + " of " +
                       lineage + " has no " + std::string(part.name) + " (" +
                       key + ")");
    loaded.files.*part.field = part.name == kPrivkey
                                   ? OpenSealed(keys, key, it->second)
                                   : std::move(it->second);
  }
  return loaded;
}

}  // namespace certpilot::fleet
