// Fleet mode of a run that changes lineages (issue #17): certonly, renew and
// `fleet push` take each lineage's fleet lock (fleet/lineage_lock.h), keep
// its lease alive while they order, and publish the new version fenced by
// the lock (fleet/lineage_record.h) BEFORE they commit it to the local tree.
//
// Why publish first: a publish the fence refuses (this node lost its lock,
// another node's version stands) then leaves nothing to roll back: the local
// tree still holds its previous version, and no deploy hook saw the refused
// one. A publish that succeeds while the local commit then fails (disk full,
// a crash in between) loses nothing either: the fleet holds the complete
// version, its key sealed, and every node's agent (or this node's next run)
// materializes it. The version is verified (storage::VerifyVersion) before
// it is published, so the fleet never holds one the local store would
// refuse.
//
// Keepalive: a thread of its own, with its own etcd connection (an
// etcd::Client is single-threaded), renews the lease of every lock held
// every third of --fleet-lock-ttl. A node paused past the TTL loses the lock
// all the same; the fence then refuses its publish.
//
// Thread-safe: renew's workers publish through one session (a mutex guards
// the etcd connection, which keeps requests short). The destructor stops
// the keepalive thread and releases every lock still held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/types/fleet.h"
#include "app/wiring/fleet_connection.h"
#include "app/wiring/fleet_http01_solver.h"
#include "app/wiring/services.h"
#include "fleet/lineage_lock.h"
#include "fleet/lineage_record.h"
#include "fleet/lineage_tombstone.h"
#include "storage/lineage_store.h"

namespace certpilot::app {

class FleetSession {
 public:
  // Checks `options` (CheckFleetOptions: UsageError) and reads the fleet key:
  // --fleet-secret-file is required (UsageError), since every version
  // carries a private key to seal. No network I/O.
  FleetSession(const FleetOptions& options, Services& services);
  ~FleetSession();
  FleetSession(const FleetSession&) = delete;
  FleetSession& operator=(const FleetSession&) = delete;

  const FleetOptions& options() const { return options_; }
  // The fleet keys: --fleet-secret-file seals, --fleet-old-secret-file too
  // open.
  const crypto::SealKeys& keys() const { return keys_; }

  // Takes `lineage`'s fleet lock, trying again until `wait` has passed.
  // Returns "" once held (also when already held by this session), else the
  // node that holds it ("another node" when it vanished in between).
  // etcd::EtcdError when etcd cannot be reached.
  std::string Lock(const std::string& lineage, std::chrono::milliseconds wait);
  // Gives the lock up (no-op when not held).
  void Unlock(const std::string& lineage);

  // The fleet's current version of `lineage`, private key opened; nullopt
  // when it was never published. LoadLineage's errors.
  std::optional<fleet::LoadedLineage> Load(const std::string& lineage);

  // What the fleet's `current` of `lineage` says: the version it serves, or
  // the tombstone of a fleet-wide delete (fleet/lineage_tombstone.h).
  fleet::LineageCurrent Current(const std::string& lineage);

  // Deletes `lineage` fleet-wide: a tombstone in place of every version,
  // fenced by this session's lock on it. Returns the tombstone written,
  // nullopt when the fleet has no such lineage (never published, or deleted
  // already). FleetError "lock lost" when the fence refuses (nothing was
  // written); FleetError when the lock is not held.
  std::optional<fleet::Tombstone> Delete(const std::string& lineage);

  // Verifies `files` (storage::VerifyVersion) and publishes them with
  // `renewal_conf` as the lineage's next version, fenced by this session's
  // lock on it. Returns the version number. FleetError "lock lost; another
  // node's version stands" when the fence refuses (nothing was written);
  // FleetError when the lock is not held.
  int64_t Publish(const std::string& lineage,
                  const storage::CertificateFiles& files,
                  const std::string& renewal_conf);

  // The session's etcd client, for one-off requests from the thread that
  // owns the session while no worker publishes.
  etcd::Client& etcd() { return *connection_.etcd; }

  // The fleet's HTTP-01 solver for this run's orders (fleet_http01_solver.h:
  // the key authorizations go to etcd, every node's agent serves them, each
  // live node is self-checked before the CA is told), made on the first call
  // with a connection of its own and a self-check client from
  // `make_self_check` (plain http:// allowed). Lives as long as the session.
  // nullptr (local responders answer) when no node is registered under the
  // prefix: nobody else could serve the token. etcd::EtcdError.
  issuance::ChallengeSolver* Http01Solver(
      const std::function<std::unique_ptr<http::HttpClient>()>&
          make_self_check);

  // After this node published `lineage` as `version` (Publish) and
  // committed it to its local tree: records that this node serves it,
  // certificate `serial` (hex), now (PREFIX/deployed/LINEAGE/NODE,
  // fleet/deployment_record.h). So `fleet status` does not show the
  // renewer lagging until its agent polls, and a node without an agent is
  // shown right. One put. A failure is a warning, not an error: the version
  // is published and local all the same.
  void RecordOwnDeployment(const std::string& lineage, int64_t version,
                           const std::string& serial);

 private:
  void KeepAliveLoop();

  FleetOptions options_;
  Services& services_;
  crypto::SealKeys keys_;  // the fleet key, and old ones while it rotates
  std::mutex mu_;          // guards connection_ and locks_
  FleetConnection connection_;
  std::map<std::string, std::unique_ptr<fleet::LineageLock>> locks_;
  // The keepalive thread's own connection and its stop signal.
  FleetConnection keepalive_connection_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread keepalive_;
  // Http01Solver's: declared last, so the solver goes first (it revokes its
  // lease through challenge_connection_).
  FleetConnection challenge_connection_;
  std::unique_ptr<http::HttpClient> self_check_http_;
  std::unique_ptr<FleetHttp01Solver> http01_;
};

}  // namespace certpilot::app
