// PKCS#12 keystores (RFC 7292) of a private key, its certificate and the
// chain, for servers that read only keystores (Java: Tomcat, Jetty, keytool).
// Pure: bytes in, bytes out; writing the file is the caller's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/private_key.h"

namespace certpilot::crypto {

// What a keystore holds, read back.
struct Pkcs12Contents {
  PrivateKey key;
  Certificate certificate;
  std::vector<Certificate> chain;  // as stored, issuer after subject
  std::string friendly_name;       // the alias Java shows; "" if none
};

// The DER bytes of a keystore holding `key`, `cert_pem` (one certificate,
// which must match the key) and `chain_pem` (zero or more certificates),
// with `friendly_name` as the key entry's alias (what Tomcat's
// certificateKeyAlias names). Encrypted as OpenSSL 3 and Java 17 expect by
// default: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key and the
// certificates, an HMAC-SHA256 MAC, 2048 iterations each. `password` must
// not be empty (Java refuses keystores without one). Throws CryptoError.
std::string BuildPkcs12(const PrivateKey& key, std::string_view cert_pem,
                        std::string_view chain_pem,
                        const std::string& friendly_name,
                        const std::string& password);

// Parses and decrypts a keystore. Throws CryptoError when the bytes are not
// PKCS#12, the MAC does not verify under `password` (the wrong password), or
// the keystore lacks a private key or its certificate.
Pkcs12Contents ParsePkcs12(std::string_view der, const std::string& password);

}  // namespace certpilot::crypto
