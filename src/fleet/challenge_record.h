// HTTP-01 key authorizations shared through etcd (issue #17), so that every
// node of the fleet answers the CA's validation request, whichever node it
// reaches:
//
//   PREFIX/challenges/TOKEN   the key authorization (RFC 8555 §8.1), put
//                             under the renewer's lease
//
// The lease (at most 600 s, the renewer's choice) makes a key authorization
// whose renewer died vanish by itself; Withdraw removes it as soon as the
// order no longer needs it (RFC 8555 §8.3: de-provision). A token is
// base64url (RFC 8555 §8.1), so it is always one key segment.
//
// Errors: etcd::EtcdError from etcd; FleetError for a token that is not
// base64url or a bad prefix (key_names.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "etcd/client.h"

namespace certpilot::fleet {

// The longest lease a key authorization is published under: an order that
// takes longer has stalled, and a token must not outlive it for long.
constexpr int64_t kMaxChallengeTtlSeconds = 600;

// PREFIX/challenges/ (with the slash: the prefix of every token's key).
std::string ChallengesPrefix(std::string_view prefix);
// PREFIX/challenges/TOKEN.
std::string ChallengeKey(std::string_view prefix, std::string_view token);

// Puts `key_authorization` for `token` under `lease` (replacing what was
// there). REQUIRES: lease != 0 (a key authorization never outlives its
// renewer): FleetError otherwise.
void PublishChallenge(etcd::Client& client, std::string_view prefix,
                      std::string_view token,
                      std::string_view key_authorization, int64_t lease);

// The key authorization published for `token`, or nullopt.
std::optional<std::string> LookupChallenge(etcd::Client& client,
                                           std::string_view prefix,
                                           std::string_view token);

// Every published key authorization by token, read in one request. Keys
// under the prefix that are not a base64url token are ignored (nothing
// could ask for them).
std::map<std::string, std::string> ListChallenges(etcd::Client& client,
                                                  std::string_view prefix);

// Deletes the key authorization of `token`; a token not published is not an
// error.
void WithdrawChallenge(etcd::Client& client, std::string_view prefix,
                       std::string_view token);

// The tokens and key authorizations under ChallengesPrefix(prefix) among
// `kvs` (a Range's answer), as ListChallenges reads them.
std::map<std::string, std::string> ChallengesIn(
    std::string_view prefix, const std::vector<etcd::KeyValue>& kvs);

}  // namespace certpilot::fleet
