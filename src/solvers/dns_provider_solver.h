// DNS-01 through any DnsProvider (dns_provider.h): an API provider, or an
// RFC 2136 server (Rfc2136Solver). After lego's DNS provider solver, with
// certbot's DNSAuthenticator contract:
//
// Present follows the CNAME chain of _acme-challenge.<name> (dns_cname.h;
// options.follow_cname), finds the provider's zone of the name it ends at,
// and adds the TXT value — other values at that name stay, so a wildcard
// and its base domain, or two orders, hold theirs at once. It records the
// value before it asks, so CleanUp removes it also when the answer was
// lost. Wait polls options.poll_server (when set) until every value added
// is visible, then waits options.fixed_wait. CleanUp removes exactly the
// value it added — also after a failed Present or validation — and logs,
// never throws, when the provider refuses. Values added by others are never
// touched.
//
// Thread-safe when the provider and servers are: one solver may serve
// several orders at once (each Wait polls for everything presented and not
// yet cleaned up).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "issuance/challenge_solver.h"
#include "solvers/dns_client.h"
#include "solvers/dns_propagation.h"
#include "solvers/dns_provider.h"
#include "util/clock.h"

namespace certpilot::solvers {

struct DnsProviderSolverOptions {
  std::string label = "DNS";  // log prefix: "RFC 2136", "PowerDNS"
  std::uint32_t ttl = 120;
  // Polled in Wait until every value shows (not owned; nullptr: no poll).
  DnsClient* poll_server = nullptr;
  PollPolicy poll;
  std::chrono::seconds fixed_wait{0};  // after the poll
  // CNAME delegation, asked of cname_resolver (not owned; nullptr: no
  // CNAME is followed).
  bool follow_cname = true;
  DnsClient* cname_resolver = nullptr;
};

class DnsProviderSolver : public issuance::ChallengeSolver {
 public:
  // `provider`, `clock` and the servers in `options` must outlive the
  // solver.
  DnsProviderSolver(DnsProvider& provider, Clock& clock,
                    DnsProviderSolverOptions options);

  std::string Type() const override { return "dns-01"; }
  // Throws what the provider throws (DnsError, DnsProviderError),
  // DnsCnameError for a CNAME loop or over-long chain, UsageError for an IP
  // identifier.
  void Present(const issuance::ChallengeTask& task) override;
  // Throws DnsPropagationError when a value does not show in time.
  void Wait() override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

 private:
  struct Added {
    std::string challenge_url;
    std::string zone;
    TxtRecord record;
  };

  DnsProvider& provider_;
  Clock& clock_;
  DnsProviderSolverOptions options_;
  std::mutex mu_;
  std::vector<Added> added_;
};

}  // namespace certpilot::solvers
