// The plain values of DNS-01 over RFC 2136: a DNS server's address, TSIG
// keys (RFC 8945), the error a DNS exchange throws and RCODE names. No I/O
// and no ldns here, so code that only configures or reports DNS (credential
// parsing, app/) does not depend on the client (dns_client.h,
// ldns_dns_client.h).
//
// Parse* throw UsageError naming the text. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace certpilot::solvers
