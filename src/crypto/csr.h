// Certificate signing requests (RFC 2986) for ACME finalize (RFC 8555 §7.4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_key.h"

namespace certpilot::crypto {

// DER CSR signed by `key` (SHA-256). Every name becomes a subjectAltName:
// IPv4/IPv6 literals as iPAddress, everything else as dNSName. The subject is
// only CN = the first DNS name, when it is ≤ 64 characters (as
// certbot does); without a CN the SAN extension is marked critical (RFC 5280
// §4.2.1.6). No other extensions unless `must_staple` (TLS Feature
// status_request, RFC 7633). Throws CryptoError for an empty list, and for an
// empty name or one with non-printable-ASCII bytes (callers validate first).
//
// Version 1 (value 0) is the only version RFC 2986 §4.1 defines.
std::string MakeCsrDer(const PrivateKey& key,
                       const std::vector<std::string>& names,
                       bool must_staple = false);

// A CSR someone else made (`certonly --csr`).
struct ParsedCsr {
  std::string der;  // what finalize sends (RFC 8555 §7.4)
  // The names to order: the subjectAltName dNSNames and iPAddresses, and the
  // subject CN when no SAN holds it (as certbot reads CSRs).
  std::vector<std::string> dns_names, ip_addresses;
  std::string
      public_key_der;  // SubjectPublicKeyInfo, to check the issued certificate
};

// Accepts PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER.
// Throws CryptoError when it is neither, when its signature does not verify
// with its own key, or when it names nothing.
ParsedCsr ParseCsr(std::string_view pem_or_der);

}  // namespace certpilot::crypto
