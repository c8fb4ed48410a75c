#include "fleet/challenge_record.h"

#include "fleet/fleet_error.h"
#include "fleet/key_names.h"
#include "util/base64url.h"
#include "util/strings.h"

namespace certpilot::fleet {
namespace {

std::string_view CheckedToken(std::string_view token) {
  if (!IsBase64Url(token))
    throw FleetError("challenge token \"" + StripControl(std::string(token)) +
                     "\" is not base64url (RFC 8555 §8.1)");
  return token;
}

}  // namespace

std::string ChallengesPrefix(std::string_view prefix) {
  return FleetKey(prefix, "challenges") + "/";
}

std::string ChallengeKey(std::string_view prefix, std::string_view token) {
  return ChallengesPrefix(prefix) + std::string(CheckedToken(token));
}

void PublishChallenge(etcd::Client& client, std::string_view prefix,
                      std::string_view token,
                      std::string_view key_authorization, int64_t lease) {
  if (lease == 0)
    throw FleetError("a key authorization is published under a lease");
  client.Put(
      {ChallengeKey(prefix, token), std::string(key_authorization), lease});
}

std::optional<std::string> LookupChallenge(etcd::Client& client,
                                           std::string_view prefix,
                                           std::string_view token) {
  etcd::RangeResult found =
      client.Range(etcd::KeyRange(ChallengeKey(prefix, token)));
  if (found.kvs.empty()) return std::nullopt;
  return found.kvs[0].value;
}

std::map<std::string, std::string> ChallengesIn(
    std::string_view prefix, const std::vector<etcd::KeyValue>& kvs) {
  const std::string base = ChallengesPrefix(prefix);
  std::map<std::string, std::string> tokens;
  for (const etcd::KeyValue& kv : kvs) {
    if (!StartsWith(kv.key, base)) continue;
    std::string token = kv.key.substr(base.size());
    if (IsBase64Url(token)) tokens[std::move(token)] = kv.value;
  }
  return tokens;
}

std::map<std::string, std::string> ListChallenges(etcd::Client& client,
                                                  std::string_view prefix) {
  return ChallengesIn(prefix, client.RangePrefix(ChallengesPrefix(prefix)).kvs);
}

void WithdrawChallenge(etcd::Client& client, std::string_view prefix,
                       std::string_view token) {
  client.Delete({ChallengeKey(prefix, token), ""});
}

}  // namespace certpilot::fleet
