// ARI (RFC 9773) for a whole renew pass: for each lineage, the stored answer
// while it holds (no request at all), else the CA's answer, fetched
// concurrently — so a pass over 10,000 lineages against a CA 25 ms away takes
// seconds, and one where every answer is still cached sends nothing, not even
// the directory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/types/options.h"
#include "app/wiring/run_context.h"
#include "app/wiring/services.h"
#include "etcd/client.h"

namespace certpilot::app {

// One lineage's question and, after AriChecker::Check, the answer.
struct AriQuery {
  std::string lineage;
  std::string cert_id;  // RFC 9773 §4.1
  std::string server;   // the directory URL to ask
  // Results:
  bool offered = false;  // the CA answers ARI for it (stored or fetched)
  bool renew_now = false;
};

// The most renewalInfo requests in flight at once, each worker on its own
// kept-alive connection: 10,000 lookups at 50 ms a round trip need ~80
// round trips, ~4 s.
inline constexpr size_t kAriConcurrency = 128;

// Fleet mode (issue #17): the fleet's ARI states (fleet/ari_record.h).
struct FleetAri {
  etcd::Client& etcd;
  std::string prefix;
};

// Answers a renew pass's queries, a batch at a time (Check), keeping for
// the whole pass each CA's directory and up to kAriConcurrency kept-alive
// connections, so that batching costs no new connection; a CA that failed
// once (no directory, a connection failing) is not asked again in the
// pass. Use from one thread; it runs its own workers.
// With `fleet`, another node's answer about the same certificate counts as
// stored when it is newer than this node's: the states of the lineages
// from the first query's to the last's (sorted by lineage: one range
// request; unsorted: every state) are read first.
class AriChecker {
 public:
  AriChecker(const CommonOptions& common, Services& services, RunContext& ctx,
             FleetAri* fleet = nullptr);
  ~AriChecker();
  AriChecker(const AriChecker&) = delete;
  AriChecker& operator=(const AriChecker&) = delete;

  // Fills in every query's results, storing new answers in the ARI state
  // (app/wiring/ari_state.h) with their Retry-After. A CA without
  // renewalInfo, or one that fails, leaves its queries unanswered
  // (offered = false): the local rule stays in charge. Never throws for
  // the CA's failures. With `fleet` (above), new answers are published for
  // the other nodes; etcd failing leaves this node's own states in charge
  // (a warning, no failure).
  void Check(std::vector<AriQuery>& queries);

  // A CA's directory and kept connections (ari_check.cc).
  struct Server;

 private:
  const CommonOptions& common_;
  Services& services_;
  RunContext& ctx_;
  FleetAri* fleet_;
  std::map<std::string, std::unique_ptr<Server>> servers_;  // by directory URL
};

}  // namespace certpilot::app
