#include "app/usecases/agent.h"

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "app/rules/fleet_responder.h"
#include "app/wiring/fleet_connection.h"
#include "app/wiring/fleet_nodes.h"
#include "app/wiring/hooks.h"
#include "app/wiring/lineage_info.h"
#include "app/wiring/lineage_removal.h"
#include "app/wiring/nginx_setup.h"
#include "app/wiring/renewal_settings.h"
#include "app/wiring/run_context.h"
#include "crypto/certificate.h"
#include "etcd/etcd_error.h"
#include "fleet/challenge_record.h"
#include "fleet/deployment_record.h"
#include "fleet/lineage_index.h"
#include "fleet/lineage_record.h"
#include "fleet/lineage_tombstone.h"
#include "solvers/http01_responder.h"
#include "storage/renewal_conf.h"
#include "sys/file_lock.h"
#include "sys/host.h"
#include "sys/stop_signals.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// A lineage that failed is tried again after this long (a fleet key put in
// place, a disk with space again), not at every poll.
constexpr std::chrono::seconds kRetryFailed{60};
// A lineage a local run holds (renew, certonly on this node) is tried again
// soon: that run ends within its own timeouts.
constexpr std::chrono::seconds kRetryBusy{1};

// Where the responder listens: --fleet-responder, else --http-01-address
// and --http-01-port.
ResponderAddress ListenAddress(const AgentOptions& o) {
  if (!o.fleet.responder.empty()) return ParseFleetResponder(o.fleet.responder);
  return {o.http01_address, o.http01_port};
}

std::string AdvertisedAddress(const AgentOptions& o) {
  if (!o.advertise.empty()) return o.advertise;
  const ResponderAddress listen = ListenAddress(o);
  std::string host = listen.address.empty() ? sys::Hostname() : listen.address;
  if (host.find(':') != std::string::npos && host.front() != '[')
    host = "[" + host + "]";
  return host + ":" + std::to_string(listen.port);
}

// Where this node's own web server is: `install` on this node wrote them
// into its renewal conf, and the renewer's conf (another node's server, or
// none) must not replace them.
constexpr const char* kNodeLocalKeys[] = {"installer",
                                          "nginx_server_root",
                                          "nginx_ctl",
                                          "apache_server_root",
                                          "apache_ctl",
                                          "apache_vhost_root",
                                          "apache_challenge_location"};

// The renewer's renewal conf with this node's paths (nodes may keep their
// trees in different config dirs) and, when this node has a conf of its
// own (`local`), its installer settings.
std::string LocalRenewalConf(const storage::Layout& layout,
                             const std::string& name, const std::string& text,
                             const std::optional<std::string>& local) {
  storage::RenewalConf conf =
      storage::RenewalConf::Parse(text, "the fleet's renewal conf of " + name);
  std::optional<storage::RenewalConf> mine;
  try {
    if (local)
      mine = storage::RenewalConf::Parse(*local, layout.renewal_conf(name));
  } catch (const Error& e) {
    log::Warning(std::string("fleet agent: ") + e.what() +
                 "; replaced by the fleet's, without this node's installer");
  }
  if (mine) {
    for (const char* key : kNodeLocalKeys) {
      if (std::optional<std::string> v = mine->Get("renewalparams", key))
        conf.Set("renewalparams", key, *v);
      else
        conf.Remove("renewalparams", key);
    }
  }
  const std::string live = layout.live_dir(name);
  conf.Set("", "archive_dir", layout.archive_dir(name));
  conf.Set("", "cert", live + "/cert.pem");
  conf.Set("", "privkey", live + "/privkey.pem");
  conf.Set("", "chain", live + "/chain.pem");
  conf.Set("", "fullchain", live + "/fullchain.pem");
  return conf.Dump();
}

// `certpilot renew` as this agent would run it: the same tree, CA trust and
// fleet; non-interactive, no random sleep (the renewer's jitter is it).
std::vector<std::string> RenewArgv(const AgentOptions& o) {
  const CommonOptions& c = o.common;
  std::vector<std::string> argv = {"/proc/self/exe",
                                   "renew",
                                   "-n",
                                   "--no-random-sleep-on-renew",
                                   "--config-dir",
                                   c.config_dir,
                                   "--work-dir",
                                   c.work_dir,
                                   "--logs-dir",
                                   c.logs_dir};
  auto add = [&argv](const std::string& flag, const std::string& value) {
    if (!value.empty()) argv.insert(argv.end(), {flag, value});
  };
  add("-c", c.config_file);
  add("--server", c.server);
  add("--ca-bundle", c.ca_bundle);
  argv.insert(argv.end(), o.fleet_args.begin(), o.fleet_args.end());
  add("--deploy-hook", o.deploy_hook);
  if (!o.directory_hooks) argv.push_back("--no-directory-hooks");
  return argv;
}

class Agent {
 public:
  Agent(const AgentOptions& o, Services& services, FleetOptions fleet)
      : o_(o),
        services_(services),
        fleet_(std::move(fleet)),
        fleet_keys_(ReadFleetKeys(fleet_, services.fs, "agent")),
        connection_(ConnectFleet(fleet_, services.fs)),
        etcd_(*connection_.etcd) {
    AgentRenewOptions renew = o.renew;
    renew.argv = RenewArgv(o);
    renewer_.emplace(std::move(renew), services.runner, services.clock,
                     services.random);
    node_.name = fleet_.node;
    node_.address = AdvertisedAddress(o);
  }

  int Run(const std::function<bool(std::chrono::milliseconds)>& stop) {
    solvers::Http01ResponderOptions ro;
    const ResponderAddress listen = ListenAddress(o_);
    ro.address = listen.address;
    ro.port = listen.port;
    solvers::Http01Responder responder(ro);
    responder.Start();
    responder_ = &responder;
    log::Info("fleet agent " + node_.name + ": serving HTTP-01 on port " +
              std::to_string(responder.port()) + ", etcd " +
              Join(fleet_.endpoints, ",") + " under " + fleet_.prefix);
    do {
      try {
        Poll();
        if (etcd_down_) log::Info("fleet agent: etcd answers again");
        etcd_down_ = false;
      } catch (const etcd::EtcdError& e) {
        // The agent's loop is where an outage is survived: say so once,
        // keep the local files and the tokens known, poll again.
        if (!etcd_down_)
          log::Error("fleet agent: etcd cannot be used (" +
                     std::string(e.what()) +
                     "); keeping the local certificates and serving the "
                     "challenges known, retrying");
        etcd_down_ = true;
      }
      // After a poll: the first run sees the tree materialized.
      renewer_->Tick();
    } while (!stop(o_.poll_interval));
    renewer_->Stop();
    responder.Stop();
    Deregister();
    log::Info("fleet agent " + node_.name + ": stopped");
    return 0;
  }

 private:
  void Poll() {
    Heartbeat();
    SyncChallenges();
    const fleet::LineageChanges changes =
        fleet::ChangedLineages(etcd_, fleet_.prefix, since_);
    std::set<std::string> batch;
    for (const auto& [name, revision] : changes.changed) batch.insert(name);
    const TimePoint now = services_.clock.Now();
    for (auto it = failed_.begin(); it != failed_.end();) {
      if (now >= it->second) {
        batch.insert(it->first);
        it = failed_.erase(it);
      } else {
        ++it;
      }
    }
    if (!batch.empty()) Materialize(batch);
    // Only once the batch is done: an etcd error in it reads it all again.
    since_ = changes.revision + 1;
  }

  void Heartbeat() {
    const TimePoint now = services_.clock.Now();
    if (lease_ != 0 && now < next_heartbeat_) return;
    if (lease_ != 0 && etcd_.LeaseKeepAlive(lease_) == 0) {
      log::Warning("fleet agent: the node's lease expired; registering again");
      lease_ = 0;
    }
    const bool fresh = lease_ == 0;
    if (fresh) lease_ = etcd_.LeaseGrant(o_.lease_ttl).id;
    node_.heartbeat = UnixSeconds(now);
    RegisterFleetNode(etcd_, fleet_.prefix, node_, lease_);
    if (fresh)
      log::Info("fleet agent: registered as " +
                FleetNodesPrefix(fleet_.prefix) + node_.name + " (address " +
                node_.address + ")");
    next_heartbeat_ = now + std::chrono::seconds(o_.lease_ttl) / 3;
  }

  void SyncChallenges() {
    std::map<std::string, std::string> now =
        fleet::ListChallenges(etcd_, fleet_.prefix);
    for (const auto& [token, key_authorization] : tokens_)
      if (!now.count(token)) responder_->Remove(token);
    for (const auto& [token, key_authorization] : now) {
      auto it = tokens_.find(token);
      if (it == tokens_.end() || it->second != key_authorization)
        responder_->Add(token, key_authorization);
    }
    tokens_ = std::move(now);
  }

  // Writes `files` into the local tree where it differs; returns whether it
  // changed anything.
  bool WriteLocal(RunContext& ctx, const std::string& name,
                  const fleet::LineageFiles& files) {
    storage::LineageStore& store = ctx.lineages();
    const storage::CertificateFiles want{files.privkey, files.cert, files.chain,
                                         files.fullchain};
    bool changed = false;
    std::optional<storage::CertificateFiles> have;
    if (store.CurrentVersion(name)) have = store.ReadCurrent(name);
    if (!have || have->privkey_pem != want.privkey_pem ||
        have->cert_pem != want.cert_pem || have->chain_pem != want.chain_pem ||
        have->fullchain_pem != want.fullchain_pem) {
      store.SaveVersion(name, want);
      changed = true;
    }
    // After the certificates: a conf never names a lineage without them.
    const std::string path = ctx.layout().renewal_conf(name);
    std::optional<std::string> local;
    if (ctx.fs().Exists(path)) local = ctx.fs().ReadFile(path);
    const std::string conf =
        LocalRenewalConf(ctx.layout(), name, files.renewal, local);
    if (local != conf) {
      ctx.fs().MakeDirs(ctx.layout().renewal_root(), 0755);
      sys::WriteFileAtomic(ctx.fs(), path, conf, 0644);
      changed = true;
    }
    return changed;
  }

  // A lineage the fleet deleted (fleet/lineage_tombstone.h): this node's
  // copy goes too, as `delete` removes it, unless this node's nginx or
  // Apache still uses it (the server roots of its renewal conf, else
  // delete's defaults): deleting it would break a working site, so that is
  // logged as an error naming the files and tried again like a failed
  // materialization. Then this node's deployment record goes. The
  // tombstone stays in etcd, so a node that was down meets it on start.
  void RemoveDeleted(RunContext& ctx, const std::string& name) {
    const fleet::LineageCurrent current =
        fleet::ReadLineageCurrent(etcd_, fleet_.prefix, name);
    // Never published, or published again since: the next poll sees it.
    if (!current.tombstone) return;
    const sys::FileLock lock = ctx.LockLineage(name);
    if (HasLocalLineage(ctx, name)) {
      RenewalSettings settings;  // delete's defaults for the server roots
      if (ctx.fs().Exists(ctx.layout().renewal_conf(name))) {
        try {
          settings = ReadRenewalConf(ctx, name);
        } catch (const Error& e) {
          log::Warning("fleet agent: " + name +
                       "'s renewal conf cannot be read (" + e.what() +
                       "); checking the default nginx and Apache roots");
        }
      }
      const std::string by = StripControl(current.tombstone->node);
      try {
        CheckLineageUnused(
            ctx, name, settings.nginx.server_root, settings.apache.server_root,
            "; the fleet deleted it (" + (by.empty() ? "" : "by " + by + ", ") +
                "up to version " + std::to_string(current.tombstone->deleted) +
                "), this node keeps its copy until nothing uses it");
      } catch (const Error& e) {
        log::Error("fleet agent: " + name + " not deleted: " + e.what());
        failed_[name] = services_.clock.Now() + kRetryFailed;
        return;
      }
      DeleteLineage(ctx, name);
      log::Info("fleet agent: deleted " + name +
                ", as the fleet did (up to version " +
                std::to_string(current.tombstone->deleted) +
                (by.empty() ? "" : ", by " + by) + ")");
    }
    fleet::RemoveDeployment(etcd_, fleet_.prefix, name, node_.name);
  }

  void Materialize(const std::set<std::string>& names) {
    RunContext ctx(o_.common, services_);
    Hooks hooks(services_.runner, ctx.fs(), ctx.layout(), o_.directory_hooks);
    std::vector<NginxOptions> reload;
    std::vector<std::pair<std::string, fleet::Deployment>> deployed;
    for (const std::string& name : names) {
      try {
        storage::LineageStore::ValidateName(name);
        std::optional<fleet::LoadedLineage> loaded =
            fleet::LoadLineage(etcd_, fleet_.prefix, name, fleet_keys_);
        if (!loaded) {
          RemoveDeleted(ctx, name);
          continue;
        }
        sys::FileLock lock = ctx.LockLineage(name);
        const bool changed = WriteLocal(ctx, name, loaded->files);
        const std::string serial =
            crypto::Certificate::FromPem(loaded->files.cert).SerialHex();
        LineageInfo info =
            InspectLineage(ctx, name, InspectDepth::kCertificate);
        if (!info.problem.empty())
          log::Warning("fleet agent: " + name +
                       "'s renewal settings (for its deploy hook and "
                       "installer): " +
                       info.problem);
        if (changed) {
          log::Info("fleet agent: " + name + " is now version " +
                    std::to_string(loaded->version) + " (serial " + serial +
                    ")");
          std::vector<std::string> deploy;
          AddHook(deploy, info.settings.deploy_hook);
          AddHook(deploy, o_.deploy_hook);
          hooks.RunDeploy(deploy, ctx.layout().live_dir(name), info.domains);
          if (info.settings.installer == "nginx")
            reload.push_back(info.settings.nginx);
        }
        deployed.push_back({name,
                            {node_.name, loaded->version, serial,
                             UnixSeconds(services_.clock.Now())}});
      } catch (const etcd::EtcdError&) {
        throw;  // the whole batch again, once etcd answers
      } catch (const sys::LockBusyError& e) {
        log::Debug("fleet agent: " + StripControl(name) +
                   " not materialized yet, a local run holds it: " + e.what());
        failed_[name] = services_.clock.Now() + kRetryBusy;
      } catch (const Error& e) {
        log::Error(
            "fleet agent: " + StripControl(name) +
            " not materialized, its local files are untouched: " + e.what());
        failed_[name] = services_.clock.Now() + kRetryFailed;
      }
    }
    ReloadNginxAfterRenewal(services_.runner, ctx.fs(), services_.clock,
                            reload);
    for (const auto& [name, d] : deployed)
      fleet::RecordDeployment(etcd_, fleet_.prefix, name, d);
  }

  void Deregister() {
    if (lease_ == 0) return;
    try {
      etcd_.LeaseRevoke(lease_);
    } catch (const etcd::EtcdError& e) {
      log::Warning(
          "fleet agent: deregistering failed (the entry expires "
          "with its lease): " +
          std::string(e.what()));
    }
    lease_ = 0;
  }

  const AgentOptions& o_;
  Services& services_;
  FleetOptions fleet_;
  crypto::SealKeys fleet_keys_;
  FleetConnection connection_;
  etcd::Client& etcd_;
  solvers::Http01Responder* responder_ = nullptr;
  FleetNode node_;
  int64_t lease_ = 0;
  TimePoint next_heartbeat_{};
  int64_t since_ = 0;
  bool etcd_down_ = false;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, TimePoint> failed_;  // name -> when to retry
  std::optional<AgentRenewer> renewer_;
};

}  // namespace

int RunAgent(
    const AgentOptions& o, Services& services,
    const std::function<bool(std::chrono::milliseconds)>& wait_for_stop) {
  FleetOptions fleet = CheckFleetOptions(o.fleet, services.fs);
  if (fleet.secret_file.empty())
    throw UsageError(
        "agent: --fleet-secret-file is required (the fleet key that opens "
        "the private keys; `certpilot fleet keygen` makes one)");
  if (o.http01_port < 0 || o.http01_port > 65535)
    throw UsageError("agent: --http-01-port must be 0-65535");
  if (o.lease_ttl < 3) throw UsageError("agent: the lease TTL is at least 3 s");
  // A renew child without them would renew this node's copies alone.
  if (o.renew.enabled && o.fleet_args.empty())
    throw Error("agent: internal error: no --fleet-* arguments for renew");
  if (o.renew.interval.count() <= 0 || o.renew.jitter.count() < 0)
    throw UsageError(
        "agent: --renew-interval must be > 0 and --renew-jitter >= 0");
  Agent agent(o, services, std::move(fleet));
  return agent.Run(wait_for_stop);
}

int RunAgentUntilSignalled(const AgentOptions& o, Services& services) {
  sys::StopSignals signals;
  return RunAgent(o, services, [&signals](std::chrono::milliseconds d) {
    return signals.WaitFor(d);
  });
}

}  // namespace certpilot::app
