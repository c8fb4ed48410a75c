#include "app/wiring/ari_check.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "acme/client.h"
#include "acme/problem.h"
#include "app/rules/ari_schedule.h"
#include "app/wiring/ari_state.h"
#include "etcd/etcd_error.h"
#include "fleet/ari_record.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::app {
namespace {

// A query the stored state could not answer, with that state (it keeps
// the point chosen in a window that did not move, RFC 9773 §4.2).
struct Ask {
  AriQuery* query;
  std::optional<AriState> stored;
};

// A kept-alive connection to a CA and its ACME client (directory set).
struct Connection {
  std::unique_ptr<http::HttpClient> http;
  std::unique_ptr<acme::Client> client;
};

}  // namespace

struct AriChecker::Server {
  bool unavailable = false;  // no renewalInfo, or it failed: not asked again
  std::optional<acme::Directory> directory;
  // Kept between batches, at most kAriConcurrency; `mu` guards it while
  // workers run.
  std::vector<Connection> idle;
  std::mutex mu;
};

namespace {

// Asks `url` about each of `asks` with up to kAriConcurrency workers, each
// on a connection of `server`'s pool (a new one when it has none idle), the
// directory fetched once a pass. Each new state is also put in `fetched`.
void FetchFromCa(const CommonOptions& common, Services& services,
                 RunContext& ctx, const std::string& url,
                 AriChecker::Server& server, const std::vector<Ask>& asks,
                 std::map<std::string, AriState>& fetched) {
  auto connect = [&] {
    Connection c;
    c.http = services.make_http(common);
    c.client = std::make_unique<acme::Client>(*c.http, services.clock, url);
    if (server.directory) c.client->SetDirectory(*server.directory);
    return c;
  };
  if (server.unavailable) return;
  if (!server.directory) {
    try {
      Connection c = connect();
      server.directory = c.client->GetDirectory();
      server.idle.push_back(std::move(c));
    } catch (const Error& e) {
      log::Debug("renewalInfo from " + StripControl(url) +
                 " unavailable: " + e.what());
      server.unavailable = true;
      return;
    }
  }
  if (server.directory->renewal_info.empty()) {
    server.unavailable = true;
    return;
  }

  std::mutex mu;  // services.random is not thread-safe; `fetched`
  auto random = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return services.random();
  };
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    Connection c;
    {
      std::lock_guard<std::mutex> lock(server.mu);
      if (!server.idle.empty()) {
        c = std::move(server.idle.back());
        server.idle.pop_back();
      }
    }
    try {
      if (!c.client) c = connect();
      for (size_t i = next++; i < asks.size() && !failed; i = next++) {
        AriQuery& q = *asks[i].query;
        AriAnswer answer;
        try {
          answer.info =
              c.client->GetRenewalInfo(q.cert_id, &answer.retry_after);
        } catch (const acme::ProblemError& e) {
          // About this certificate only (say, one the CA does not know).
          log::Debug("renewalInfo for " + q.lineage + ": " + e.what());
          continue;
        }
        AriDecision d = DecideAri(asks[i].stored, q.cert_id, answer,
                                  services.clock.Now(), random);
        SaveAriState(ctx.fs(), ctx.layout(), q.lineage, d.state);
        {
          std::lock_guard<std::mutex> lock(mu);
          fetched[q.lineage] = d.state;
        }
        q.offered = true;
        q.renew_now = d.action == AriAction::kRenewNow;
      }
      std::lock_guard<std::mutex> lock(server.mu);
      server.idle.push_back(std::move(c));  // for the next batch
    } catch (const Error& e) {
      // The connection or the CA failed: stop asking it this pass.
      if (!failed.exchange(true))
        log::Debug("renewalInfo from " + StripControl(url) +
                   " unavailable: " + e.what());
    }
  };
  const size_t workers = std::min(asks.size(), kAriConcurrency);
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  if (failed) {
    server.unavailable = true;
    server.idle.clear();
  }
}

// The fleet's states of the queried lineages (and any between them), parsed,
// by lineage; empty when etcd fails.
std::map<std::string, AriState> FleetStates(
    FleetAri& fleet, const std::vector<AriQuery>& queries) {
  const bool sorted = std::is_sorted(queries.begin(), queries.end(),
                                     [](const AriQuery& a, const AriQuery& b) {
                                       return a.lineage < b.lineage;
                                     });
  std::map<std::string, AriState> out;
  try {
    for (const auto& [name, text] : fleet::LoadAriRecords(
             fleet.etcd, fleet.prefix, sorted ? queries.front().lineage : "",
             sorted ? queries.back().lineage : ""))
      if (std::optional<AriState> s = ParseAriState(text))
        out.emplace(name, std::move(*s));
  } catch (const etcd::EtcdError& e) {
    log::Warning(
        "the fleet's ARI answers cannot be read, using this "
        "node's: " +
        std::string(e.what()));
  }
  return out;
}

void PublishStates(FleetAri& fleet,
                   const std::map<std::string, AriState>& states) {
  std::map<std::string, std::string> texts;
  for (const auto& [name, s] : states) texts[name] = AriStateJson(s);
  try {
    fleet::PutAriRecords(fleet.etcd, fleet.prefix, texts);
  } catch (const etcd::EtcdError& e) {
    log::Warning("the CA's ARI answers were not shared with the fleet: " +
                 std::string(e.what()));
  }
}

}  // namespace

AriChecker::AriChecker(const CommonOptions& common, Services& services,
                       RunContext& ctx, FleetAri* fleet)
    : common_(common), services_(services), ctx_(ctx), fleet_(fleet) {}

AriChecker::~AriChecker() = default;

void AriChecker::Check(std::vector<AriQuery>& queries) {
  Services& services = services_;
  RunContext& ctx = ctx_;
  std::map<std::string, AriState> shared;
  if (fleet_ && !queries.empty()) shared = FleetStates(*fleet_, queries);
  // The stored answers first: a lineage whose answer still holds costs no
  // request (RFC 9773 §4.3: ask again after the Retry-After).
  std::map<std::string, std::vector<Ask>> asks;
  const TimePoint now = services.clock.Now();
  for (AriQuery& q : queries) {
    std::optional<AriState> stored =
        LoadAriState(ctx.fs(), ctx.layout(), q.lineage);
    // Another node's answer about this certificate, when it is the newer
    // (asked again later): the same window and the same chosen point.
    auto theirs = shared.find(q.lineage);
    if (theirs != shared.end() && theirs->second.cert_id == q.cert_id &&
        (!stored || stored->cert_id != q.cert_id ||
         theirs->second.next_check > stored->next_check)) {
      stored = theirs->second;
      SaveAriState(ctx.fs(), ctx.layout(), q.lineage, *stored);
    }
    AriDecision d =
        DecideAri(stored, q.cert_id, std::nullopt, now, services.random);
    if (d.action == AriAction::kAskCa) {
      asks[q.server].push_back({&q, stored});
    } else {
      q.offered = true;
      q.renew_now = d.action == AriAction::kRenewNow;
    }
  }
  std::map<std::string, AriState> fetched;
  for (const auto& [url, group] : asks) {
    std::unique_ptr<Server>& server = servers_[url];
    if (!server) server = std::make_unique<Server>();
    FetchFromCa(common_, services, ctx, url, *server, group, fetched);
  }
  if (fleet_ && !fetched.empty()) PublishStates(*fleet_, fetched);
}

}  // namespace certpilot::app
