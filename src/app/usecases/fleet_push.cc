#include "app/usecases/fleet_push.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <set>
#include <vector>

#include "app/wiring/fleet_accounts.h"
#include "app/wiring/fleet_session.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "fleet/lineage_tombstone.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// One lineage: returns the line to report; throws Error on failure.
std::string PushOne(const FleetPushOptions& o, RunContext& ctx,
                    FleetSession& fleet, const std::string& name) {
  const sys::FileLock local = ctx.LockLineage(name);
  const std::string holder =
      fleet.Lock(name, std::chrono::seconds(o.common.lock_wait_seconds));
  if (!holder.empty()) throw Error("its fleet lock is held by " + holder);
  // Read under the lock: a version another node publishes meanwhile is
  // never overwritten without --force.
  std::optional<fleet::LoadedLineage> there = fleet.Load(name);
  // A lineage the fleet deleted: this node's copy is stale (it was down, or
  // its agent kept it), and pushing it would resurrect a certificate
  // someone deleted, perhaps revoked.
  if (!there && !o.force) {
    const fleet::LineageCurrent current = fleet.Current(name);
    if (current.tombstone) {
      fleet.Unlock(name);
      const std::string by = StripControl(current.tombstone->node);
      throw Error("the fleet deleted " + name + " (up to version " +
                  std::to_string(current.tombstone->deleted) +
                  (by.empty() ? "" : ", by " + by) +
                  "); not pushing this node's stale copy: `certpilot delete "
                  "--cert-name " +
                  name + "` removes it here, `fleet push --force --cert-name " +
                  name + "` publishes it again as version " +
                  std::to_string(current.tombstone->deleted + 1));
    }
  }
  if (there && !o.force) {
    fleet.Unlock(name);
    return "skipped " + name + " (the fleet has version " +
           std::to_string(there->version) +
           "; --force publishes this node's as the next version)";
  }
  const storage::CertificateFiles files = ctx.lineages().ReadCurrent(name);
  const std::string conf = ctx.fs().ReadFile(ctx.layout().renewal_conf(name));
  const int64_t version = fleet.Publish(name, files, conf);
  fleet.Unlock(name);
  return "pushed  " + name + " as version " + std::to_string(version);
}

// The local account for `server` (the first, as a run would pick it),
// offered to the fleet: returns the line to report, "" when there is none.
std::string PushAccount(RunContext& ctx, FleetSession& fleet,
                        const std::string& server) {
  const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
  const std::vector<storage::StoredAccount> local = ctx.accounts().List(server);
  if (local.empty()) return "";
  const ShareOutcome shared =
      ShareAccount({fleet.etcd(), fleet.options().prefix, fleet.keys()},
                   ctx.accounts(), server, local.front().id, nullptr);
  const std::string url = StripControl(local.front().url);
  switch (shared.kind) {
    case ShareOutcome::Kind::kPublished:
      return "pushed  account " + url;
    case ShareOutcome::Kind::kSame:
      return "skipped account " + url + " (the fleet has it)";
    case ShareOutcome::Kind::kAnother:
      break;
  }
  return "skipped account " + url + " (the fleet uses " +
         StripControl(shared.fleet_url) + " for " + StripControl(server) +
         "; this node keeps its own)";
}

}  // namespace

int FleetPush(const FleetPushOptions& o, Services& services) {
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  FleetSession fleet(o.fleet, services);
  RunContext ctx(o.common, services);
  std::vector<std::string> names = ctx.lineages().ListNames();
  if (!o.cert_name.empty()) {
    if (std::find(names.begin(), names.end(), o.cert_name) == names.end())
      throw UsageError("no certificate named \"" + o.cert_name +
                       "\" (see certpilot certificates)");
    names = {o.cert_name};
  }
  int failed = 0;
  for (const std::string& name : names) {
    try {
      services.out << PushOne(o, ctx, fleet, name) << "\n";
    } catch (const Error& e) {
      ++failed;
      services.out << "failed  " << name << ": " << StripControl(e.what())
                   << "\n";
      log::Error("cannot push " + name + ": " + StripControl(e.what()));
    }
  }
  if (names.empty()) services.out << "No certificate to push.\n";
  // The accounts of the CAs these lineages renew with, and of --server.
  std::set<std::string> servers = {o.common.ServerUrl()};
  for (const std::string& name : names) {
    try {
      servers.insert(ReadRenewalConf(ctx, name).server);
    } catch (const Error& e) {
      log::Warning("cannot read the renewal conf of " + name + ": " +
                   StripControl(e.what()));
    }
  }
  for (const std::string& server : servers) {
    try {
      const std::string line = PushAccount(ctx, fleet, server);
      if (!line.empty()) services.out << line << "\n";
    } catch (const Error& e) {
      ++failed;
      services.out << "failed  account for " << StripControl(server) << ": "
                   << StripControl(e.what()) << "\n";
    }
  }
  return failed ? 1 : 0;
}

}  // namespace certpilot::app
