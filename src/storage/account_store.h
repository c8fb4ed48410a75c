// ACME accounts stored as certbot stores them, so either tool can use the
// other's accounts:
//   CONFIG/accounts/<ServerPath(server)>/<id>/        0700
//     private_key.json  the private JWK as JSON        0400
//     regr.json         {"body": {account object}, "uri": "<account URL>"}
//     meta.json         {"creation_dt": "<RFC 3339>",
//                        "creation_host": "<host>", "register_to_eff": null}
// where id = MD5 hex of the key's SubjectPublicKeyInfo in PEM (certbot's).
//
// A new account directory is written completely under a hidden temporary
// name and renamed into place, so List/Find never see half an account,
// even after a crash; entries whose names start with "." are ignored.
// Not thread-safe; callers hold the accounts lock (sys/file_lock.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/private_key.h"
#include "storage/layout.h"
#include "storage/storage_error.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::storage {

struct StoredAccount {
  std::string id;   // AccountStore::AccountId(key)
  std::string url;  // the account URL (RFC 8555 §7.3, Location header)
  crypto::PrivateKey key;
  // The account object (RFC 8555 §7.1.2) as JSON text; "" is stored as {}.
  // Read back re-serialised (same content, not necessarily the same bytes).
  std::string body_json;
};

class AccountStore {
 public:
  // `fs` and `clock` must outlive the store. `hostname` goes into the
  // meta.json of accounts this store creates (sys::Hostname() in
  // production).
  AccountStore(sys::Filesystem& fs, Layout layout, const Clock& clock,
               std::string hostname);

  // certbot's account id: hex MD5 of the public key's PEM SPKI.
  static std::string AccountId(const crypto::PrivateKey& key);

  // Every account for the server, sorted by id; empty if none. Throws
  // StorageError naming the file if an account directory cannot be read
  // (rather than silently skipping an account someone may rely on).
  std::vector<StoredAccount> List(const std::string& server_url);
  // nullopt if there is no such account directory.
  std::optional<StoredAccount> Find(const std::string& server_url,
                                    const std::string& id);
  // New account: the directory is built at accounts/<server>/.<id>.new and
  // renamed into place. Existing account (same id, hence same key): only
  // regr.json is replaced, atomically; private_key.json and meta.json are
  // left as they are. Throws StorageError if account.id is not
  // AccountId(account.key), the URL is empty, or body_json is not a JSON
  // object.
  void Save(const std::string& server_url, const StoredAccount& account);
  // Renames the directory aside (so it disappears at once), then deletes
  // it. Throws StorageError(ENOENT) if there is no such account.
  void Remove(const std::string& server_url, const std::string& id);

  // Account key rollover (RFC 8555 §7.3.5) in two steps around the CA's
  // answer: StageKey writes the new key beside the current one
  // (private_key.json.new, 0400); CommitKey renames it over the current one
  // (atomic); DiscardStagedKey removes it. The account keeps its id (and so
  // its directory and every renewal conf that names it), which after a
  // rollover is no longer the md5 of its key.
  void StageKey(const std::string& server_url, const std::string& id,
                const crypto::PrivateKey& new_key);
  void CommitKey(const std::string& server_url, const std::string& id);
  void DiscardStagedKey(const std::string& server_url, const std::string& id);
  // The staged key, if a rollover was interrupted between the CA's answer
  // and the commit.
  std::optional<crypto::PrivateKey> StagedKey(const std::string& server_url,
                                              const std::string& id);

  // Throws UsageError unless `id` is lowercase hex (certbot's ids), which
  // also keeps it from naming anything outside the server directory.
  static void ValidateId(const std::string& id);

 private:
  StoredAccount Load(const std::string& dir, const std::string& id);

  sys::Filesystem& fs_;
  Layout layout_;
  const Clock& clock_;
  std::string hostname_;
};

}  // namespace certpilot::storage
