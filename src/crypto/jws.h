// JWS signatures (RFC 7515) with a PrivateKey: the algorithm a key signs
// with and the signature itself. Building the JWS object (protected header,
// payload, base64url) is acme/'s.
//
// Values in, values out; throws CryptoError. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "crypto/private_key.h"

namespace certpilot::crypto {

// JWS algorithm for `key`: "ES256" (P-256), "ES384" (P-384), "RS256".
std::string JwsAlgorithm(const PrivateKey& key);
// Signs `data` (the JWS signing input) for JWS (RFC 7515/7518): RS256 =
// PKCS#1 v1.5 SHA-256; ES256/ES384 = the raw r||s form, each half
// zero-padded to 32/48 bytes (RFC 7518 §3.4), not DER.
std::string SignJws(const PrivateKey& key, std::string_view data);

}  // namespace certpilot::crypto
