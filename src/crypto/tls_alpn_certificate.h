// The TLS-ALPN-01 challenge certificate (RFC 8737 §3): self-signed, for one
// identifier, carrying the critical acmeIdentifier extension
// (id-pe-acmeIdentifier, 1.3.6.1.5.5.7.1.31) whose extnValue is the DER
// OCTET STRING of SHA-256(key authorization). Values in, values out: the
// responder that presents it lives in solvers/.
//
// Thread-safe; throws CryptoError.
#pragma once

#include <string>
#include <string_view>

#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace certpilot::crypto {

struct TlsAlpnCertificate {
  Certificate certificate;
  PrivateKey key;  // a fresh P-256 key, the certificate's own
};

// `name` becomes the only subjectAltName: an IPv4/IPv6 literal as an
// iPAddress (RFC 8738 §6), anything else as a dNSName, exactly as given
// (callers write DNS names lower-case without a trailing dot). Subject CN
// "certpilot tls-alpn-01 challenge", a random 127-bit serial, valid from an
// hour ago for a week, signed with SHA-256. Throws CryptoError for an empty
// name or one with bytes outside printable ASCII (callers validate first),
// and when OpenSSL fails.
TlsAlpnCertificate MakeTlsAlpnCertificate(const std::string& name,
                                          std::string_view key_authorization);

}  // namespace certpilot::crypto
