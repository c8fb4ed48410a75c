#include "app/usecases/renew.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <thread>

#include "acme/client.h"
#include "acme/identifier.h"
#include "app/rules/backoff.h"
#include "app/rules/ca_servers.h"
#include "app/rules/certbot_import.h"
#include "app/rules/challenge_choice.h"
#include "app/rules/key_options.h"
#include "app/types/json_text.h"
#include "app/types/results.h"
#include "app/wiring/account_setup.h"
#include "app/wiring/apache_setup.h"
#include "app/wiring/ari_check.h"
#include "app/wiring/fleet_accounts.h"
#include "app/wiring/fleet_session.h"
#include "app/wiring/hooks.h"
#include "app/wiring/issue.h"
#include "app/wiring/keystore.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/metrics_file.h"
#include "app/wiring/nginx_setup.h"
#include "app/wiring/renewal_history.h"
#include "app/wiring/run_context.h"
#include "app/wiring/solver_set.h"
#include "crypto/certificate.h"
#include "fleet/lineage_tombstone.h"
#include "storage/lineage_store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// A run goes plan → ARI check → renew → report: PlanRenewals reads the
// lineages and applies the local rule, ConsultAri adds the CA's opinion,
// RenewDue renews what is due (with the hooks around it) and Report prints
// the summary and chooses the exit status. The first two go a batch of
// lineages at a time (RenewOptions::plan_batch, 512); a lineage not due
// is settled there (Settle: its line of the report kept, its LineageInfo,
// ~3 KiB, dropped), so a pass's memory does not grow with the lineages it
// checks (issue #16). ARI lookups run kAriConcurrency at a time within a
// batch.

constexpr int kMaxJobs = 64;

enum class Outcome {
  kNotDue,
  kAutorenewOff,
  kBackedOff,
  kBusy,  // another run holds its lock (and renews it)
  kRenewed,
  kFailed
};

struct Candidate {
  std::string name;
  LineageInfo info;
  std::string due_reason;  // "" = not due
  std::string replaces;    // ARI id to send with the new order
  Outcome outcome = Outcome::kNotDue;
  std::string error;
  TimePoint new_expiry{};
  std::string new_serial;
  TimePoint new_renew_after{};
  std::vector<std::string> dropped;  // left out (allow_subset_of_names)
  // Fleet mode: the fleet's current version when planned (0: none yet).
  int64_t fleet_version = 0;
};

// What the run itself (not a lineage) got wrong.
struct RunTally {
  int hook_failures = 0;
  int installer_failures = 0;  // nginx reloads after renewal
};

// certbot's --dry-run: Let's Encrypt's production server is swapped for its
// staging server; any other CA is used as is.
std::string EffectiveServer(const RenewOptions& o, const std::string& server) {
  return o.dry_run ? DryRunServer(server) : server;
}

std::vector<acme::Identifier> IdentifiersOf(const LineageInfo& info) {
  return acme::ParseIdentifierInputs(info.domains);
}

// Still to be renewed in this run.
bool IsDue(const Candidate& c) {
  return c.outcome != Outcome::kFailed && !c.due_reason.empty();
}

void Fail(Candidate& c, const std::string& error) {
  c.outcome = Outcome::kFailed;
  c.error = error;
}

// Input checks, before any work.
void ValidateRenewOptions(const RenewOptions& o, sys::Filesystem& fs) {
  if (o.jobs < 1 || o.jobs > kMaxJobs)
    throw UsageError("--jobs must be between 1 and " +
                     std::to_string(kMaxJobs));
  if (!o.cert_name.empty()) storage::LineageStore::ValidateName(o.cert_name);
  if (o.http01_port && (*o.http01_port < 1 || *o.http01_port > 65535))
    throw UsageError("--http-01-port must be between 1 and 65535");
  if (o.key_type || o.rsa_key_size || o.elliptic_curve)
    ParseKeySpec(o.key_type.value_or("ecdsa"), o.rsa_key_size.value_or(2048),
                 o.elliptic_curve.value_or("secp256r1"));
  if (o.pkcs12) ResolvePkcs12Settings(fs, *o.pkcs12);
  if (!o.metrics_file.empty() && !fs.IsDir(sys::DirName(o.metrics_file)))
    throw UsageError("--metrics-file " + o.metrics_file +
                     ": no such directory: " + sys::DirName(o.metrics_file));
}

// Backoff (app/rules/backoff.h): a due lineage whose renewal failed lately
// waits for its next attempt, unless forced; a dry run tries every one.
void HoldBackFailing(const RenewOptions& o, TimePoint now,
                     std::vector<Candidate>& candidates) {
  if (o.force_renewal || o.dry_run) return;
  for (Candidate& c : candidates)
    if (c.outcome == Outcome::kNotDue && !c.due_reason.empty() &&
        BackedOffUntil(c.info.history, c.info.serial, now)) {
      c.outcome = Outcome::kBackedOff;
      c.due_reason.clear();
    }
}

// The fleet's certificate `loaded` into `info`: what is due is decided
// from the version the fleet serves, not from this node's copy.
void TakeFleetCertificate(const fleet::LoadedLineage& loaded,
                          LineageInfo& info) {
  const crypto::Certificate cert =
      crypto::Certificate::FromPem(loaded.files.cert);
  info.serial = cert.SerialHex();
  info.not_after = cert.NotAfter();
  info.renew_after = RenewAfterFor(cert, info.settings);
}

// Why a lineage the fleet deleted (fleet/lineage_tombstone.h) is not
// renewed from this node's copy, and what to do about it.
std::string DeletedInFleet(const std::string& name,
                           const fleet::Tombstone& deleted) {
  const std::string by = StripControl(deleted.node);
  return "the fleet deleted it (up to version " +
         std::to_string(deleted.deleted) + (by.empty() ? "" : ", by " + by) +
         "); not renewing this node's stale copy: `certpilot delete "
         "--cert-name " +
         name + "` removes it here, `fleet push --force --cert-name " + name +
         "` brings it back";
}

// Fleet mode's plan (issue #17): each lineage's current version in the
// fleet. Where it is not this node's copy (another node renewed it and this
// node's agent has not materialized it yet), the fleet's certificate
// decides whether the lineage is due, so two nodes never both renew it. A
// lineage the fleet cannot be asked about fails (nothing local changes).
void ConsultFleet(const RenewOptions& o, FleetSession& fleet, TimePoint now,
                  std::vector<Candidate>& candidates) {
  for (Candidate& c : candidates) {
    if (c.outcome == Outcome::kFailed) continue;
    try {
      std::optional<fleet::LoadedLineage> loaded = fleet.Load(c.name);
      if (!loaded) {
        // Deleted fleet-wide: this node's copy is stale (its agent keeps it
        // while a web server uses it), and renewing it would resurrect it.
        const fleet::LineageCurrent current = fleet.Current(c.name);
        if (current.tombstone) {
          c.due_reason.clear();  // Report logs the failure
          Fail(c, DeletedInFleet(c.name, *current.tombstone));
        }
        continue;  // else published as version 1 when renewed
      }
      c.fleet_version = loaded->version;
      const std::string local_serial = c.info.serial;
      TakeFleetCertificate(*loaded, c.info);
      if (c.info.serial == local_serial) continue;
      log::Info(c.name + ": the fleet serves version " +
                std::to_string(loaded->version) + " (serial " + c.info.serial +
                "), not this node's copy; deciding from it");
      c.replaces.clear();  // the ARI id of this node's older certificate
      if (c.outcome == Outcome::kNotDue && !o.force_renewal)
        c.due_reason = now >= c.info.renew_after
                           ? "expires " + FormatRfc3339(c.info.not_after)
                           : "";
    } catch (const Error& e) {
      c.due_reason.clear();  // Report logs the failure
      Fail(c, std::string("reading the fleet's version: ") + e.what());
    }
  }
}

// Fleet mode's lock: the lineage's fleet lock (waiting up to --lock-wait),
// then the double check: a version published since the plan means another
// node renewed the lineage meanwhile, and it is no longer due. Returns
// whether this node renews it.
bool LockInFleet(const RenewOptions& o, FleetSession& fleet, Candidate& c) {
  try {
    const std::string holder =
        fleet.Lock(c.name, std::chrono::seconds(o.common.lock_wait_seconds));
    if (!holder.empty()) {
      c.outcome = Outcome::kBusy;
      c.error = "held by " + holder;
      c.due_reason.clear();
      log::Info("not renewed here: " + c.name + ": held by " + holder);
      return false;
    }
    std::optional<fleet::LoadedLineage> now = fleet.Load(c.name);
    if ((now ? now->version : 0) == c.fleet_version) return true;
    if (!now) {  // deleted fleet-wide since the plan
      fleet.Unlock(c.name);
      const fleet::LineageCurrent current = fleet.Current(c.name);
      c.due_reason.clear();  // Report logs the failure
      Fail(c, current.tombstone ? DeletedInFleet(c.name, *current.tombstone)
                                : "the fleet no longer has it");
      return false;
    }
    log::Info("not renewed: " + c.name + " (another node published version " +
              std::to_string(now->version) + " meanwhile)");
    TakeFleetCertificate(*now, c.info);
    c.due_reason.clear();
    fleet.Unlock(c.name);
  } catch (const Error& e) {
    c.due_reason.clear();  // Report logs the failure
    Fail(c, std::string("taking the fleet lock: ") + e.what());
  }
  return false;
}

// Lock: each due lineage's lock (sys/file_lock.h), so that two runs split
// the work. A lineage another run holds (after --lock-wait) is skipped —
// that run renews it; one whose certificate changed between planning and
// locking was renewed by another run meanwhile and is no longer due.
// Returns the locks (held until the run ends) and leaves `due` holding only
// the lineages locked and still due.
std::vector<sys::FileLock> LockDue(const RenewOptions& o, RunContext& ctx,
                                   FleetSession* fleet,
                                   std::vector<Candidate*>& due) {
  std::vector<sys::FileLock> held;
  std::vector<Candidate*> locked;
  for (Candidate* c : due) {
    try {
      sys::FileLock lock = ctx.LockLineage(c->name);
      if (fleet) {
        if (!LockInFleet(o, *fleet, *c)) continue;
        held.push_back(std::move(lock));
        locked.push_back(c);
        continue;
      }
      LineageInfo now =
          InspectLineage(ctx, c->name, InspectDepth::kCertificate);
      if (now.problem.empty() && now.serial != c->info.serial) {
        log::Info("not renewed: " + c->name +
                  " (another certpilot renewed it meanwhile)");
        c->info = std::move(now);
        c->due_reason.clear();
        continue;
      }
      held.push_back(std::move(lock));
      locked.push_back(c);
    } catch (const sys::LockBusyError& e) {
      c->outcome = Outcome::kBusy;
      c->error = e.what();
      c->due_reason.clear();
      log::Info("not renewed here: " + c->name + ": " + e.what());
    }
  }
  due = std::move(locked);
  return held;
}

// Each attempt's result into the lineage's renewal history (and, for a
// renewed lineage, its new certificate into `info`, for the metrics).
// Returns false when a history could not be written.
bool RecordAttempts(const RenewOptions& o, RunContext& ctx,
                    const std::vector<Candidate*>& due) {
  if (o.dry_run) return true;
  bool ok = true;
  const TimePoint now = ctx.clock().Now();
  for (Candidate* c : due) {
    LineageInfo& info = c->info;
    if (c->outcome == Outcome::kRenewed) {
      info.history = RecordSuccess(c->new_serial, now);
      info.serial = c->new_serial;
      info.not_after = c->new_expiry;
      info.renew_after = c->new_renew_after;
    } else {
      info.history = RecordFailure(info.history, info.serial, info.not_after,
                                   now, c->error, o.force_renewal);
    }
    try {
      SaveRenewalHistory(ctx.fs(), ctx.layout(), c->name, *info.history);
    } catch (const Error& e) {
      ok = false;
      log::Error("cannot record the renewal attempt of " + c->name + ": " +
                 e.what());
    }
  }
  return ok;
}

// The lineages a pass checks: every one, sorted (so a batch is a range of
// names: the fleet's ARI states are read for it in one range request), or
// --cert-name's.
std::vector<std::string> LineageNames(const RenewOptions& o, RunContext& ctx) {
  if (!o.cert_name.empty()) {
    if (!ctx.fs().Exists(ctx.layout().renewal_conf(o.cert_name)))
      throw UsageError("no certificate named \"" + o.cert_name +
                       "\" (see certpilot certificates)");
    return {o.cert_name};
  }
  std::vector<std::string> names = ctx.lineages().ListNames();
  std::sort(names.begin(), names.end());
  return names;
}

// Plan: `names`, read locally, with the overrides of the command line
// applied and the renewal rule decided. A lineage that cannot be read or
// whose settings cannot work is failed here.
std::vector<Candidate> PlanRenewals(const RenewOptions& o, RunContext& ctx,
                                    std::span<const std::string> names) {
  const TimePoint now = ctx.clock().Now();
  std::vector<Candidate> candidates(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    Candidate& c = candidates[i];
    c.name = names[i];
    c.info = InspectLineage(ctx, c.name, InspectDepth::kCertificate);
    if (!c.info.problem.empty()) {
      Fail(c, c.info.problem);
      continue;
    }
    try {
      ApplyRenewOverrides(o, c.info.domains, c.info.settings);
      CheckLineageAuthenticator(c.name, c.info.settings.authenticator,
                                c.info.domains, o.common.config_dir);
    } catch (const Error& e) {
      Fail(c, e.what());
      continue;
    }
    // certbot's autorenew = False: only a forced renewal (or a dry run,
    // which changes nothing) touches the lineage.
    if (!c.info.settings.autorenew && !o.force_renewal && !o.dry_run)
      c.outcome = Outcome::kAutorenewOff;
    else if (o.force_renewal)
      c.due_reason = "forced";
    else if (now >= c.info.renew_after)
      c.due_reason = "expires " + FormatRfc3339(c.info.not_after);
    else if (o.dry_run)  // certbot simulates every renewal in a dry run
      c.due_reason = "dry run";
  }
  return candidates;
}

// ARI check: the CA's opinion, where it offers one (app/wiring/ari_check.h):
// each lineage's stored answer while it holds, else fetched concurrently.
// Degrades quietly: a CA without renewalInfo, or one that does not answer,
// leaves the local rule in charge. Not in a dry run: every lineage is
// ordered then, and without `replaces` (RFC 9773 §5), which would spend the
// certificate's one replacement on a test. In fleet mode the nodes share
// their answers through etcd.
void ConsultAri(const RenewOptions& o, AriChecker& ari,
                std::vector<Candidate>& candidates) {
  if (o.dry_run) return;
  std::vector<AriQuery> queries;
  std::vector<Candidate*> asked;
  for (Candidate& c : candidates)
    if (c.outcome == Outcome::kNotDue && c.info.problem.empty() &&
        !c.info.ari_cert_id.empty()) {
      queries.push_back({c.name, c.info.ari_cert_id,
                         EffectiveServer(o, c.info.settings.server)});
      asked.push_back(&c);
    }
  ari.Check(queries);
  for (size_t i = 0; i < queries.size(); ++i) {
    Candidate& c = *asked[i];
    if (!queries[i].offered) continue;
    c.replaces = queries[i].cert_id;
    if (c.due_reason.empty() && queries[i].renew_now)
      c.due_reason = "inside the CA's suggested renewal window (ARI)";
  }
}

class Printer {
 public:
  Printer(std::ostream& out, bool quiet) : out_(out), quiet_(quiet) {}
  void Line(const std::string& text) {
    if (quiet_) return;
    std::lock_guard<std::mutex> lock(mu_);
    out_ << text << "\n" << std::flush;
  }

 private:
  std::ostream& out_;
  bool quiet_;
  std::mutex mu_;
};

// certbot's random sleep spreads unattended runs; the systemd timer
// randomises already and passes --no-random-sleep-on-renew.
void SleepBeforeRenewing(const RenewOptions& o, Services& services) {
  if (o.no_random_sleep || services.on_terminal || o.dry_run) return;
  auto delay = std::chrono::milliseconds(
      1000 + static_cast<long long>(services.random() * 479'000));
  log::Info("Sleeping " + std::to_string(delay.count() / 1000) +
            " s before renewing (pass --no-random-sleep-on-renew to skip)");
  services.clock.Sleep(delay);
}

// Run: renews `work` with up to --jobs workers, each with its own HTTP
// client and ACME clients (one per CA, on the shared `accounts`), running
// each renewed lineage's deploy hook. Returns how many deploy hooks failed.
int RenewEach(const RenewOptions& o, Services& services, RunContext& ctx,
              const std::vector<Candidate*>& work, SolverSet& solvers,
              const std::map<std::string, storage::StoredAccount>& accounts,
              Hooks& hooks, Printer& printer, FleetSession* fleet) {
  if (work.empty()) return 0;
  const size_t jobs = std::min<size_t>(work.size(), size_t(o.jobs));
  log::Info("Renewing " + std::to_string(work.size()) + " certificate" +
            (work.size() == 1 ? "" : "s") + " with " + std::to_string(jobs) +
            " job" + (jobs == 1 ? "" : "s"));

  std::atomic<size_t> next{0}, finished{0};
  // "[12/37]": how far the run is, on each lineage's line.
  auto progress = [&] {
    return "[" + std::to_string(++finished) + "/" +
           std::to_string(work.size()) + "]";
  };
  std::atomic<int> deploy_failures{0};
  auto worker = [&] {
    std::unique_ptr<http::HttpClient> http = services.make_http(o.common);
    std::map<std::string, std::unique_ptr<acme::Client>> clients;
    for (size_t i = next++; i < work.size(); i = next++) {
      Candidate& c = *work[i];
      try {
        std::string server = EffectiveServer(o, c.info.settings.server);
        auto& client = clients[server];
        if (!client) {
          client =
              std::make_unique<acme::Client>(*http, services.clock, server);
          const storage::StoredAccount& acct = accounts.at(server);
          client->SetAccountKey(acct.key, acct.url);
        }
        IssueRequest req{c.name,          IdentifiersOf(c.info),
                         c.info.settings, o.dry_run,
                         c.replaces,      o.new_key,
                         false,           {}};
        int64_t published = 0;  // the fleet version, once published
        if (fleet)
          req.before_commit = [&](const storage::CertificateFiles& files,
                                  const std::string& conf) {
            published = fleet->Publish(c.name, files, conf);
          };
        IssueResult res = IssueIntoLineage(ctx, *client, solvers, req);
        c.outcome = Outcome::kRenewed;
        c.new_expiry = res.certificate.NotAfter();
        c.new_serial = res.certificate.SerialHex();
        c.new_renew_after = RenewAfterFor(res.certificate, c.info.settings);
        c.dropped = res.dropped;
        // The hooks hear the names the new certificate holds.
        std::erase_if(c.info.domains, [&](const std::string& d) {
          return std::find(c.dropped.begin(), c.dropped.end(), d) !=
                 c.dropped.end();
        });
        printer.Line((o.dry_run ? "dry run ok " : "renewed    ") + c.name +
                     " (expires " + FormatRfc3339(c.new_expiry) +
                     (c.dropped.empty() ? ""
                                        : "; without " + Join(c.dropped, ", ") +
                                              ", which failed validation") +
                     ") " + progress());
        // A dry run deploys nothing unless --run-deploy-hooks asks for the
        // deploy hooks on the current certificate (certbot's).
        if (!o.dry_run || o.run_deploy_hooks) {
          std::vector<std::string> deploy;
          AddHook(deploy, c.info.settings.deploy_hook);
          deploy_failures += hooks.RunDeploy(
              deploy, ctx.layout().live_dir(c.name), c.info.domains);
        }
        // This node serves the version it published (as an agent records
        // after materializing one): `fleet status` must not show it lagging.
        if (fleet && published > 0)
          fleet->RecordOwnDeployment(c.name, published, c.new_serial);
      } catch (const Error& e) {
        Fail(c, e.what());
        // Errors go to stderr, where unattended runs' mail and journals
        // look for them; stdout carries results.
        log::Error("renewal of " + c.name +
                   " failed: " + StripControl(c.error) + " " + progress());
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return deploy_failures;
}

// The account a lineage renews with on `server`; in a dry run against
// Let's Encrypt's staging server, registered there first if need be
// (DryRunRegistration).
storage::StoredAccount AccountFor(const RenewOptions& o, Services& services,
                                  RunContext& ctx, const std::string& server,
                                  const RenewalSettings& s,
                                  FleetSession* fleet) {
  const sys::FileLock accounts_lock = ctx.Lock(SharedResource::kAccounts);
  // Fleet mode: a node with no account for the CA takes the fleet's.
  if (fleet)
    AdoptFleetAccount({fleet->etcd(), fleet->options().prefix, fleet->keys()},
                      ctx.accounts(), server);
  if (std::optional<Registration> registration =
          DryRunRegistration(ctx.accounts(), s.server, s.account_id, server)) {
    CommonOptions common = o.common;
    common.server = server;
    auto http = services.make_http(common);
    acme::Client client(*http, services.clock, server);
    UseAccount(client, common, ctx.accounts(), registration);
  }
  // The lineage's account id names an account of its own server.
  return LoadAccount(ctx, server, server == s.server ? s.account_id : "",
                     o.common.account);
}

// Run, with the hooks around it: the random sleep, the pre hooks, solvers
// and accounts for every due lineage (one that cannot have them fails),
// RenewEach, then the installers (one nginx reload per run, after the
// deploy hooks) and the post hooks.
RunTally RenewDue(const RenewOptions& o, Services& services, RunContext& ctx,
                  const std::vector<Candidate*>& due, Printer& printer,
                  FleetSession* fleet) {
  RunTally tally;
  SleepBeforeRenewing(o, services);
  Hooks hooks(services.runner, ctx.fs(), ctx.layout(), o.directory_hooks);
  std::vector<std::string> pre, post;
  for (Candidate* c : due) {
    AddHook(pre, c->info.settings.pre_hook);
    AddHook(post, c->info.settings.post_hook);
  }
  tally.hook_failures += hooks.RunPre(pre);

  SolverEnvironment solver_env = SolverEnvironmentFor(ctx, services);
  // Fleet mode: http-01 answered by every node's agent (issue #17).
  if (fleet)
    solver_env.fleet_http01 =
        fleet->Http01Solver(solver_env.make_self_check_http);
  SolverSet solvers(std::move(solver_env));
  std::map<std::string, storage::StoredAccount> accounts;
  std::vector<Candidate*> work;
  for (Candidate* c : due) {
    try {
      solvers.Prepare(c->info.settings);
      std::string server = EffectiveServer(o, c->info.settings.server);
      if (!accounts.count(server))
        accounts.emplace(server, AccountFor(o, services, ctx, server,
                                            c->info.settings, fleet));
      work.push_back(c);
    } catch (const Error& e) {
      Fail(*c, e.what());
      log::Error("renewal of " + c->name +
                 " failed: " + StripControl(c->error));
    }
  }
  tally.hook_failures += RenewEach(o, services, ctx, work, solvers, accounts,
                                   hooks, printer, fleet);
  solvers.Stop();

  std::vector<NginxOptions> nginx_lineages;
  for (Candidate* c : due)
    if (!o.dry_run && c->outcome == Outcome::kRenewed &&
        c->info.settings.installer == "nginx")
      nginx_lineages.push_back(c->info.settings.nginx);
  tally.installer_failures = ReloadNginxAfterRenewal(
      services.runner, ctx.fs(), services.clock, nginx_lineages);
  std::vector<ApacheOptions> apache_lineages;
  for (Candidate* c : due)
    if (!o.dry_run && c->outcome == Outcome::kRenewed &&
        c->info.settings.installer == "apache")
      apache_lineages.push_back(c->info.settings.apache);
  tally.installer_failures +=
      ReloadApacheAfterRenewal(services.runner, ctx.fs(), apache_lineages);

  std::vector<std::string> renewed_domains, failed_domains;
  for (Candidate* c : due) {
    auto& list =
        c->outcome == Outcome::kRenewed ? renewed_domains : failed_domains;
    list.insert(list.end(), c->info.domains.begin(), c->info.domains.end());
  }
  tally.hook_failures += hooks.RunPost(post, renewed_domains, failed_domains);
  return tally;
}

// The keystores of lineages that were not renewed this run: one left behind
// by an interrupted or failed run (the new version committed, the keystore
// not yet replaced) is brought in step; a lineage whose keystore cannot be
// written fails.
void SyncKeystores(const RenewOptions& o, RunContext& ctx,
                   std::vector<Candidate>& candidates) {
  if (o.dry_run) return;
  for (Candidate& c : candidates) {
    const Pkcs12Settings& pkcs12 = c.info.settings.pkcs12;
    // Not a lineage still to be renewed: it writes its keystore then.
    if (c.outcome != Outcome::kNotDue || IsDue(c) || !pkcs12.enabled())
      continue;
    try {
      const sys::FileLock lock = ctx.LockLineage(c.name);
      if (SyncKeystore(ctx, c.name, pkcs12))
        log::Info("wrote the keystore of " + c.name + " (" + pkcs12.path +
                  "), which did not hold its current certificate");
    } catch (const sys::LockBusyError&) {
      // Another run is at the lineage; it brings the keystore in step.
    } catch (const Error& e) {
      Fail(c, "keeping the keystore " + pkcs12.path + " in step: " + e.what());
    }
  }
}

// What a run reports, gathered lineage by lineage as each is settled.
struct Summary {
  RenewReport report;
  size_t not_due = 0;  // report.not_due lists them only for --json
  std::optional<RunMetrics> metrics;  // with --metrics-file
};

// A lineage this run is done with, into `summary`: its line of the report
// and of the metrics, and the messages about it.
void Settle(const RenewOptions& o, const Candidate& c, Summary& summary) {
  RenewReport& report = summary.report;
  if (c.outcome == Outcome::kRenewed) {
    report.renewed.push_back({c.name, c.new_expiry, c.dropped});
  } else if (c.outcome == Outcome::kAutorenewOff) {
    report.autorenew_disabled.push_back(c.name);
    if (!o.json && !o.common.quiet)
      log::Info("not renewed: " + c.name + " (autorenew = False in its conf)");
  } else if (c.outcome == Outcome::kBackedOff) {
    report.backed_off.push_back(
        {c.name, *CurrentFailures(c.info.history, c.info.serial)});
    // A warning also with --json: the lineage needs someone's attention.
    log::Warning("not renewed: " + c.name + ": " +
                 DescribeBackoff(report.backed_off.back().failure));
  } else if (c.outcome == Outcome::kBusy) {
    report.busy.push_back({c.name, c.error});
  } else if (c.outcome == Outcome::kFailed) {
    report.failed.push_back({c.name, StripControl(c.error)});
    // Failures of due lineages were logged as they happened.
    if (c.due_reason.empty() || c.info.problem.size())
      log::Error("cannot renew " + c.name + ": " + report.failed.back().error);
  } else {
    ++summary.not_due;
    if (o.json)
      report.not_due.push_back({c.name, c.info.renew_after});
    else if (!o.common.quiet)
      log::Debug("not due: " + c.name + " (renews after " +
                 FormatRfc3339(c.info.renew_after) + ")");
  }
  if (RunMetrics* m = summary.metrics ? &*summary.metrics : nullptr) {
    m->renewed += c.outcome == Outcome::kRenewed;
    m->failed += c.outcome == Outcome::kFailed;
    m->not_due += c.outcome == Outcome::kNotDue;
    m->backed_off += c.outcome == Outcome::kBackedOff;
    m->lineages.push_back(LineageMetricsOf(c.info));
  }
}

// Report: the summary (text, or JSON with --json) and the exit status: 0
// when no lineage, hook or installer failed.
int Report(const RenewOptions& o, Services& services, Summary& summary,
           const RunTally& tally) {
  RenewReport& report = summary.report;
  report.dry_run = o.dry_run;
  report.hook_failures = tally.hook_failures;
  report.installer_failures = tally.installer_failures;
  if (o.json) {
    services.out << RenewReportJson(report) << "\n";
  } else if (!o.common.quiet) {
    if (o.dry_run)
      services.out << report.renewed.size() << " renewal"
                   << (report.renewed.size() == 1 ? "" : "s")
                   << " simulated (dry run), ";
    else
      services.out << report.renewed.size() << " renewed, " << summary.not_due
                   << " not due, ";
    if (!report.backed_off.empty())
      services.out << report.backed_off.size() << " backed off, ";
    if (!report.busy.empty())
      services.out << report.busy.size() << " renewed by another run, ";
    services.out << (report.autorenew_disabled.empty()
                         ? ""
                         : std::to_string(report.autorenew_disabled.size()) +
                               " autorenew disabled, ")
                 << report.failed.size() << " failed"
                 << (tally.hook_failures
                         ? ", " + std::to_string(tally.hook_failures) +
                               " hook(s) failed"
                         : "")
                 << (tally.installer_failures ? ", web server reload failed"
                                              : "")
                 << "\n";
  }
  return report.failed.empty() && tally.hook_failures == 0 &&
                 tally.installer_failures == 0
             ? 0
             : 1;
}

// --metrics-file, at the end of a run (not a dry run, which changes
// nothing): false when it cannot be written.
bool WriteMetrics(const RenewOptions& o, RunContext& ctx, TimePoint started,
                  std::optional<RunMetrics>& metrics, int status) {
  if (!metrics) return true;
  RunMetrics& m = *metrics;
  m.finished = ctx.clock().Now();
  m.duration = std::chrono::duration_cast<Duration>(m.finished - started);
  m.succeeded = status == 0;
  try {
    // The file describes every lineage, also those --cert-name left out.
    if (!o.cert_name.empty())
      for (const std::string& name : ctx.lineages().ListNames())
        if (name != o.cert_name)
          m.lineages.push_back(LineageMetricsOf(
              InspectLineage(ctx, name, InspectDepth::kCertificate)));
    std::sort(m.lineages.begin(), m.lineages.end(),
              [](const LineageMetrics& a, const LineageMetrics& b) {
                return a.name < b.name;
              });
    WriteMetricsFile(ctx.fs(), o.metrics_file, m);
    return true;
  } catch (const Error& e) {
    log::Error("cannot write the metrics file: " + std::string(e.what()));
    return false;
  }
}

}  // namespace

void ApplyRenewOverrides(const RenewOptions& o,
                         const std::vector<std::string>& domains,
                         RenewalSettings& s) {
  if (o.authenticator) s.authenticator = *o.authenticator;
  if (o.challenges) {
    s.challenges = *o.challenges;
    s.challenges.preferred = NormalizeChallengeTypes(o.challenges->preferred);
    if (s.authenticator == "webroot" &&
        (!o.webroot_paths.empty() || !o.webroot_map_json.empty())) {
      std::vector<std::string> names = domains;
      std::vector<WebrootPathArg> paths;
      for (const WebrootPathArg& p : o.webroot_paths)
        paths.push_back(
            {std::filesystem::absolute(p.path).lexically_normal(), 0});
      s.challenges.webroot_map =
          ResolveWebrootMap(names, paths, o.webroot_map_json);
    }
  }
  if (o.preferred_chain) s.order.preferred_chain = *o.preferred_chain;
  if (o.preferred_profile) s.order.preferred_profile = *o.preferred_profile;
  if (o.required_profile) s.order.required_profile = *o.required_profile;
  if (o.must_staple) s.order.must_staple = *o.must_staple;
  ValidateOrderSettings(s.order);
  if (s.order.must_staple && IsLetsEncrypt(s.server)) {
    if (o.must_staple)
      throw UsageError(std::string(kLetsEncryptMustStapleEnded) +
                       ": leave out --must-staple for " + s.server);
    log::Warning(std::string(kLetsEncryptMustStapleEnded) +
                 ": renewing without it (must_staple = True is dropped)");
    s.order.must_staple = false;
  }
  if (o.autorenew) s.autorenew = *o.autorenew;
  if (o.allow_subset_of_names)
    s.allow_subset_of_names = *o.allow_subset_of_names;
  if (o.http01_port) s.http01_port = *o.http01_port;
  if (o.http01_address) s.http01_address = *o.http01_address;
  if (o.key_type || o.rsa_key_size || o.elliptic_curve) {
    std::string type = o.key_type.value_or(
        s.key_spec.type == crypto::KeyType::kRsa ? "rsa" : "ecdsa");
    s.key_spec =
        ParseKeySpec(type, o.rsa_key_size.value_or(s.key_spec.rsa_bits),
                     o.elliptic_curve.value_or(s.key_spec.curve));
  }
  if (o.reuse_key) s.reuse_key = *o.reuse_key;
  if (!o.deploy_hook.empty()) s.deploy_hook = o.deploy_hook;
  if (!o.pre_hook.empty()) s.pre_hook = o.pre_hook;
  if (!o.post_hook.empty()) s.post_hook = o.post_hook;
  if (o.pkcs12) s.pkcs12 = AbsolutePkcs12Settings(*o.pkcs12);
}

int Renew(const RenewOptions& o, Services& services) {
  ValidateRenewOptions(o, services.fs);
  const TimePoint started = services.clock.Now();
  // Fleet mode (issue #17): a dry run saves nothing, so it leaves the fleet
  // alone.
  std::unique_ptr<FleetSession> fleet;
  if (o.fleet.enabled() && !o.dry_run)
    fleet = std::make_unique<FleetSession>(o.fleet, services);
  RunContext ctx(o.common, services);
  const std::vector<std::string> names = LineageNames(o, ctx);
  Summary summary;
  if (!o.metrics_file.empty() && !o.dry_run) summary.metrics.emplace();
  // Plan, a batch at a time: the due lineages are kept whole for renewing,
  // the others settled at once.
  std::vector<Candidate> due_candidates;
  std::optional<FleetAri> fleet_ari;
  if (fleet)
    fleet_ari.emplace(FleetAri{fleet->etcd(), fleet->options().prefix});
  AriChecker ari(o.common, services, ctx, fleet_ari ? &*fleet_ari : nullptr);
  const size_t step = std::max<size_t>(o.plan_batch, 1);
  for (size_t first = 0; first < names.size(); first += step) {
    std::vector<Candidate> batch = PlanRenewals(
        o, ctx,
        std::span(names).subspan(first, std::min(step, names.size() - first)));
    // The CA's own opinion, where it offers one.
    ConsultAri(o, ari, batch);
    HoldBackFailing(o, services.clock.Now(), batch);
    if (fleet) ConsultFleet(o, *fleet, services.clock.Now(), batch);
    SyncKeystores(o, ctx, batch);
    for (Candidate& c : batch) {
      if (IsDue(c))
        due_candidates.push_back(std::move(c));
      else
        Settle(o, c, summary);
    }
  }
  std::vector<Candidate*> due;
  for (Candidate& c : due_candidates) due.push_back(&c);
  const std::vector<sys::FileLock> locks = LockDue(o, ctx, fleet.get(), due);
  Printer printer(services.out, o.json || o.common.quiet);
  RunTally tally;
  if (!due.empty())
    tally = RenewDue(o, services, ctx, due, printer, fleet.get());
  const bool recorded = RecordAttempts(o, ctx, due);
  SyncKeystores(o, ctx, due_candidates);
  for (const Candidate& c : due_candidates) Settle(o, c, summary);
  int status = Report(o, services, summary, tally);
  if (!recorded) status = 1;
  if (!WriteMetrics(o, ctx, started, summary.metrics, status)) status = 1;
  return status;
}

}  // namespace certpilot::app
