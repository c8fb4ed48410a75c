#include "app/usecases/revoke.h"

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>

#include "acme/client.h"
#include "app/wiring/fleet_accounts.h"
#include "app/wiring/fleet_session.h"
#include "app/wiring/issue.h"
#include "app/wiring/lineage_removal.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "fleet/deployment_record.h"
#include "storage/lineage_store.h"
#include "storage/renewal_conf.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// The lineage whose live/ directory holds `path`, if any.
std::string LineageOfPath(RunContext& ctx, const std::string& path) {
  const std::string live = ctx.layout().live_root() + "/";
  if (!StartsWith(path, live)) return "";
  std::string rest = path.substr(live.size());
  size_t slash = rest.find('/');
  return slash == std::string::npos ? "" : rest.substr(0, slash);
}

// Deletes `name` from the fleet (fleet mode, when the fleet holds it), then
// from the local tree. The fleet's copy first: a fleet delete refused (its
// lock held by another node, lost) leaves the local copy too, so the run
// can simply be repeated. REQUIRES: the caller holds the local lineage lock.
void DeleteEverywhere(RunContext& ctx, FleetSession* fleet,
                      const std::string& name, int lock_wait_seconds,
                      std::ostream& out) {
  if (fleet && fleet->Current(name).version > 0) {
    const std::string holder =
        fleet->Lock(name, std::chrono::seconds(lock_wait_seconds));
    if (!holder.empty())
      throw Error("cannot delete " + name +
                  " fleet-wide: its fleet lock is held by " + holder +
                  " (renewing it?); nothing was deleted, try again later");
    const std::optional<fleet::Tombstone> deleted = fleet->Delete(name);
    fleet->Unlock(name);
    if (deleted)
      out << "Deleted " << name << " from the fleet (up to version "
          << deleted->deleted << "); each node's agent removes its copy.\n";
  }
  if (HasLocalLineage(ctx, name)) DeleteLineage(ctx, name);
  // This node no longer serves it (its agent would say the same).
  if (fleet)
    fleet::RemoveDeployment(fleet->etcd(), fleet->options().prefix, name,
                            fleet->options().node);
  out << "Deleted " << name << ".\n";
}

// The CA and account that issued `name`, from its renewal conf: the local
// one, else (fleet mode, a lineage this node has not materialized) the
// fleet's.
RenewalSettings IssuerSettings(RunContext& ctx, const std::string& name,
                               const std::string& fleet_conf) {
  if (ctx.fs().Exists(ctx.layout().renewal_conf(name)))
    return ReadRenewalConf(ctx, name);
  const std::string what = "the fleet's renewal conf of " + name;
  return RenewalSettingsOf(storage::RenewalConf::Parse(fleet_conf, what), what);
}

}  // namespace

int RevocationReasonCode(const std::string& name) {
  std::string n = ToLower(name);
  if (n == "unspecified") return 0;
  if (n == "keycompromise") return 1;
  if (n == "affiliationchanged") return 3;
  if (n == "superseded") return 4;
  if (n == "cessationofoperation") return 5;
  throw UsageError(
      "--reason must be unspecified, keycompromise, affiliationchanged, "
      "superseded or cessationofoperation, not \"" +
      StripControl(name) + "\"");
}

int Revoke(const RevokeOptions& o, Services& services) {
  if (o.cert_name.empty() == o.cert_path.empty())
    throw UsageError("revoke needs exactly one of --cert-name and --cert-path");
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  int reason = RevocationReasonCode(o.reason);
  RunContext ctx(o.common, services);
  std::unique_ptr<FleetSession> fleet;
  if (o.fleet.enabled())
    fleet = std::make_unique<FleetSession>(o.fleet, services);

  std::string lineage = o.cert_name;
  std::string cert_pem;
  std::string fleet_conf;  // the fleet's renewal conf of `lineage`, if read
  if (!lineage.empty()) {
    // Fleet mode: the fleet's current version, which another node may have
    // renewed since this node materialized its copy.
    std::optional<fleet::LoadedLineage> shared;
    if (fleet) shared = fleet->Load(lineage);
    if (shared) {
      cert_pem = shared->files.cert;
      fleet_conf = shared->files.renewal;
    } else if (ctx.lineages().CurrentVersion(lineage)) {
      cert_pem = ctx.lineages().ReadCurrent(lineage).cert_pem;
    } else {
      throw UsageError("no certificate named \"" + lineage +
                       "\" (see certpilot certificates)");
    }
  } else {
    try {
      cert_pem = ctx.fs().ReadFile(o.cert_path);
    } catch (const Error& e) {
      throw UsageError(std::string("cannot read --cert-path: ") + e.what());
    }
    lineage = LineageOfPath(ctx, o.cert_path);
  }
  std::optional<sys::FileLock> lineage_lock;
  if (!lineage.empty()) lineage_lock.emplace(ctx.LockLineage(lineage));
  crypto::Certificate cert = crypto::Certificate::FromPem(cert_pem);

  std::string server = o.common.ServerUrl();
  std::string account_id;
  if (!lineage.empty() &&
      (!fleet_conf.empty() ||
       ctx.fs().Exists(ctx.layout().renewal_conf(lineage)))) {
    RenewalSettings settings = IssuerSettings(ctx, lineage, fleet_conf);
    if (o.common.server.empty()) server = settings.server;
    account_id = settings.account_id;
  }
  auto http = services.make_http(o.common);
  acme::Client client(*http, services.clock, server);
  if (!o.key_path.empty()) {
    crypto::PrivateKey key =
        crypto::PrivateKey::FromPem(ctx.fs().ReadFile(o.key_path));
    if (!cert.MatchesKey(key))
      throw UsageError("--key-path is not the certificate's key");
    client.RevokeCertificate(cert.ToDer(), reason, &key);
  } else {
    // Fleet mode: a node with no account for the CA takes the fleet's.
    if (fleet) {
      const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
      AdoptFleetAccount({fleet->etcd(), fleet->options().prefix, fleet->keys()},
                        ctx.accounts(), server);
    }
    storage::StoredAccount account =
        LoadAccount(ctx, server, account_id, o.common.account);
    client.SetAccountKey(account.key, account.url);
    client.RevokeCertificate(cert.ToDer(), reason);
  }
  services.out << "Revoked certificate "
               << (lineage.empty() ? o.cert_path : lineage) << " (serial "
               << cert.SerialHex() << ", reason " << ToLower(o.reason)
               << ").\n";

  if (lineage.empty() || (!ctx.lineages().CurrentVersion(lineage) &&
                          !(fleet && fleet->Current(lineage).version > 0)))
    return 0;
  bool remove = o.delete_after.value_or(true);
  if (!o.delete_after && services.prompter.interactive())
    remove = services.prompter.Confirm(
        "Delete " + lineage + " (every version of it) now that it is revoked?");
  if (remove)
    DeleteEverywhere(ctx, fleet.get(), lineage, o.common.lock_wait_seconds,
                     services.out);
  return 0;
}

int Delete(const DeleteOptions& o, Services& services) {
  if (o.cert_name.empty()) throw UsageError("delete needs --cert-name");
  storage::LineageStore::ValidateName(o.cert_name);
  RunContext ctx(o.common, services);
  std::unique_ptr<FleetSession> fleet;
  if (o.fleet.enabled())
    fleet = std::make_unique<FleetSession>(o.fleet, services);
  if (!HasLocalLineage(ctx, o.cert_name) &&
      !(fleet && fleet->Current(o.cert_name).version > 0))
    throw UsageError("no certificate named \"" + o.cert_name +
                     "\" (see certpilot certificates)");
  const sys::FileLock lineage_lock = ctx.LockLineage(o.cert_name);
  // This node's web servers first: a refusal leaves the fleet untouched.
  if (!o.force)
    CheckLineageUnused(ctx, o.cert_name, o.nginx_server_root,
                       o.apache_server_root, ", or pass --force");
  if (!o.common.non_interactive) {
    if (!services.prompter.interactive())
      throw UsageError("delete removes every version of " + o.cert_name +
                       ": confirm on a terminal or pass -n");
    if (!services.prompter.Confirm(
            "Delete " + o.cert_name + " and every version of it" +
            (fleet ? " (on every node of the fleet)?" : "?")))
      throw UsageError("not confirmed; nothing was deleted");
  }
  DeleteEverywhere(ctx, fleet.get(), o.cert_name, o.common.lock_wait_seconds,
                   services.out);
  return 0;
}

}  // namespace certpilot::app
