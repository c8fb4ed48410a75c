#include "app/account_setup.h"

#include <algorithm>

#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {

void ValidateEmail(const std::string& email) {
  size_t at = email.find('@');
  bool ok = at != std::string::npos && at > 0 && at + 1 < email.size() &&
            email.find('@', at + 1) == std::string::npos;
  for (char c : email)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == ',' || c == ';' ||
        c == '<' || c == '>' || c == '"')
      ok = false;
  if (!ok) throw UsageError("invalid email address \"" + StripControl(email) + "\"");
}

std::optional<Registration> PrepareRegistration(const CommonOptions& options,
                                                storage::AccountStore& store,
                                                Prompter& prompter) {
  if (!store.List(options.ServerUrl()).empty()) return std::nullopt;
  Registration reg;
  std::string email = options.email;
  if (email.empty() && !options.register_unsafely_without_email) {
    if (!prompter.interactive())
      throw UsageError(
          "an email address is needed to register an account: pass -m EMAIL "
          "(or --register-unsafely-without-email)");
    auto answer = prompter.Ask(
        "Enter an email address (for urgent renewal and security notices):");
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
          "you must agree to the CA's terms of service to register: pass --agree-tos");
    if (!prompter.Confirm("Do you agree to the ACME server's terms of service at " +
                          options.ServerUrl() + "?"))
      throw UsageError("the terms of service were not accepted");
  }
  return reg;
}

void UseAccount(acme::Client& client, const CommonOptions& options,
                storage::AccountStore& store,
                const std::optional<Registration>& registration) {
  std::string server = options.ServerUrl();
  std::vector<storage::StoredAccount> accounts = store.List(server);
  if (!accounts.empty()) {
    client.SetAccountKey(accounts.front().key, accounts.front().url);
    log::Debug("Using account " + accounts.front().url);
    return;
  }
  if (!registration) throw Error("internal: no account and no registration data");
  crypto::PrivateKey key = crypto::PrivateKey::Generate({crypto::KeyType::kEcdsa, 0, "secp256r1"});
  client.SetAccountKey(key);
  acme::NewAccountOptions o;
  o.contact = registration->contact;
  o.terms_of_service_agreed = true;
  log::Info("Registering an account with " + server);
  acme::Account account = client.NewAccount(o);
  store.Save(server, storage::StoredAccount{storage::AccountStore::AccountId(key),
                                            account.url, key, account.raw_json});
  log::Info("Account registered: " + account.url);
}

}  // namespace certpilot::app
