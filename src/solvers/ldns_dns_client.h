// The real DnsClient (dns_client.h), built on ldns: TXT queries and RFC 2136
// updates signed with TSIG (RFC 8945). ldns_dns_client.cc is the only file of
// certpilot that includes ldns, and no DNS packet is built or parsed by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "solvers/dns_client.h"
#include "solvers/dns_types.h"

namespace certpilot::solvers {

struct LdnsDnsClientOptions {
  DnsServerAddress server;
  // Signs every update (and, with sign_queries, every query) and requires a
  // valid TSIG on the answers to them. Without a key, updates go unsigned.
  std::optional<TsigKey> tsig;
  bool sign_queries = false;  // certbot's dns_rfc2136_sign_query
  // For one exchange: each UDP try, or a whole TCP connection.
  std::chrono::milliseconds timeout{5000};
  // UDP tries for a TXT query (TCP is used after a truncated answer).
  int udp_tries = 2;
};

// Queries for TXT go over UDP (TCP after a truncated answer) with a random
// ID, and an answer must echo the ID and question. SOA lookups and updates
// go over TCP, as certbot does. Stateless between calls, so thread-safe;
// each call blocks for at most a few timeouts. The constructor does no I/O.
class LdnsDnsClient : public DnsClient {
 public:
  explicit LdnsDnsClient(LdnsDnsClientOptions options);

  std::string Describe() const override;
  std::vector<std::string> QueryTxt(const std::string& name) override;
  std::optional<std::string> QueryCname(const std::string& name) override;
  std::vector<std::string> QueryNs(const std::string& zone) override;
  std::vector<std::string> QueryAddresses(const std::string& host) override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  LdnsDnsClientOptions options_;
};

}  // namespace certpilot::solvers
