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
// is visible (or each of the zone's authoritative servers, options.connect),
// then waits options.fixed_wait. CleanUp removes exactly the
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
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "issuance/challenge_solver.h"
#include "solvers/dns_client.h"
#include "solvers/dns_propagation.h"
#include "solvers/dns_provider.h"
#include "solvers/dns_types.h"
#include "util/clock.h"

namespace certpilot::solvers {

struct DnsProviderSolverOptions {
  std::string label = "DNS";  // log prefix: "RFC 2136", "PowerDNS"
  std::uint32_t ttl = 120;
  // Polled in Wait until every value shows (not owned; nullptr: no poll).
  DnsClient* poll_server = nullptr;
  // Instead, with `connect` set: the zone's authoritative servers, the CA's
  // source, are polled directly — their names (NS) and addresses are asked
  // of poll_server, each address is polled through connect({ip,
  // authoritative_port}). A zone whose servers cannot be found is polled
  // at poll_server after all (logged).
  std::function<std::unique_ptr<DnsClient>(const DnsServerAddress&)> connect;
  std::uint16_t authoritative_port = 53;
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

  // Polls each authoritative server of each zone in `added`.
  void AwaitAuthoritative(const std::vector<Added>& added);

  DnsProvider& provider_;
  Clock& clock_;
  DnsProviderSolverOptions options_;
  std::mutex mu_;
  std::vector<Added> added_;
};

}  // namespace certpilot::solvers
