// Private keys: RSA (2048/3072/4096) and ECDSA (P-256/P-384) — generating
// them and reading and writing them as PEM. Their JWK forms and RFC 7638
// thumbprint are in jwk.h, JWS signing in jws.h.
//
// PrivateKey owns an OpenSSL EVP_PKEY. It is movable, cheaply copyable
// (reference-counted), and safe to use from several threads for signing.
#pragma once

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

  EVP_PKEY* get() const { return key_.get(); }
  // Takes ownership of `owned` (which must hold a private key); throws
  // CryptoError if it is null.
  explicit PrivateKey(EVP_PKEY* owned);

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace certpilot::crypto
