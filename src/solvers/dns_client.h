// Talking DNS for DNS-01: TXT lookups (the propagation check) and RFC 2136
// dynamic updates signed with TSIG (RFC 8945). DnsClient is the seam (tests
// substitute a fake); LdnsDnsClient is the real one, built on ldns.
// dns_client.cc is the only file of certpilot that includes ldns, and no DNS
// packet is built or parsed by hand.
//
// Names are given with or without the trailing dot and compared without
// regard to case. Every method throws DnsError for transport failures
// (timeout, refused connection), malformed or mismatched answers, a bad TSIG
// on an answer, and for answer codes other than those the method documents.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace certpilot::solvers {

// Where DNS messages go: an IP literal (no brackets) and a port. Host names
// are not accepted: resolving the DNS server through DNS is a loop we avoid
// (certbot's dns_rfc2136_server is an IP address too).
struct DnsServerAddress {
  std::string ip;
  std::uint16_t port = 53;
  // "127.0.0.1:53", "[::1]:5353".
  std::string ToString() const;
  bool operator==(const DnsServerAddress&) const = default;
};

// Parses "IP", "IP:PORT", "[IPv6]:PORT" or a bare IPv6 literal (then the
// port is `default_port`). Throws UsageError naming `text`.
DnsServerAddress ParseDnsServerAddress(std::string_view text,
                                       std::uint16_t default_port = 53);

// TSIG algorithms (RFC 8945 §6). ldns 1.8 implements these four;
// hmac-sha224 and hmac-sha384 are refused with a clear message.
enum class TsigAlgorithm { kHmacMd5, kHmacSha1, kHmacSha256, kHmacSha512 };

// certbot's spellings ("HMAC-SHA512"), any case, and the DNS names
// ("hmac-sha512", "hmac-sha512.", "hmac-md5.sig-alg.reg.int"). Throws
// UsageError for anything else.
TsigAlgorithm ParseTsigAlgorithm(std::string_view text);
// certbot's spelling: "HMAC-MD5", "HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512".
std::string TsigAlgorithmName(TsigAlgorithm algorithm);

struct TsigKey {
  std::string name;  // the key's DNS name, e.g. "certbot." or "keyname"
  TsigAlgorithm algorithm = TsigAlgorithm::kHmacMd5;  // certbot's default
  std::string secret;  // base64, as in BIND/knot key files and certbot's ini
};

// A DNS exchange failed or the server said no. rcode() is the DNS RCODE of
// the answer when there was one (e.g. 5 REFUSED, 9 NOTAUTH).
class DnsError : public Error {
 public:
  explicit DnsError(const std::string& message,
                    std::optional<int> rcode = std::nullopt)
      : Error(message), rcode_(rcode) {}
  std::optional<int> rcode() const { return rcode_; }

 private:
  std::optional<int> rcode_;
};

// "NOERROR", "SERVFAIL", "NOTAUTH", ..., or "RCODE 23".
std::string RcodeName(int rcode);

class DnsClient {
 public:
  virtual ~DnsClient() = default;
  // The server, for messages ("127.0.0.1:53").
  virtual std::string Describe() const = 0;
  // The TXT values at `name` (each record's character-strings joined), in
  // the order the server sent them; CNAMEs in the answer are followed. Empty
  // for NXDOMAIN and for a name without TXT records. Other RCODEs throw.
  virtual std::vector<std::string> QueryTxt(const std::string& name) = 0;
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

// The real client. Queries for TXT go over UDP (TCP after a truncated
// answer) with a random ID, and an answer must echo the ID and question.
// SOA lookups and updates go over TCP, as certbot does. Stateless between
// calls, so thread-safe; each call blocks for at most a few timeouts.
// The constructor does no I/O.
class LdnsDnsClient : public DnsClient {
 public:
  explicit LdnsDnsClient(LdnsDnsClientOptions options);

  std::string Describe() const override;
  std::vector<std::string> QueryTxt(const std::string& name) override;
  std::string FindZone(const std::string& name) override;
  void AddTxt(const std::string& zone, const std::string& name,
              const std::string& value, std::uint32_t ttl) override;
  void DeleteTxt(const std::string& zone, const std::string& name,
                 const std::string& value) override;

 private:
  LdnsDnsClientOptions options_;
};

}  // namespace certpilot::solvers
