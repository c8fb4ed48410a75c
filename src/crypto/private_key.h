// Private keys: RSA (2048/3072/4096) and ECDSA (P-256/P-384).
//
// PrivateKey owns an OpenSSL EVP_PKEY. It is movable, cheaply copyable
// (reference-counted), and safe to use from several threads for signing.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace certpilot::crypto {

enum class KeyType { kRsa, kEcdsa };

struct KeySpec {
  KeyType type = KeyType::kEcdsa;
  int rsa_bits = 2048;              // 2048, 3072 or 4096
  std::string curve = "secp256r1";  // secp256r1 or secp384r1

  // "ecdsa-p256", "ecdsa-p384", "rsa-2048", ... (the JSON key_type values).
  std::string Name() const;
  // Inverse of Name(): nullopt for anything Generate() would not accept.
  static std::optional<KeySpec> FromName(std::string_view name);
  bool operator==(const KeySpec&) const = default;
};

class PrivateKey {
 public:
  // Throws CryptoError for unsupported sizes/curves (callers validate input
  // first and throw UsageError; this is the backstop).
  static PrivateKey Generate(const KeySpec& spec);
  // PKCS#8, traditional ("BEGIN RSA/EC PRIVATE KEY") accepted too. The first
  // private key block is used; other blocks (e.g. "EC PARAMETERS" before it)
  // are skipped. Encrypted keys, other key types (Ed25519, RSA-PSS) and EC
  // curves other than P-256/P-384 throw CryptoError.
  static PrivateKey FromPem(std::string_view pem);

  // Unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY").
  std::string ToPem() const;
  // DER SubjectPublicKeyInfo of the public half.
  std::string PublicKeyDer() const;
  // The same as PEM ("-----BEGIN PUBLIC KEY-----", 64-column base64).
  std::string PublicKeyPem() const;
  // The spec this key satisfies (type, bits or curve). Fields that do not
  // apply keep their defaults, so it compares equal to a KeySpec built the
  // usual way. An RSA key read from PEM or JWK reports its real size, which
  // may be outside 2048/3072/4096.
  KeySpec Spec() const;

  // The public JWK in RFC 7638 canonical form: required members only,
  // lexicographic order, no whitespace, e.g.
  // {"crv":"P-256","kty":"EC","x":"...","y":"..."} or
  // {"e":"AQAB","kty":"RSA","n":"..."}. Usable both as the `jwk` header value
  // and as thumbprint input.
  std::string PublicJwk() const;
  // base64url(SHA-256(PublicJwk())) — RFC 7638 §3.
  std::string Thumbprint() const;

  // Every JWK member including the private ones, values base64url (RFC 7518
  // §6.2, §6.3): EC: kty, crv, x, y, d (each fixed width, 32 or 48 bytes);
  // RSA: kty, n, e, d, p, q, dp, dq, qi (minimal big-endian, RFC 7518 §2
  // Base64urlUInt). This is the member set certbot stores in an account's
  // private_key.json; storage/ does the JSON. The values are secret.
  std::map<std::string, std::string> PrivateJwkFields() const;
  // Inverse of PrivateJwkFields(). Members other than those above (e.g.
  // "kid", "alg", "use") are ignored, except "oth" (multi-prime RSA), which
  // is unsupported. Throws CryptoError naming the missing or malformed member,
  // or when the private half does not match the public members (checked with
  // OpenSSL's pairwise key check: ~0.1 ms for EC, ~40 ms for RSA-2048).
  static PrivateKey FromJwkFields(
      const std::map<std::string, std::string>& fields);

  // JWS algorithm for this key: "ES256" (P-256), "ES384" (P-384), "RS256".
  std::string JwsAlgorithm() const;
  // Signs `data` for JWS (RFC 7515/7518): RS256 = PKCS#1 v1.5 SHA-256;
  // ES256/ES384 = the raw r||s form, each half zero-padded to 32/48 bytes
  // (RFC 7518 §3.4), not DER.
  std::string SignJws(std::string_view data) const;

  EVP_PKEY* get() const { return key_.get(); }
  // Takes ownership of `owned` (which must hold a private key); throws
  // CryptoError if it is null.
  explicit PrivateKey(EVP_PKEY* owned);

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// SHA-256 digest (32 raw bytes).
std::string Sha256(std::string_view data);
// Hex MD5 of data (certbot's account ids are md5 of the SPKI DER).
std::string Md5Hex(std::string_view data);
// HMAC (alg "HS256", "HS384", "HS512") of data under key, raw bytes (RFC 7518
// §3.2; ACME external account binding, RFC 8555 §7.3.4). Throws CryptoError
// for any other alg.
std::string Hmac(std::string_view alg, std::string_view key,
                 std::string_view data);

}  // namespace certpilot::crypto
