// The TLS-ALPN-01 responder (RFC 8737): a TLS server that proves control of
// a name by the certificate it presents during the handshake, and does
// nothing else.
//
// For a name that has been Add()ed it answers a ClientHello that offers the
// ALPN protocol "acme-tls/1" and names it in SNI with a fresh self-signed
// certificate (P-256) whose only subjectAltName is that name (RFC 8737 §3;
// for an IP identifier the SNI is its reverse-DNS name and the SAN the
// address, RFC 8738 §6) and which carries the critical acmeIdentifier
// extension (id-pe-acmeIdentifier, 1.3.6.1.5.5.7.1.31) holding the DER
// OCTET STRING of SHA-256(key authorization). The handshake is refused —
// with a TLS alert, before any certificate is sent — when the client does
// not offer acme-tls/1 (no_application_protocol), sends no SNI or an
// unknown name (unrecognized_name). TLS 1.2 and 1.3 only, no session
// tickets; once the handshake completes the connection is closed (§3: no
// application data is ever exchanged).
//
// Like Http01Responder: one server with a name map shared by parallel
// orders, served by ConnectionServer (connection_server.h), which owns the
// sockets and the thread; this file speaks only TLS, over memory BIOs, so
// every byte goes out through the server's SIGPIPE-safe writes. A handshake
// must complete within handshake_timeout of the accept, and at most
// max_connections are open (a new one evicts the connection that has made
// no progress for longest), so idle or slow clients cannot stall it.
// Certificates (crypto/tls_alpn_certificate.h) are built in Add(), on the
// caller's thread, never in the loop. The constructor does no I/O.
//
// Thread safety: Add, Remove, port and handshakes_completed may be called
// from any thread at any time. Start and Stop must not race each other.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "acme/types.h"
#include "solvers/connection_server.h"  // ResponderError

namespace certpilot::solvers {

// The ALPN protocol id of RFC 8737 §6.2.
inline constexpr char kAcmeTlsAlpn[] = "acme-tls/1";

struct TlsAlpnResponderOptions {
  // IP literal to listen on; "" = all addresses (dual-stack [::], falling
  // back to 0.0.0.0), as Http01ResponderOptions.
  std::string address;
  int port = 443;  // 0 = an ephemeral port; see port()
  int max_connections = 256;
  std::chrono::milliseconds handshake_timeout{10'000};
};

// The SNI value a validation request for `identifier` carries: the DNS name
// (lower-case, no trailing dot), or for an IP address its reverse-DNS name
// ("1.0.0.127.in-addr.arpa", nibbles under ip6.arpa; RFC 8738 §6). Throws
// UsageError for an "ip" identifier that is not an IP address.
std::string TlsAlpnServerName(const acme::Identifier& identifier);

class TlsAlpnResponder {
 public:
  explicit TlsAlpnResponder(TlsAlpnResponderOptions options);
  ~TlsAlpnResponder();  // Stop()
  TlsAlpnResponder(const TlsAlpnResponder&) = delete;
  TlsAlpnResponder& operator=(const TlsAlpnResponder&) = delete;

  // Binds, listens and starts the thread. Throws ResponderError (e.g.
  // "cannot listen on port 443 (all addresses): Address already in use").
  // REQUIRES: not running.
  void Start();
  // Idempotent; closes every connection and joins the thread.
  void Stop();
  // REQUIRES: Start() succeeded.
  int port() const;

  // Serves the challenge certificate for `identifier` until Remove; replaces
  // an earlier entry for the same name (one name can present one
  // certificate at a time). Throws UsageError for an identifier that is
  // neither "dns" nor a valid "ip", crypto::CryptoError on OpenSSL failure.
  void Add(const acme::Identifier& identifier,
           const std::string& key_authorization);
  // Removes the entry for `identifier` if it still is the one for
  // `key_authorization` (so one order's CleanUp cannot withdraw another
  // order's newer entry for the same name).
  void Remove(const acme::Identifier& identifier,
              const std::string& key_authorization);

  // Handshakes completed with acme-tls/1, across Start/Stop cycles.
  std::uint64_t handshakes_completed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace certpilot::solvers
