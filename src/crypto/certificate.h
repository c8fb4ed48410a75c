// X.509 certificates: parse, inspect, compare keys, split PEM chains.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/private_key.h"

typedef struct x509_st X509;

namespace certpilot::crypto {

// An immutable parsed certificate. Copies share the X509 (reference-counted);
// const methods are safe to call from several threads.
class Certificate {
 public:
  // One PEM CERTIFICATE block (first block if several). Throws CryptoError.
  static Certificate FromPem(std::string_view pem);
  static Certificate FromDer(std::string_view der);

  std::string ToPem() const;
  std::string ToDer() const;
  std::chrono::system_clock::time_point NotBefore() const;
  std::chrono::system_clock::time_point NotAfter() const;
  // Lowercase hex, no leading zeros, no colons (e.g. "fa1b2c...").
  std::string SerialHex() const;
  // The ARI certificate identifier (RFC 9773 §4.1): base64url of the
  // Authority Key Identifier's keyIdentifier, ".", base64url of the serial's
  // DER content octets (a leading zero octet kept). Throws CryptoError when
  // the certificate has no AKI keyIdentifier.
  std::string AriCertId() const;
  // One-line RFC 2253 issuer/subject, and the issuer's CN alone ("" if none).
  std::string Issuer() const;
  std::string IssuerCommonName() const;
  std::string Subject() const;
  // SAN dNSName values (as written) and iPAddress values (textual form, e.g.
  // "127.0.0.1", "::1"), in certificate order.
  std::vector<std::string> DnsNames() const;
  std::vector<std::string> IpAddresses() const;
  // The OCSP responder URLs of its Authority Information Access extension
  // (RFC 5280 §4.2.2.1), in certificate order; empty when it has none (Let's
  // Encrypt's certificates since 2025).
  std::vector<std::string> OcspUrls() const;
  // DER SubjectPublicKeyInfo; equal to PrivateKey::PublicKeyDer() of its key.
  std::string PublicKeyDer() const;
  bool MatchesKey(const PrivateKey& key) const;
  // KeySpec of the certified public key.
  KeySpec PublicKeySpec() const;
  // True if this certificate's signature verifies under issuer's key and its
  // issuer name equals issuer's subject.
  bool IssuedBy(const Certificate& issuer) const;

  X509* get() const { return cert_.get(); }
  // Takes ownership of `owned`; throws CryptoError if it is null.
  explicit Certificate(X509* owned);

 private:
  std::shared_ptr<X509> cert_;
};

// Splits a PEM chain (leaf first) into normalised PEM blocks, one per
// certificate, each parsed. RFC 8555 §11.4: any block that is not
// "CERTIFICATE", or any non-whitespace text outside blocks, is rejected with
// CryptoError. An empty chain is an error.
std::vector<std::string> SplitPemChain(std::string_view pem);

}  // namespace certpilot::crypto
