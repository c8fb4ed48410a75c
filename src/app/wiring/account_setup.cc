#include "app/wiring/account_setup.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/base64url.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateEmail(const std::string& email) {
  size_t at = email.find('@');
  bool ok = at != std::string::npos && at > 0 && at + 1 < email.size() &&
            email.find('@', at + 1) == std::string::npos;
  for (char c : email)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == ',' ||
        c == ';' || c == '<' || c == '>' || c == '"')
      ok = false;
  if (!ok)
    throw UsageError("invalid email address \"" + StripControl(email) + "\"");
}

std::vector<std::string> ContactOf(const storage::StoredAccount& account) {
  const nlohmann::json body = nlohmann::json::parse(account.body_json, nullptr,
                                                    /*allow_exceptions=*/false);
  std::vector<std::string> contact;
  if (body.is_object() && body.contains("contact") &&
      body["contact"].is_array())
    for (const nlohmann::json& c : body["contact"])
      if (c.is_string()) contact.push_back(c.get<std::string>());
  return contact;
}

std::optional<Registration> DryRunRegistration(storage::AccountStore& store,
                                               const std::string& own_server,
                                               const std::string& account_id,
                                               const std::string& dry_server) {
  if (dry_server == own_server || !store.List(dry_server).empty())
    return std::nullopt;
  std::optional<storage::StoredAccount> own =
      account_id.empty() ? std::nullopt : store.Find(own_server, account_id);
  if (!own) {
    std::vector<storage::StoredAccount> all = store.List(own_server);
    if (all.empty()) return std::nullopt;
    own = all.front();
  }
  Registration registration;
  registration.contact = ContactOf(*own);
  return registration;
}

std::string ResolveEabKey(const CommonOptions& o) {
  std::string text = o.eab_hmac_key;
  if (!o.eab_hmac_key.empty())
    log::Warning(
        "--eab-hmac-key on the command line is visible to other users; prefer "
        "--eab-hmac-key-file or $CERTPILOT_EAB_HMAC_KEY");
  if (!o.eab_hmac_key_file.empty()) {
    std::ifstream in(o.eab_hmac_key_file);
    if (!in)
      throw UsageError("cannot read --eab-hmac-key-file " +
                       StripControl(o.eab_hmac_key_file));
    std::stringstream ss;
    ss << in.rdbuf();
    text = std::string(Trim(ss.str()));
  }
  if (text.empty())
    if (const char* env = std::getenv("CERTPILOT_EAB_HMAC_KEY"))
      text = std::string(Trim(env));
  if (!text.empty())
    log::AddSecret(text);  // whatever its source, never in a log
  if (o.eab_kid.empty() && text.empty()) return "";
  if (o.eab_kid.empty()) throw UsageError("an EAB HMAC key needs --eab-kid");
  if (text.empty())
    throw UsageError(
        "--eab-kid needs the HMAC key: --eab-hmac-key-file, --eab-hmac-key or "
        "$CERTPILOT_EAB_HMAC_KEY");
  if (o.eab_hmac_alg != "HS256" && o.eab_hmac_alg != "HS384" &&
      o.eab_hmac_alg != "HS512")
    throw UsageError("--eab-hmac-alg must be HS256, HS384 or HS512");
  // CAs hand the key out base64url-encoded; some pad it.
  while (!text.empty() && text.back() == '=') text.pop_back();
  std::optional<std::string> raw = Base64UrlDecode(text);
  if (!raw || raw->empty())
    throw UsageError("the EAB HMAC key is not base64url");
  return *raw;
}

storage::StoredAccount FindChosenAccount(storage::AccountStore& store,
                                         const std::string& server,
                                         const std::string& id) {
  // An id names a directory under accounts/SERVER/: nothing that could
  // lead out of it or to a hidden (half-written) one.
  if (id.empty() || id.front() == '.' || id.find('/') != std::string::npos)
    throw UsageError("--account " + StripControl(id) +
                     ": not an account ID (see show_account)");
  if (std::optional<storage::StoredAccount> found = store.Find(server, id))
    return *found;
  std::vector<std::string> ids;
  for (const storage::StoredAccount& a : store.List(server))
    ids.push_back(a.id);
  throw UsageError("--account " + StripControl(id) +
                   ": no such account is stored for " + StripControl(server) +
                   " (stored: " + (ids.empty() ? "none" : Join(ids, ", ")) +
                   ")");
}

std::optional<Registration> PrepareRegistration(const CommonOptions& options,
                                                storage::AccountStore& store,
                                                Prompter& prompter) {
  if (!options.account.empty()) {
    FindChosenAccount(store, options.ServerUrl(), options.account);
    return std::nullopt;
  }
  if (!store.List(options.ServerUrl()).empty()) return std::nullopt;
  Registration reg;
  reg.eab_hmac_key = ResolveEabKey(options);
  if (!reg.eab_hmac_key.empty()) {
    reg.eab_kid = options.eab_kid;
    reg.eab_hmac_alg = options.eab_hmac_alg;
  }
  std::string email = options.email;
  if (email.empty() && !options.register_unsafely_without_email) {
    if (!prompter.interactive())
      throw UsageError(
          "an email address is needed to register an account: pass -m EMAIL "
          "(or --register-unsafely-without-email)");
    auto answer = prompter.Ask(
        "Enter an email address (for the CA's notices about your account):");
    if (!answer || answer->empty()) throw UsageError("no email address given");
    email = *answer;
  }
  if (!email.empty()) {
    for (const std::string& one : Split(email, ',')) {
      std::string e(Trim(one));
      ValidateEmail(e);
      reg.contact.push_back("mailto:" + e);
    }
  }
  if (!options.agree_tos) {
    if (!prompter.interactive())
      throw UsageError(
          "you must agree to the CA's terms of service to register: pass "
          "--agree-tos");
    if (!prompter.Confirm(
            "Do you agree to the ACME server's terms of service at " +
            options.ServerUrl() + "?"))
      throw UsageError("the terms of service were not accepted");
  }
  return reg;
}

std::string UseAccount(acme::Client& client, const CommonOptions& options,
                       storage::AccountStore& store,
                       const std::optional<Registration>& registration) {
  std::string server = options.ServerUrl();
  std::vector<storage::StoredAccount> accounts;
  if (!options.account.empty())
    accounts.push_back(FindChosenAccount(store, server, options.account));
  else
    accounts = store.List(server);
  if (!accounts.empty()) {
    client.SetAccountKey(accounts.front().key, accounts.front().url);
    log::Debug("Using account " + accounts.front().url);
    return accounts.front().id;
  }
  if (!registration)
    throw Error("internal: no account and no registration data");
  crypto::PrivateKey key =
      crypto::PrivateKey::Generate({crypto::KeyType::kEcdsa, 0, "secp256r1"});
  client.SetAccountKey(key);
  if (client.GetDirectory().meta.external_account_required &&
      registration->eab_kid.empty())
    throw UsageError(
        server +
        " requires External Account Binding: pass --eab-kid and the "
        "HMAC key (--eab-hmac-key-file, --eab-hmac-key or "
        "$CERTPILOT_EAB_HMAC_KEY) "
        "from your CA account");
  acme::NewAccountOptions o;
  o.contact = registration->contact;
  o.terms_of_service_agreed = true;
  o.eab_kid = registration->eab_kid;
  o.eab_hmac_key = registration->eab_hmac_key;
  o.eab_algorithm =
      registration->eab_hmac_alg.empty() ? "HS256" : registration->eab_hmac_alg;
  log::Info("Registering an account with " + server);
  acme::Account account = client.NewAccount(o);
  std::string id = storage::AccountStore::AccountId(key);
  store.Save(server,
             storage::StoredAccount{id, account.url, key, account.raw_json});
  log::Info("Account registered: " + account.url);
  return id;
}

}  // namespace certpilot::app
