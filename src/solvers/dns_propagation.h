// Waiting until DNS-01 TXT records can be seen before the CA is told to look
// (RFC 8555 §8.2: do not answer a challenge before the response is in
// place). Two ways, combinable:
//  - poll a DNS server (`--dns-resolver HOST:PORT`, or for RFC 2136 the
//    server that took the update) until every expected value is visible,
//    backing off between polls, up to a deadline;
//  - a plain wait of N seconds (`--dns-propagation-seconds N`), for
//    secondaries or resolvers nobody can poll.
// When both are set, the poll comes first, then the fixed wait. All waiting
// goes through Clock, so tests run on a fake clock without sleeping.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "solvers/dns_client.h"
#include "util/clock.h"
#include "util/error.h"

namespace certpilot::solvers {

struct TxtRecord {
  std::string name;   // "_acme-challenge.example.com" (dot optional)
  std::string value;  // the DNS-01 digest
  bool operator==(const TxtRecord&) const = default;
};

struct PollPolicy {
  // Give up this long after the first query.
  std::chrono::milliseconds timeout = std::chrono::minutes(2);
  // Pause after the first unsuccessful round; doubles up to max_interval.
  std::chrono::milliseconds initial_interval{500};
  std::chrono::milliseconds max_interval{8000};
};

// The records were not visible before the deadline. what() names each
// missing record, what the server showed instead (or its last error), and
// the server.
class DnsPropagationError : public Error {
 public:
  using Error::Error;
};

// Queries `server` for each record's name, in rounds, until every value is
// among the TXT values at its name (other values may be there too; a name is
// queried once per round however many values it should hold). Query errors
// (timeouts, SERVFAIL) count as "not visible yet". Throws
// DnsPropagationError at the deadline.
void AwaitTxtRecords(DnsClient& server, Clock& clock,
                     const std::vector<TxtRecord>& records,
                     const PollPolicy& policy = {});

// What --dns-resolver / --dns-propagation-seconds ask for.
struct DnsPropagationOptions {
  // Poll this server (not owned; must outlive the solver using these
  // options). nullptr = no polling.
  DnsClient* resolver = nullptr;
  PollPolicy poll;
  // Then wait this long. 0 = no fixed wait.
  std::chrono::seconds fixed_wait{0};

  bool enabled() const { return resolver != nullptr || fixed_wait.count() > 0; }
};

// Runs what `options` asks for (nothing when !enabled() or `records` is
// empty), logging each step.
void WaitForPropagation(Clock& clock, const DnsPropagationOptions& options,
                        const std::vector<TxtRecord>& records);

}  // namespace certpilot::solvers
