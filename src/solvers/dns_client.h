// Talking DNS for DNS-01: TXT lookups (the propagation check) and RFC 2136
// dynamic updates. DnsClient is the seam: tests substitute a fake, and
// LdnsDnsClient (ldns_dns_client.h) is the real one.
//
// Names are given with or without the trailing dot and compared without
// regard to case. Every method throws DnsError for transport failures
// (timeout, refused connection), malformed or mismatched answers, a bad TSIG
// on an answer, and for answer codes other than those the method documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "solvers/dns_types.h"

namespace certpilot::solvers {

class DnsClient {
 public:
  virtual ~DnsClient() = default;
  // The server, for messages ("127.0.0.1:53").
  virtual std::string Describe() const = 0;
  // The TXT values at `name` (each record's character-strings joined), in
  // the order the server sent them; CNAMEs in the answer are followed. Empty
  // for NXDOMAIN and for a name without TXT records. Other RCODEs throw.
  virtual std::vector<std::string> QueryTxt(const std::string& name) = 0;
  // The target of the CNAME record at `name` (lower-case, trailing dot), or
  // nullopt when there is none (NXDOMAIN, or the name has no CNAME). Other
  // RCODEs throw (a server that is not authoritative and does not recurse
  // answers REFUSED: rcode() 5).
  virtual std::optional<std::string> QueryCname(const std::string& name) = 0;
  // The name servers of `zone` (its NS records: lower-case, trailing dot),
  // and the addresses of a host (its A and AAAA records, as IP literals).
  // Empty for NXDOMAIN or none; other RCODEs throw.
  virtual std::vector<std::string> QueryNs(const std::string& zone) = 0;
  virtual std::vector<std::string> QueryAddresses(const std::string& host) = 0;
  // The zone `name` lives in, as certbot's dns-rfc2136 finds it: the first
  // of `name` and its parent domains for which the server answers an SOA
  // query authoritatively (AA set, the SOA in the answer). Returned with a
  // trailing dot, lower-cased. Throws DnsError when none is found.
  virtual std::string FindZone(const std::string& name) = 0;
  // RFC 2136 §2.5.1: adds the TXT record name/value to `zone`, keeping the
  // other TXT values at that name (a second value for the same name — a
  // wildcard and its base domain — is just another record). Adding a record
  // that exists already changes nothing (§3.4.2.2).
  virtual void AddTxt(const std::string& zone, const std::string& name,
                      const std::string& value, std::uint32_t ttl) = 0;
  // RFC 2136 §2.5.4: deletes exactly the TXT record name/value (other values
  // at that name stay). Deleting a record that is not there is no error.
  virtual void DeleteTxt(const std::string& zone, const std::string& name,
                         const std::string& value) = 0;
};

}  // namespace certpilot::solvers
