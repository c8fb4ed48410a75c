#include "storage/account_store.h"

#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"
#include "util/error.h"
#include "util/strings.h"

namespace certpilot::storage {
namespace {

using nlohmann::json;
using sys::JoinPath;

constexpr char kKeyFile[] = "private_key.json";
constexpr char kRegrFile[] = "regr.json";
constexpr char kMetaFile[] = "meta.json";

}  // namespace

AccountStore::AccountStore(sys::Filesystem& fs, Layout layout,
                           const Clock& clock, std::string hostname)
    : fs_(fs),
      layout_(std::move(layout)),
      clock_(clock),
      hostname_(std::move(hostname)) {}

std::string AccountStore::AccountId(const crypto::PrivateKey& key) {
  // certbot hashes the PEM form (account.py: public_bytes(Encoding.PEM,
  // PublicFormat.SubjectPublicKeyInfo)), not the DER.
  return crypto::Md5Hex(key.PublicKeyPem());
}

void AccountStore::ValidateId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id) {
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  if (!ok) {
    throw UsageError("invalid account id \"" + StripControl(id) +
                     "\": expected lowercase hex");
  }
}

StoredAccount AccountStore::Load(const std::string& dir,
                                 const std::string& id) {
  std::string file;
  try {
    file = JoinPath(dir, kKeyFile);
    json jwk = json::parse(fs_.ReadFile(file));
    if (!jwk.is_object())
      throw StorageError(file + ": not a JSON object", file, 0);
    std::map<std::string, std::string> fields;
    for (const auto& [name, value] : jwk.items()) {
      if (value.is_string()) fields[name] = value.get<std::string>();
    }
    crypto::PrivateKey key = crypto::PrivateKeyFromJwkFields(fields);

    file = JoinPath(dir, kRegrFile);
    json regr = json::parse(fs_.ReadFile(file));
    if (!regr.is_object() || !regr.contains("uri") ||
        !regr["uri"].is_string()) {
      throw StorageError(file + ": no \"uri\" string", file, 0);
    }
    std::string body = regr.contains("body") && regr["body"].is_object()
                           ? regr["body"].dump()
                           : "{}";
    return StoredAccount{id, regr["uri"].get<std::string>(), std::move(key),
                         std::move(body)};
  } catch (const sys::SysError& e) {
    throw StorageError("reading account " + id + ": " + e.what(), e.path(),
                       e.error_code());
  } catch (const json::exception& e) {
    throw StorageError("reading account " + id + ": " + file + ": " + e.what(),
                       file, 0);
  } catch (const crypto::CryptoError& e) {
    throw StorageError("reading account " + id + ": " + file + ": " + e.what(),
                       file, 0);
  }
}

std::vector<StoredAccount> AccountStore::List(const std::string& server_url) {
  const std::string root = layout_.accounts_dir(server_url);
  std::vector<std::string> ids;
  try {
    if (!fs_.IsDir(root)) return {};
    for (const std::string& entry : fs_.ListDir(root)) {
      if (StartsWith(entry, ".")) continue;  // work in progress, or removal
      if (fs_.IsDir(JoinPath(root, entry))) ids.push_back(entry);
    }
  } catch (const sys::SysError& e) {
    throw StorageError(std::string("listing accounts: ") + e.what(), e.path(),
                       e.error_code());
  }
  std::vector<StoredAccount> accounts;
  for (const std::string& id : ids) {
    accounts.push_back(Load(JoinPath(root, id), id));
  }
  return accounts;
}

std::optional<StoredAccount> AccountStore::Find(const std::string& server_url,
                                                const std::string& id) {
  ValidateId(id);
  const std::string dir = JoinPath(layout_.accounts_dir(server_url), id);
  try {
    if (!fs_.IsDir(dir)) return std::nullopt;
  } catch (const sys::SysError& e) {
    throw StorageError("reading account " + id + ": " + e.what(), e.path(),
                       e.error_code());
  }
  return Load(dir, id);
}

void AccountStore::Save(const std::string& server_url,
                        const StoredAccount& account) {
  const std::string root = layout_.accounts_dir(server_url);
  ValidateId(account.id);
  if (account.url.empty()) {
    throw StorageError("saving account " + account.id + ": no account URL",
                       root, EINVAL);
  }
  json body = json::object();
  if (!account.body_json.empty()) {
    try {
      body = json::parse(account.body_json);
    } catch (const json::exception& e) {
      throw StorageError("saving account " + account.id + ": " + e.what(), root,
                         EINVAL);
    }
  }
  if (!body.is_object()) {
    throw StorageError("saving account " + account.id +
                           ": the account body is not a JSON "
                           "object",
                       root, EINVAL);
  }
  const std::string regr =
      json{{"body", std::move(body)}, {"uri", account.url}}.dump();

  const std::string dir = JoinPath(root, account.id);
  const std::string work = JoinPath(root, "." + account.id + ".new");
  bool renamed = false;
  try {
    if (fs_.IsDir(dir)) {
      // Same id, same key: only the registration can have changed.
      sys::WriteFileAtomic(fs_, JoinPath(dir, kRegrFile), regr, 0644);
      return;
    }
    // A new account is named after its key, as certbot names it (a rolled
    // over one keeps its name: see StageKey).
    if (account.id != AccountId(account.key)) {
      throw StorageError("saving account: id \"" + StripControl(account.id) +
                             "\" is not the key's (" + AccountId(account.key) +
                             ")",
                         root, EINVAL);
    }
    if (!fs_.IsDir(root)) fs_.MakeDirs(root, 0700);
    sys::RemoveTree(fs_, work);  // left by a crash
    fs_.MakeDirs(work, 0700);
    json jwk = json::object();
    for (const auto& [name, value] : crypto::PrivateJwkFields(account.key)) {
      jwk[name] = value;
    }
    json meta = {{"creation_dt", FormatRfc3339(clock_.Now())},
                 {"creation_host", hostname_},
                 {"register_to_eff", nullptr}};
    fs_.CreateFileExclusive(JoinPath(work, kKeyFile), jwk.dump(), 0400,
                            std::nullopt);
    fs_.CreateFileExclusive(JoinPath(work, kRegrFile), regr, 0644,
                            std::nullopt);
    fs_.CreateFileExclusive(JoinPath(work, kMetaFile), meta.dump(), 0644,
                            std::nullopt);
    fs_.FsyncDir(work);
    fs_.Rename(work, dir);
    renamed = true;
    fs_.FsyncDir(root);
  } catch (const sys::SysError& e) {
    if (!renamed) {
      try {
        sys::RemoveTree(fs_, work);
      } catch (const sys::SysError&) {
        // Best effort; hidden, and removed by the next Save of this id.
      }
    }
    throw StorageError("saving account " + account.id + ": " + e.what(),
                       e.path(), e.error_code());
  }
}

void AccountStore::Remove(const std::string& server_url,
                          const std::string& id) {
  ValidateId(id);
  const std::string root = layout_.accounts_dir(server_url);
  const std::string dir = JoinPath(root, id);
  const std::string aside = JoinPath(root, "." + id + ".del");
  try {
    sys::RemoveTree(fs_, aside);  // left by an interrupted Remove
    if (!fs_.Exists(dir)) {
      throw StorageError("no account " + id + " in " + root, dir, ENOENT);
    }
    fs_.Rename(dir, aside);
    fs_.FsyncDir(root);
    sys::RemoveTree(fs_, aside);
  } catch (const sys::SysError& e) {
    throw StorageError("removing account " + id + ": " + e.what(), e.path(),
                       e.error_code());
  }
}

namespace {

std::string JwkText(const crypto::PrivateKey& key) {
  json jwk = json::object();
  for (const auto& [name, value] : crypto::PrivateJwkFields(key))
    jwk[name] = value;
  return jwk.dump();
}

}  // namespace

void AccountStore::StageKey(const std::string& server_url,
                            const std::string& id,
                            const crypto::PrivateKey& new_key) {
  ValidateId(id);
  const std::string dir = JoinPath(layout_.accounts_dir(server_url), id);
  const std::string staged = JoinPath(dir, std::string(kKeyFile) + ".new");
  try {
    if (fs_.Exists(staged)) fs_.Unlink(staged);
    fs_.CreateFileExclusive(staged, JwkText(new_key), 0400, std::nullopt);
    fs_.FsyncDir(dir);
  } catch (const sys::SysError& e) {
    throw StorageError("staging the new key of account " + id + ": " + e.what(),
                       e.path(), e.error_code());
  }
}

void AccountStore::CommitKey(const std::string& server_url,
                             const std::string& id) {
  ValidateId(id);
  const std::string dir = JoinPath(layout_.accounts_dir(server_url), id);
  try {
    fs_.Rename(JoinPath(dir, std::string(kKeyFile) + ".new"),
               JoinPath(dir, kKeyFile));
    fs_.FsyncDir(dir);
  } catch (const sys::SysError& e) {
    throw StorageError(
        "installing the new key of account " + id + ": " + e.what(), e.path(),
        e.error_code());
  }
}

void AccountStore::DiscardStagedKey(const std::string& server_url,
                                    const std::string& id) {
  ValidateId(id);
  const std::string staged =
      JoinPath(JoinPath(layout_.accounts_dir(server_url), id),
               std::string(kKeyFile) + ".new");
  try {
    if (fs_.Exists(staged)) fs_.Unlink(staged);
  } catch (const sys::SysError& e) {
    throw StorageError(
        "removing the staged key of account " + id + ": " + e.what(), e.path(),
        e.error_code());
  }
}

std::optional<crypto::PrivateKey> AccountStore::StagedKey(
    const std::string& server_url, const std::string& id) {
  ValidateId(id);
  const std::string staged =
      JoinPath(JoinPath(layout_.accounts_dir(server_url), id),
               std::string(kKeyFile) + ".new");
  try {
    if (!fs_.Exists(staged)) return std::nullopt;
    json jwk = json::parse(fs_.ReadFile(staged));
    std::map<std::string, std::string> fields;
    for (const auto& [name, value] : jwk.items())
      if (value.is_string()) fields[name] = value.get<std::string>();
    return crypto::PrivateKeyFromJwkFields(fields);
  } catch (const std::exception& e) {
    throw StorageError(
        "reading the staged key of account " + id + ": " + e.what(), staged, 0);
  }
}

}  // namespace certpilot::storage
