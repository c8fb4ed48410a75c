// The fleet's ACME account per CA (issue #17): every node orders with one
// account, so the CA sees one customer and its rate limits count once.
//
//   PREFIX/accounts/ID/server   the CA's directory URL
//   PREFIX/accounts/ID/url      the account URL (RFC 8555 §7.3)
//   PREFIX/accounts/ID/regr     the account object (RFC 8555 §7.1.2), JSON
//   PREFIX/accounts/ID/key      the account's private key (PEM), sealed
//
// where ID is the hex SHA-256 of the directory URL (a URL holds '/', which
// cannot be one segment of a key). The private key is sealed under the
// fleet key exactly as a lineage's is (lineage_record.h): AES-256-GCM, its
// own etcd key name as associated data.
//
// An account is published once, with a create-only transaction (`key`'s
// create revision is 0): two nodes that register at the same moment both
// try, one wins, and the loser reads the winner's account in the same
// transaction and uses it. Nothing here rewrites an account except
// `fleet rekey` (reseal.h), which re-seals the key in place.
//
// Errors: etcd::EtcdError from etcd; FleetError for an incomplete record or
// a key that does not open (naming the etcd key).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/sealed_box.h"
#include "etcd/client.h"

namespace certpilot::fleet {

struct SharedAccount {
  std::string server;     // the CA's directory URL
  std::string url;        // the account URL
  std::string body_json;  // the account object
  std::string key_pem;    // in the clear here; sealed in etcd

  bool operator==(const SharedAccount&) const = default;
};

// PREFIX/accounts/ (with the slash): every account's keys.
std::string AccountsPrefix(std::string_view prefix);
// PREFIX/accounts/ID/ for the CA at `server`.
std::string AccountPrefix(std::string_view prefix, std::string_view server);

// Publishes `account` as the fleet's account for account.server unless
// the fleet has one already. Returns nullopt when it was published, else
// the account the fleet holds (another node's, or this one's published
// before), its key opened with `keys`: the caller uses that one.
std::optional<SharedAccount> PublishAccount(etcd::Client& client,
                                            std::string_view prefix,
                                            const SharedAccount& account,
                                            const crypto::SealKeys& keys);

// The fleet's account for `server`, its key opened; nullopt when there is
// none.
std::optional<SharedAccount> LoadAccount(etcd::Client& client,
                                         std::string_view prefix,
                                         std::string_view server,
                                         const crypto::SealKeys& keys);

}  // namespace certpilot::fleet
