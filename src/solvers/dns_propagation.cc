#include "solvers/dns_propagation.h"

#include <algorithm>
#include <map>
#include <set>

#include "solvers/dns01.h"
#include "solvers/dns_types.h"
#include "util/log.h"
#include "util/poll.h"
#include "util/strings.h"

namespace certpilot::solvers {
namespace {

std::string Quoted(const std::vector<std::string>& values) {
  if (values.empty()) return "no TXT records";
  std::vector<std::string> q;
  for (const std::string& v : values)
    q.push_back("\"" + StripControl(v) + "\"");
  return Join(q, ", ");
}

}  // namespace

void AwaitTxtRecords(DnsClient& server, Clock& clock,
                     const std::vector<TxtRecord>& records,
                     const PollPolicy& policy) {
  // Name (lower-case FQDN) → the values it must hold.
  std::map<std::string, std::set<std::string>> wanted;
  for (const TxtRecord& r : records)
    wanted[ToLower(Fqdn(r.name))].insert(r.value);
  if (wanted.empty()) return;

  // Per name: what the server showed last, or its last error.
  std::map<std::string, std::string> last_seen;
  int round = 0;
  // One round: each name still missing something is queried once.
  auto all_visible = [&] {
    ++round;
    for (auto it = wanted.begin(); it != wanted.end();) {
      const std::string& name = it->first;
      std::set<std::string>& missing = it->second;
      try {
        std::vector<std::string> values = server.QueryTxt(name);
        for (const std::string& v : values) missing.erase(v);
        last_seen[name] = Quoted(values);
      } catch (const DnsError& e) {
        last_seen[name] = std::string("error: ") + e.what();
      }
      if (missing.empty()) {
        log::Debug("TXT records at " + StripControl(name) + " are visible at " +
                   server.Describe());
        it = wanted.erase(it);
      } else {
        ++it;
      }
    }
    return wanted.empty();
  };
  const bool visible = PollUntil(
      clock, clock.Now() + policy.timeout,
      {.interval = policy.initial_interval,
       .max_interval = policy.max_interval,
       .clip_to_deadline = true},
      all_visible, [&](Duration pause) {
        log::Debug("DNS: waiting " + std::to_string(pause.count()) +
                   " ms before polling " + server.Describe() + " again");
      });
  if (visible) {
    log::Info("DNS: every TXT record is visible at " + server.Describe() +
              " (after " + std::to_string(round) + " round" +
              (round == 1 ? "" : "s") + ")");
    return;
  }

  std::vector<std::string> problems;
  for (const auto& [name, missing] : wanted) {
    std::vector<std::string> values(missing.begin(), missing.end());
    problems.push_back(StripControl(name) + " lacks " + Quoted(values) +
                       " (it shows " + last_seen[name] + ")");
  }
  throw DnsPropagationError(
      "DNS records not visible at " + server.Describe() + " after " +
      std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(policy.timeout)
              .count()) +
      " s: " + Join(problems, "; "));
}

void WaitForPropagation(Clock& clock, const DnsPropagationOptions& options,
                        const std::vector<TxtRecord>& records) {
  if (records.empty() || !options.enabled()) return;
  if (options.resolver != nullptr) {
    log::Info("Waiting for " + std::to_string(records.size()) +
              " TXT record(s) to be visible at " +
              options.resolver->Describe() + "...");
    AwaitTxtRecords(*options.resolver, clock, records, options.poll);
  }
  if (options.fixed_wait.count() > 0) {
    log::Info("Waiting " + std::to_string(options.fixed_wait.count()) +
              " s for DNS changes to propagate...");
    clock.Sleep(std::chrono::duration_cast<Duration>(options.fixed_wait));
  }
}

}  // namespace certpilot::solvers
