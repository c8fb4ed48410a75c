// DNS-01 through RFC 2136 dynamic updates signed with TSIG (`--dns-rfc2136
// --dns-rfc2136-credentials FILE`), compatible with certbot's
// certbot-dns-rfc2136 plugin and its credentials file.
//
// Present follows the CNAME chain of _acme-challenge.<name> (dns_cname.h,
// unless options.follow_cname is off), finds the zone of the name it ends at
// on the server (SOA
// queries, as certbot does) and adds the TXT record — other TXT values at
// that name stay, so a wildcard and its base domain, or two orders, can hold
// their values at once. Wait polls the same server until every value added
// is visible (then an optional fixed wait). CleanUp deletes exactly the
// value it added (also when Present failed half way: deleting a record that
// is not there is harmless). Values added by others are never touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "issuance/challenge_solver.h"
#include "solvers/dns_client.h"
#include "solvers/dns_propagation.h"
#include "solvers/dns_provider_solver.h"
#include "solvers/dns_types.h"
#include "sys/filesystem.h"
#include "util/clock.h"

namespace certpilot::solvers {

// certbot's credentials file (an INI file without sections):
//   dns_rfc2136_server = 192.0.2.1        (required; an IP address)
//   dns_rfc2136_port = 53                 (optional, default 53)
//   dns_rfc2136_name = keyname.           (required; the TSIG key name)
//   dns_rfc2136_secret = base64==         (required; the TSIG secret)
//   dns_rfc2136_algorithm = HMAC-SHA512   (optional, default HMAC-MD5)
//   dns_rfc2136_sign_query = false        (optional: TSIG-sign SOA queries)
struct Rfc2136Credentials {
  DnsServerAddress server;
  TsigKey key;
  bool sign_query = false;
};

// Parses the text of a credentials file. `source` names it in messages.
// Lines are "key = value"; "#" and ";" start comments (whole-line, or after
// whitespace); values may be quoted; keys that are not dns_rfc2136_* are
// ignored (a file may serve other plugins). Throws UsageError naming the
// file, the line and the key for a missing or malformed value (the secret's
// value is never quoted in a message).
Rfc2136Credentials ParseRfc2136Credentials(std::string_view text,
                                           const std::string& source);

// Reads and parses `path`. The file holds a secret, so a file that its group
// or others may read, write or execute (mode & 077) is refused with a
// UsageError saying to chmod 600 it. certbot only warns about this; refusing
// keeps a leaked-key mistake from going unnoticed, and is one chmod to fix.
// Also refused: anything but a regular file. Throws sys::SysError when the
// file cannot be read.
Rfc2136Credentials LoadRfc2136Credentials(sys::Filesystem& fs,
                                          const std::string& path);

// The client for the server and key in `credentials` (no I/O yet).
std::unique_ptr<DnsClient> MakeRfc2136Client(
    const Rfc2136Credentials& credentials,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct Rfc2136Options {
  std::uint32_t ttl = 120;  // certbot's default TTL for the TXT record
  PollPolicy poll;          // polling the updated server in Wait
  // A further plain wait after the poll succeeded (certbot's
  // --dns-rfc2136-propagation-seconds; it defaults to 60 there because it
  // cannot poll — here 0).
  std::chrono::seconds extra_wait{0};
  // CNAME delegation (dns_cname.h): follow _acme-challenge.NAME's CNAME
  // chain and update the zone where it ends. The chain is asked of
  // `cname_resolver` (--dns-resolver; not owned, must outlive the solver),
  // or of the update server when nullptr — it is authoritative for the
  // zones it updates, so a CNAME from one of them into another is seen.
  bool follow_cname = true;
  DnsClient* cname_resolver = nullptr;
};

// A DnsProviderSolver (dns_provider_solver.h) whose provider is the RFC
// 2136 server: thread-safe; one solver may serve several orders at once.
class Rfc2136Solver : public issuance::ChallengeSolver {
 public:
  // `client` talks to the primary server with the TSIG key; it and `clock`
  // must outlive the solver.
  Rfc2136Solver(DnsClient& client, Clock& clock, Rfc2136Options options = {});
  ~Rfc2136Solver() override;

  std::string Type() const override { return "dns-01"; }
  // Throws DnsError (zone not found, update refused, TSIG failure, timeout;
  // DnsCnameError for a CNAME loop or over-long chain) or UsageError (an IP
  // identifier).
  void Present(const issuance::ChallengeTask& task) override;
  // Throws DnsPropagationError when the server does not show every value
  // before options.poll.timeout.
  void Wait() override;
  void CleanUp(const issuance::ChallengeTask& task) noexcept override;

 private:
  class Updates;  // the server as a DnsProvider
  std::unique_ptr<Updates> updates_;
  std::unique_ptr<DnsProviderSolver> solver_;
};

}  // namespace certpilot::solvers
