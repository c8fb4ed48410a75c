#include "solvers/dns_provider_solver.h"

#include <algorithm>
#include <map>
#include <optional>

#include "solvers/dns01.h"
#include "solvers/dns_cname.h"
#include "util/log.h"
#include "util/strings.h"

namespace certpilot::solvers {

DnsProviderSolver::DnsProviderSolver(DnsProvider& provider, Clock& clock,
                                     DnsProviderSolverOptions options)
    : provider_(provider), clock_(clock), options_(std::move(options)) {}

void DnsProviderSolver::Present(const issuance::ChallengeTask& task) {
  Added added;
  added.challenge_url = task.challenge.url;
  added.record = {Dns01RecordName(task.identifier),
                  Dns01TxtValue(task.key_authorization)};
  if (options_.follow_cname && options_.cname_resolver) {
    added.record.name =
        FollowCnameChain(*options_.cname_resolver, added.record.name);
  }
  std::string zone = provider_.FindZone(added.record.name);
  added.zone = zone;
  {
    // Recorded before the change is sent: if the answer is lost, CleanUp
    // still removes the value (a no-op when it never arrived).
    std::lock_guard<std::mutex> lock(mu_);
    added_.push_back(added);
  }
  log::Info(options_.label + ": adding TXT record " +
            StripControl(added.record.name) + " in zone " + StripControl(zone) +
            " at " + provider_.Describe());
  provider_.AddTxt(zone, added.record.name, added.record.value, options_.ttl);
}

void DnsProviderSolver::Wait() {
  std::vector<Added> added;
  {
    std::lock_guard<std::mutex> lock(mu_);
    added = added_;
  }
  if (added.empty()) return;
  std::vector<TxtRecord> records;
  for (const Added& a : added) records.push_back(a.record);
  DnsPropagationOptions wait;
  wait.resolver = options_.poll_server;
  wait.poll = options_.poll;
  wait.fixed_wait = options_.fixed_wait;
  if (options_.poll_server && options_.connect) {
    AwaitAuthoritative(added);
    wait.resolver = nullptr;  // done: only the fixed wait is left
  }
  WaitForPropagation(clock_, wait, records);
}

void DnsProviderSolver::AwaitAuthoritative(const std::vector<Added>& added) {
  std::map<std::string, std::vector<TxtRecord>> by_zone;
  for (const Added& a : added) by_zone[a.zone].push_back(a.record);
  DnsClient& via = *options_.poll_server;
  for (const auto& [zone, records] : by_zone) {
    std::vector<DnsServerAddress> servers;
    try {
      for (const std::string& ns : via.QueryNs(zone))
        for (const std::string& ip : via.QueryAddresses(ns))
          servers.push_back({ip, options_.authoritative_port});
    } catch (const DnsError& e) {
      log::Info(options_.label + ": cannot find the name servers of " +
                StripControl(zone) + ": " + StripControl(e.what()));
      servers.clear();
    }
    if (servers.empty()) {
      log::Info(options_.label + ": no address for a name server of " +
                StripControl(zone) + "; polling " + via.Describe());
      AwaitTxtRecords(via, clock_, records, options_.poll);
      continue;
    }
    for (const DnsServerAddress& server : servers) {
      std::unique_ptr<DnsClient> client = options_.connect(server);
      log::Info("Waiting for " + std::to_string(records.size()) +
                " TXT record(s) to be visible at " + client->Describe() +
                ", a name server of " + StripControl(zone) + "...");
      AwaitTxtRecords(*client, clock_, records, options_.poll);
    }
  }
}

void DnsProviderSolver::CleanUp(const issuance::ChallengeTask& task) noexcept {
  std::optional<Added> added;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(added_.begin(), added_.end(), [&](const Added& a) {
      return a.challenge_url == task.challenge.url;
    });
    if (it == added_.end()) return;  // Present failed before any change
    added = *it;
    added_.erase(it);
  }
  try {
    provider_.DeleteTxt(added->zone, added->record.name, added->record.value);
    log::Info(options_.label + ": removed TXT record " +
              StripControl(added->record.name));
  } catch (const std::exception& e) {
    log::Warning(options_.label + ": could not remove TXT record " +
                 StripControl(added->record.name) + " \"" +
                 added->record.value + "\": " + StripControl(e.what()) +
                 " (remove it by hand)");
  }
}

}  // namespace certpilot::solvers
