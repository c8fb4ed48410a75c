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

// Asks `server` about each of `asks` with up to kAriConcurrency workers,
// each with its own HTTP client (a kept-alive connection) and the
// directory fetched once.
void FetchFromCa(const CommonOptions& common, Services& services,
                 RunContext& ctx, const std::string& server,
                 const std::vector<Ask>& asks) {
  acme::Directory directory;
  try {
    auto http = services.make_http(common);
    acme::Client client(*http, services.clock, server);
    directory = client.GetDirectory();
  } catch (const Error& e) {
    log::Debug("renewalInfo from " + StripControl(server) +
               " unavailable: " + e.what());
    return;
  }
  if (directory.renewal_info.empty()) return;

  std::mutex random_mu;  // services.random is not thread-safe
  auto random = [&] {
    std::lock_guard<std::mutex> lock(random_mu);
    return services.random();
  };
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    try {
      auto http = services.make_http(common);
      acme::Client client(*http, services.clock, server);
      client.SetDirectory(directory);
      for (size_t i = next++; i < asks.size() && !failed; i = next++) {
        AriQuery& q = *asks[i].query;
        AriAnswer answer;
        try {
          answer.info = client.GetRenewalInfo(q.cert_id, &answer.retry_after);
        } catch (const acme::ProblemError& e) {
          // About this certificate only (say, one the CA does not know).
          log::Debug("renewalInfo for " + q.lineage + ": " + e.what());
          continue;
        }
        AriDecision d = DecideAri(asks[i].stored, q.cert_id, answer,
                                  services.clock.Now(), random);
        SaveAriState(ctx.fs(), ctx.layout(), q.lineage, d.state);
        q.offered = true;
        q.renew_now = d.action == AriAction::kRenewNow;
      }
    } catch (const Error& e) {
      // The connection or the CA failed: stop asking it this run.
      if (!failed.exchange(true))
        log::Debug("renewalInfo from " + StripControl(server) +
                   " unavailable: " + e.what());
    }
  };
  const size_t workers = std::min(asks.size(), kAriConcurrency);
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

}  // namespace

void CheckAri(const CommonOptions& common, Services& services, RunContext& ctx,
              std::vector<AriQuery>& queries) {
  // The stored answers first: a lineage whose answer still holds costs no
  // request (RFC 9773 §4.3: ask again after the Retry-After).
  std::map<std::string, std::vector<Ask>> asks;
  const TimePoint now = services.clock.Now();
  for (AriQuery& q : queries) {
    const std::optional<AriState> stored =
        LoadAriState(ctx.fs(), ctx.layout(), q.lineage);
    AriDecision d =
        DecideAri(stored, q.cert_id, std::nullopt, now, services.random);
    if (d.action == AriAction::kAskCa) {
      asks[q.server].push_back({&q, stored});
    } else {
      q.offered = true;
      q.renew_now = d.action == AriAction::kRenewNow;
    }
  }
  for (const auto& [server, group] : asks)
    FetchFromCa(common, services, ctx, server, group);
}

}  // namespace certpilot::app
