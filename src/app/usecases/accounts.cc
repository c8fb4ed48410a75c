#include "app/usecases/accounts.h"

#include <map>
#include <ostream>

#include "acme/client.h"
#include "app/types/json_text.h"
#include "app/wiring/account_setup.h"
#include "app/wiring/issue.h"
#include "app/wiring/run_context.h"
#include "crypto/jwk.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// A client acting for the stored account. An interrupted rollover (a staged
// key the CA may already know) is settled first: whichever key the CA
// recognises becomes the stored one.
struct AccountSession {
  AccountSession(const AccountOptions& o, Services& services, RunContext& ctx)
      : server(o.common.ServerUrl()),
        http(services.make_http(o.common)),
        client(*http, services.clock, server),
        stored(LoadAccount(ctx, server, "", o.common.account)) {
    if (auto staged = ctx.accounts().StagedKey(server, stored.id)) {
      acme::Client probe(*http, services.clock, server);
      probe.SetAccountKey(*staged);
      if (probe.FindAccount()) {
        log::Warning("finishing an interrupted key rollover of account " +
                     stored.id);
        ctx.accounts().CommitKey(server, stored.id);
        stored.key = *staged;
      } else {
        ctx.accounts().DiscardStagedKey(server, stored.id);
      }
    }
    client.SetAccountKey(stored.key, stored.url);
  }
  std::string server;
  std::unique_ptr<http::HttpClient> http;
  acme::Client client;
  storage::StoredAccount stored;
};

std::vector<std::string> Contacts(const std::string& emails) {
  std::vector<std::string> out;
  for (const std::string& one : Split(emails, ',')) {
    std::string e(Trim(one));
    ValidateEmail(e);
    out.push_back("mailto:" + e);
  }
  return out;
}

}  // namespace

int Register(const AccountOptions& o, Services& services) {
  RunContext ctx(o.common, services);
  const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
  auto existing = ctx.accounts().List(o.common.ServerUrl());
  if (!existing.empty())
    throw Error("an account for " + o.common.ServerUrl() +
                " is already registered (" + existing.front().id +
                "); see show_account and update_account");
  std::optional<Registration> reg =
      PrepareRegistration(o.common, ctx.accounts(), services.prompter);
  auto http = services.make_http(o.common);
  acme::Client client(*http, services.clock, o.common.ServerUrl());
  UseAccount(client, o.common, ctx.accounts(), reg);
  services.out << "Account registered: " << client.kid() << "\n";
  return 0;
}

int ShowAccount(const AccountOptions& o, Services& services) {
  RunContext ctx(o.common, services);
  AccountSession s(o, services, ctx);
  acme::Account a = s.client.GetAccount();
  AccountReport r;
  r.server = s.server;
  r.id = s.stored.id;
  r.url = a.url;
  r.contact = a.contact;
  r.status = acme::StatusName(a.status);
  r.thumbprint = crypto::JwkThumbprint(s.stored.key);
  // draft-ietf-acme-profiles: what --preferred-profile/--required-profile
  // can name at this CA.
  r.profiles = s.client.GetDirectory().meta.profiles;
  if (o.json) {
    services.out << AccountJson(r) << "\n";
    return 0;
  }
  services.out << "Account details for server " << r.server << ":\n"
               << "  Account URL: " << r.url << "\n"
               << "  Account ID: " << r.id << "\n"
               << "  Status: " << r.status << "\n"
               << "  Email contact: "
               << (r.contact.empty() ? "none"
                                     : StripControl(Join(r.contact, ", ")))
               << "\n"
               << "  Key thumbprint: " << r.thumbprint << "\n";
  if (!r.profiles.empty()) {
    services.out << "  Certificate profiles offered by the CA:\n";
    for (const auto& [name, description] : r.profiles)
      services.out << "    " << StripControl(name) << ": "
                   << StripControl(description) << "\n";
  }
  return 0;
}

int UpdateAccount(const AccountOptions& o, Services& services) {
  if (o.common.email.empty() && !o.new_key)
    throw UsageError("nothing to update: pass -m EMAIL and/or --new-key");
  std::vector<std::string> contacts;
  if (!o.common.email.empty()) contacts = Contacts(o.common.email);
  RunContext ctx(o.common, services);
  const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
  AccountSession s(o, services, ctx);
  if (!o.common.email.empty()) {
    acme::Account a = s.client.UpdateAccount(contacts);
    s.stored.body_json = a.raw_json;
    ctx.accounts().Save(s.server, s.stored);
    services.out << "Contacts updated: " << StripControl(Join(a.contact, ", "))
                 << "\n";
  }
  if (o.new_key) {
    // A fresh key (RFC 8555 §11.1), staged on disk before the CA hears of it
    // and installed only once the CA has accepted it.
    crypto::PrivateKey next = crypto::PrivateKey::Generate({});
    ctx.accounts().StageKey(s.server, s.stored.id, next);
    try {
      s.client.ChangeKey(next);
    } catch (...) {
      ctx.accounts().DiscardStagedKey(s.server, s.stored.id);
      throw;
    }
    ctx.accounts().CommitKey(s.server, s.stored.id);
    services.out << "Account key rolled over; new thumbprint "
                 << crypto::JwkThumbprint(next) << "\n";
  }
  return 0;
}

int Unregister(const AccountOptions& o, Services& services) {
  RunContext ctx(o.common, services);
  const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
  AccountSession s(o, services, ctx);
  if (!o.common.non_interactive) {
    if (!services.prompter.interactive())
      throw UsageError(
          "unregister deactivates the account for good: confirm on a terminal "
          "or pass -n");
    if (!services.prompter.Confirm("Deactivate account " + s.stored.url +
                                   "? The CA will refuse it from now on."))
      throw UsageError("not confirmed; nothing was changed");
  }
  s.client.DeactivateAccount();
  ctx.accounts().Remove(s.server, s.stored.id);
  services.out << "Account " << s.stored.url << " deactivated and removed.\n";
  return 0;
}

}  // namespace certpilot::app
