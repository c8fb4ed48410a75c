// Finding or creating the ACME account a run acts for.
#pragma once

#include "acme/client.h"
#include "app/types/options.h"
#include "app/wiring/prompter.h"
#include "storage/account_store.h"

namespace certpilot::app {

// What registering a new account needs, settled before any network work:
// the contact and the agreement to the CA's terms (asked for on a terminal,
// else required as -m / --agree-tos). Returns nullopt when an account for
// `server` is already stored (nothing to ask); with options.account, that
// account must be stored (FindChosenAccount).
struct Registration {
  std::vector<std::string> contact;  // "mailto:..."
  std::string eab_kid;
  std::string eab_hmac_key;  // raw bytes
  std::string eab_hmac_alg;
};
std::optional<Registration> PrepareRegistration(const CommonOptions& options,
                                                storage::AccountStore& store,
                                                Prompter& prompter);

// The stored account `id` for `server` (--account). Throws UsageError
// naming the id and listing the ids stored for `server` when there is no
// such account.
storage::StoredAccount FindChosenAccount(storage::AccountStore& store,
                                         const std::string& server,
                                         const std::string& id);

// certbot's dry run against Let's Encrypt's staging server (`dry_server`)
// registers an account there when none is stored, its terms agreed, with
// the contact of the account stored for `own_server` (the one with
// `account_id`, else the first), so that a first dry run works unattended.
// nullopt when `dry_server` has an account or `own_server` has none (then
// registration goes as usual).
std::optional<Registration> DryRunRegistration(storage::AccountStore& store,
                                               const std::string& own_server,
                                               const std::string& account_id,
                                               const std::string& dry_server);

// Points `client` at the stored account (options.account if given, which
// must exist: FindChosenAccount), or registers a new one (a fresh
// ECDSA P-256 key — never a certificate key, RFC 8555 §11.1) and stores it.
// Returns the stored account's id (after a key rollover it is no longer the
// md5 of the key, so callers must not recompute it).
std::string UseAccount(acme::Client& client, const CommonOptions& options,
                       storage::AccountStore& store,
                       const std::optional<Registration>& registration);

// The contact URIs ("mailto:...") of a stored account's object; empty when
// it has none or its JSON cannot be read.
std::vector<std::string> ContactOf(const storage::StoredAccount& account);

// The EAB settings of `options`, checked: a kid needs a key and the other
// way round; the key must be base64url; the algorithm HS256/384/512.
// Returns the raw key ("" when no EAB was asked for). Warns when the key was
// given on the command line (other users can read it in the process list).
std::string ResolveEabKey(const CommonOptions& o);

// Throws UsageError unless `email` looks like one address (no spaces,
// commas or control characters, one '@').
void ValidateEmail(const std::string& email);

}  // namespace certpilot::app
