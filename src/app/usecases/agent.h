// `certpilot agent` (issue #17): the long-running process on every node of
// a fleet. Until asked to stop it
//  - registers the node: PREFIX/nodes/NAME {address, heartbeat} under a
//    lease of lease_ttl seconds, kept alive (and the heartbeat rewritten)
//    every third of it; a lease lost while etcd was away is granted again;
//  - serves HTTP-01 (RFC 8555 §8.3) from etcd: a standalone responder on
//    --fleet-responder, else --http-01-address/--http-01-port
//    (solvers/http01_responder.h) answers
//    every token published under PREFIX/challenges/ (fleet/challenge_record.h),
//    the token map synced every poll;
//  - materializes: every poll asks which lineages' `current` changed since
//    the last revision seen (fleet/lineage_index.h; the first poll, all of
//    them), loads each (fleet/lineage_record.h, the private key opened with
//    the fleet key) and, where the local tree differs, writes it with the
//    crash-safe LineageStore (storage/lineage_store.h: live/ is always one
//    complete version) and its renewal conf with this node's paths; then
//    runs the deploy hooks of each changed lineage, reloads each nginx that
//    serves one (installer = nginx) once per batch, and records the version
//    and serial in PREFIX/deployed/LINEAGE/NODE (fleet/deployment_record.h).
//    A restart loses nothing: it compares every lineage again.
//  - deletes: a lineage the fleet deleted (`delete` in fleet mode: a
//    tombstone, fleet/lineage_tombstone.h) is deleted here too, as `delete`
//    does, under its local lineage lock, and its deployment record goes;
//    unless this node's nginx or Apache (the lineage's server roots) still
//    uses its live/ files: that is logged as an error naming the files and
//    tried again every minute.
// When etcd cannot be reached, the agent says so once, keeps its files and
// the tokens it knows, and goes on polling: it converges when etcd is back.
// A lineage that cannot be materialized (a fleet key that does not open it,
// a version that does not verify) is logged by name, its local files are
// left untouched, and it is tried again every minute; one a local run
// holds (its lineage lock: a renew on this node) is tried again a second
// later.
// - renews what is due: `certpilot renew` as a child process with the
//   agent's options, twice a day with jitter (app/usecases/agent_renewer.h);
//   the fleet's lock decides which node renews a lineage, the others then
//   materialize its new version. Off with --no-renew.
// On stop it ends a running renewal, revokes its lease (deregisters) and
// returns 0.
//
// `wait_for_stop(d)` pauses up to d and returns true when the agent should
// stop (SIGTERM: sys/stop_signals.h); it is the agent's only pause.
// Throws UsageError for bad options (no fleet key, bad --fleet-*),
// ResponderError when the port cannot be listened on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/types/fleet.h"
#include "app/types/options.h"
#include "app/usecases/agent_renewer.h"
#include "app/wiring/services.h"

namespace certpilot::app {

struct AgentOptions {
  CommonOptions common;
  FleetOptions fleet;
  std::string http01_address;  // "" = every address
  int http01_port = 80;
  // What the renewer's self-check connects to, HOST:PORT (--fleet-address);
  // "": --http-01-address:port, or the host name:port.
  std::string advertise;
  std::string deploy_hook;      // run after each lineage it changes
  bool directory_hooks = true;  // false: --no-directory-hooks
  std::chrono::milliseconds poll_interval{500};
  int64_t lease_ttl = 30;
  // enabled, interval, jitter (argv is made by RunAgent).
  AgentRenewOptions renew;
  // `fleet` as --fleet-* arguments (cli::FleetArgs, which lives beside the
  // option table), passed on to the renew child. Required while renewing.
  std::vector<std::string> fleet_args;
};

int RunAgent(
    const AgentOptions& o, Services& services,
    const std::function<bool(std::chrono::milliseconds)>& wait_for_stop);

// RunAgent until SIGTERM or SIGINT (sys::StopSignals; call it before any
// other thread starts).
int RunAgentUntilSignalled(const AgentOptions& o, Services& services);

}  // namespace certpilot::app
