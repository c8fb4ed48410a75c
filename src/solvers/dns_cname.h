// CNAME delegation for DNS-01 (as lego and acme.sh do it; certbot does not):
// _acme-challenge.example.com may be a CNAME into a zone that can be
// automated (_acme-challenge.example.com → x.acme.example.net); a CA
// validating the challenge follows the CNAME (RFC 8555 §8.4 asks for a TXT
// lookup, and resolvers follow CNAMEs), so the TXT record goes where the
// chain ends.
//
// Thread-safe when the DnsClient is.
#pragma once

#include <string>
#include <vector>

#include "solvers/dns_client.h"
#include "solvers/dns_types.h"

namespace certpilot::solvers {

// The longest chain followed: a CNAME to a CNAME … more than this many hops
// is a configuration error, not a delegation.
inline constexpr int kMaxCnameChain = 8;

// A CNAME loop or a chain longer than kMaxCnameChain. chain() holds the
// names in order (the first is the challenge name). A DnsError: exit 1, like
// any other DNS failure — the command line is fine, the zone needs fixing.
class DnsCnameError : public DnsError {
 public:
  DnsCnameError(const std::string& message, std::vector<std::string> chain)
      : DnsError(message), chain_(std::move(chain)) {}
  const std::vector<std::string>& chain() const { return chain_; }

 private:
  std::vector<std::string> chain_;
};

// Where the TXT record for `name` goes: `name` itself when it has no CNAME,
// else the end of its CNAME chain, asked of `resolver` one hop at a time.
// Returned lower-case, without the trailing dot. A server that answers
// REFUSED or NOTAUTH for a hop cannot say (it is neither authoritative for
// that name nor recursing): the chain is taken to end at the last name
// known, which is logged. Throws DnsCnameError for a loop or an over-long
// chain (naming every name in it) and DnsError for other failures (timeout,
// SERVFAIL): writing the record at the wrong name would only fail later and
// less clearly.
std::string FollowCnameChain(DnsClient& resolver, const std::string& name);

}  // namespace certpilot::solvers
