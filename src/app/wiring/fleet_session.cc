#include "app/wiring/fleet_session.h"

#include <set>
#include <utility>

#include "app/wiring/fleet_nodes.h"
#include "etcd/etcd_error.h"
#include "fleet/deployment_record.h"
#include "fleet/fleet_error.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::app {

FleetSession::FleetSession(const FleetOptions& options, Services& services)
    : options_(CheckFleetOptions(options, services.fs)),
      services_(services),
      // Private keys are sealed under it.
      keys_(ReadFleetKeys(options_, services.fs, "fleet mode")) {
  if (options_.lock_ttl_seconds < 2 || options_.lock_ttl_seconds > 3600)
    throw UsageError("--fleet-lock-ttl must be between 2 and 3600 seconds");
  connection_ = ConnectFleet(options_, services);
  keepalive_connection_ = ConnectFleet(options_, services);
  keepalive_ = std::thread([this] { KeepAliveLoop(); });
}

issuance::ChallengeSolver* FleetSession::Http01Solver(
    const std::function<std::unique_ptr<http::HttpClient>()>& make_self_check) {
  if (!http01_) {
    // A fleet with no agent registered yet (nodes running renew from cron
    // only) has nobody to serve the token: this run's own responder does.
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ListFleetNodes(*connection_.etcd, options_.prefix).empty()) {
        log::Info("fleet: no agent is registered under " + options_.prefix +
                  "; http-01 is answered by this node alone");
        return nullptr;
      }
    }
    challenge_connection_ = ConnectFleet(options_, services_);
    self_check_http_ = make_self_check();
    FleetHttp01Options o;
    o.prefix = options_.prefix;
    http01_ = std::make_unique<FleetHttp01Solver>(
        *challenge_connection_.etcd, *self_check_http_, services_.clock, o);
  }
  return http01_.get();
}

FleetSession::~FleetSession() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  keepalive_.join();
  for (auto& [name, held] : locks_) {
    try {
      held->Release();
    } catch (const Error& e) {
      // The lease expires by itself within --fleet-lock-ttl.
      log::Warning("cannot release the fleet lock of " + name + ": " +
                   e.what());
    }
  }
}

std::string FleetSession::Lock(const std::string& lineage,
                               std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> guard(mu_);
  auto& held = locks_[lineage];
  if (!held)
    held = std::make_unique<fleet::LineageLock>(
        *connection_.etcd, options_.prefix, lineage, options_.node);
  fleet::LineageLock& lock = *held;
  guard.unlock();
  bool logged = false;
  auto try_once = [&] {
    std::lock_guard<std::mutex> relock(mu_);
    return lock.TryAcquire(options_.lock_ttl_seconds);
  };
  const bool acquired =
      PollUntil(services_.clock, services_.clock.Now() + wait,
                {.interval = std::chrono::milliseconds(100),
                 .max_interval = std::chrono::seconds(2),
                 .clip_to_deadline = true},
                try_once, [&](Duration) {
                  if (logged) return;
                  logged = true;
                  log::Info("waiting for the fleet lock of " + lineage +
                            ", held by " + StripControl(lock.holder()));
                });
  if (acquired) return "";
  return lock.holder().empty() ? "another node" : StripControl(lock.holder());
}

void FleetSession::Unlock(const std::string& lineage) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = locks_.find(lineage);
  if (it != locks_.end()) it->second->Release();
}

std::optional<fleet::LoadedLineage> FleetSession::Load(
    const std::string& lineage) {
  std::lock_guard<std::mutex> guard(mu_);
  return fleet::LoadLineage(*connection_.etcd, options_.prefix, lineage, keys_);
}

fleet::LineageCurrent FleetSession::Current(const std::string& lineage) {
  std::lock_guard<std::mutex> guard(mu_);
  return fleet::ReadLineageCurrent(*connection_.etcd, options_.prefix, lineage);
}

std::optional<fleet::Tombstone> FleetSession::Delete(
    const std::string& lineage) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = locks_.find(lineage);
  if (it == locks_.end() || !it->second->held())
    throw fleet::FleetError("deleting " + lineage +
                            " without holding its fleet lock");
  const fleet::TombstoneResult result = fleet::WriteTombstone(
      *connection_.etcd, it->second->fence(), options_.prefix, lineage,
      UnixSeconds(services_.clock.Now()), options_.node);
  switch (result.outcome) {
    case fleet::TombstoneOutcome::kWritten:
      return result.tombstone;
    case fleet::TombstoneOutcome::kAbsent:
      return std::nullopt;
    case fleet::TombstoneOutcome::kRefused:
      break;
  }
  throw fleet::FleetError(lineage +
                          ": lock lost, or a new version was published "
                          "meanwhile; the fleet was not changed");
}

int64_t FleetSession::Publish(const std::string& lineage,
                              const storage::CertificateFiles& files,
                              const std::string& renewal_conf) {
  storage::VerifyVersion(lineage, files);
  const fleet::LineageFiles shared{files.cert_pem, files.chain_pem,
                                   files.fullchain_pem, files.privkey_pem,
                                   renewal_conf};
  std::lock_guard<std::mutex> guard(mu_);
  auto it = locks_.find(lineage);
  if (it == locks_.end() || !it->second->held())
    throw fleet::FleetError("publishing " + lineage +
                            " without holding its fleet lock");
  std::optional<int64_t> version =
      fleet::PublishLineage(*connection_.etcd, it->second->fence(),
                            options_.prefix, lineage, shared, keys_);
  if (!version)
    throw fleet::FleetError(
        lineage +
        ": lock lost; another node's version stands (this node's new "
        "certificate was not published and not saved)");
  return *version;
}

void FleetSession::RecordOwnDeployment(const std::string& lineage,
                                       int64_t version,
                                       const std::string& serial) {
  const fleet::Deployment d{options_.node, version, serial,
                            UnixSeconds(services_.clock.Now())};
  try {
    std::lock_guard<std::mutex> guard(mu_);
    fleet::RecordDeployment(*connection_.etcd, options_.prefix, lineage, d);
  } catch (const Error& e) {
    // The version is published and committed here all the same; only
    // `fleet status` is behind (it shows this node lagging) until this
    // node's agent, if it has one, records it on its next poll.
    log::Warning("fleet: cannot record that " + options_.node + " serves " +
                 lineage + " version " + std::to_string(version) + ": " +
                 e.what());
  }
}

void FleetSession::KeepAliveLoop() {
  const auto period =
      std::chrono::milliseconds(options_.lock_ttl_seconds * 1000 / 3);
  std::set<int64_t> expired;  // leases already reported, once each
  std::unique_lock<std::mutex> guard(mu_);
  while (!stop_cv_.wait_for(guard, period, [&] { return stopping_; })) {
    std::map<std::string, int64_t> leases;
    for (const auto& [name, lock] : locks_)
      if (lock->held()) leases[name] = lock->lease();
    guard.unlock();
    for (const auto& [name, lease] : leases) {
      if (expired.count(lease)) continue;
      try {
        if (keepalive_connection_.etcd->LeaseKeepAlive(lease) == 0 &&
            expired.insert(lease).second)
          log::Warning("the fleet lock of " + name +
                       " has expired: another node may renew it; this "
                       "node's version will not be published");
      } catch (const Error& e) {
        log::Warning("cannot keep the fleet lock of " + name +
                     " alive: " + e.what());
      }
    }
    guard.lock();
  }
}

}  // namespace certpilot::app
