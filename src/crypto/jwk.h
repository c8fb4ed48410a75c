// JSON Web Keys (RFC 7517, RFC 7518 §6) of a PrivateKey, and its RFC 7638
// thumbprint — the account key as ACME shows it (RFC 8555 §6.2 `jwk`
// header, §8.1 key authorizations) and as certbot stores it
// (private_key.json; storage/ does the JSON).
//
// Values in, values out; throws CryptoError. Thread-safe.
#pragma once

#include <map>
#include <string>

#include "crypto/private_key.h"

namespace certpilot::crypto {

// The public JWK in RFC 7638 canonical form: required members only,
// lexicographic order, no whitespace, e.g.
// {"crv":"P-256","kty":"EC","x":"...","y":"..."} or
// {"e":"AQAB","kty":"RSA","n":"..."}. Usable both as the `jwk` header value
// and as thumbprint input.
std::string PublicJwk(const PrivateKey& key);
// base64url(SHA-256(PublicJwk(key))) — RFC 7638 §3.
std::string JwkThumbprint(const PrivateKey& key);

// Every JWK member including the private ones, values base64url (RFC 7518
// §6.2, §6.3): EC: kty, crv, x, y, d (each fixed width, 32 or 48 bytes);
// RSA: kty, n, e, d, p, q, dp, dq, qi (minimal big-endian, RFC 7518 §2
// Base64urlUInt). This is the member set certbot stores in an account's
// private_key.json. The values are secret.
std::map<std::string, std::string> PrivateJwkFields(const PrivateKey& key);
// Inverse of PrivateJwkFields(). Members other than those above (e.g.
// "kid", "alg", "use") are ignored, except "oth" (multi-prime RSA), which
// is unsupported. Throws CryptoError naming the missing or malformed member,
// or when the private half does not match the public members (checked with
// OpenSSL's pairwise key check: ~0.1 ms for EC, ~40 ms for RSA-2048).
PrivateKey PrivateKeyFromJwkFields(
    const std::map<std::string, std::string>& fields);

}  // namespace certpilot::crypto
