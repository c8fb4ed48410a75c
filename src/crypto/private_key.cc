#include "crypto/private_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto_error.h"
#include "crypto/openssl_ptr.h"

namespace certpilot::crypto {
namespace {

using internal::EvpPkeyCtxPtr;
using internal::kP256;
using internal::kP384;
using internal::OpenSslGroupName;
using internal::OsslPtr;
using internal::SpecOfKey;

using DecoderCtxPtr = OsslPtr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using EncoderCtxPtr = OsslPtr<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;

bool IsSupportedSpec(const KeySpec& spec) {
  if (spec.type == KeyType::kRsa) {
    return spec.rsa_bits == 2048 || spec.rsa_bits == 3072 ||
           spec.rsa_bits == 4096;
  }
  return OpenSslGroupName(spec.curve) != nullptr;
}

// Finds the first PEM private key block. Skipping other blocks lets us read
// `openssl ecparam -genkey` output, which puts "EC PARAMETERS" first.
std::string_view FindPrivateKeyBlock(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  for (size_t pos = pem.find(kBegin); pos != std::string_view::npos;
       pos = pem.find(kBegin, pos + 1)) {
    size_t label_start = pos + kBegin.size();
    size_t label_end = pem.find("-----", label_start);
    if (label_end == std::string_view::npos) break;
    std::string_view label = pem.substr(label_start, label_end - label_start);
    if (label == "ENCRYPTED PRIVATE KEY") {
      throw CryptoError(
          "parsing private key: encrypted private keys are not supported");
    }
    if (label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" ||
        label == "EC PRIVATE KEY") {
      return pem.substr(pos);
    }
  }
  throw CryptoError("parsing private key: no PRIVATE KEY PEM block found");
}

}  // namespace

namespace internal {

const char* OpenSslGroupName(std::string_view curve) {
  // "prime256v1" is the name OpenSSL reports for P-256; ask for it by that
  // name so SpecOfKey() maps a generated key back to the same spec.
  if (curve == kP256) return "prime256v1";
  if (curve == kP384) return "secp384r1";
  return nullptr;
}

size_t CurveBytes(std::string_view curve) { return curve == kP384 ? 48 : 32; }

KeySpec SpecOfKey(const EVP_PKEY* key) {
  KeySpec spec;
  if (EVP_PKEY_is_a(key, "RSA")) {
    spec.type = KeyType::kRsa;
    spec.rsa_bits = EVP_PKEY_get_bits(key);
    return spec;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[80] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), &len) != 1) {
      ThrowOpenSslError("reading EC key curve");
    }
    std::string_view name(group, len);
    spec.type = KeyType::kEcdsa;
    if (name == "prime256v1" || name == "secp256r1" || name == "P-256") {
      spec.curve = std::string(kP256);
    } else if (name == "secp384r1" || name == "P-384") {
      spec.curve = std::string(kP384);
    } else {
      throw CryptoError("unsupported EC curve \"" + std::string(name) + "\"");
    }
    return spec;
  }
  const char* type = EVP_PKEY_get0_type_name(key);
  throw CryptoError(std::string("unsupported key type \"") +
                    (type != nullptr ? type : "?") + "\"");
}

}  // namespace internal

std::string KeySpec::Name() const {
  if (type == KeyType::kRsa) return "rsa-" + std::to_string(rsa_bits);
  if (curve == kP256) return "ecdsa-p256";
  if (curve == kP384) return "ecdsa-p384";
  return "ecdsa-" + curve;
}

std::optional<KeySpec> KeySpec::FromName(std::string_view name) {
  for (const KeySpec& spec :
       {KeySpec{KeyType::kEcdsa, 2048, std::string(kP256)},
        KeySpec{KeyType::kEcdsa, 2048, std::string(kP384)},
        KeySpec{KeyType::kRsa, 2048, std::string(kP256)},
        KeySpec{KeyType::kRsa, 3072, std::string(kP256)},
        KeySpec{KeyType::kRsa, 4096, std::string(kP256)}}) {
    if (spec.Name() == name) return spec;
  }
  return std::nullopt;
}

PrivateKey::PrivateKey(EVP_PKEY* owned) : key_(owned, EVP_PKEY_free) {
  if (owned == nullptr) throw CryptoError("private key: null EVP_PKEY");
}

PrivateKey PrivateKey::Generate(const KeySpec& spec) {
  if (!IsSupportedSpec(spec)) {
    throw CryptoError("generating key: unsupported key spec " + spec.Name());
  }
  const std::string what = "generating " + spec.Name() + " key";
  const bool rsa = spec.type == KeyType::kRsa;
  EvpPkeyCtxPtr ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, rsa ? "RSA" : "EC", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) ThrowOpenSslError(what);
  size_t bits = static_cast<size_t>(spec.rsa_bits);
  OSSL_PARAM params[2];
  if (rsa) {
    // The public exponent stays OpenSSL's default, 65537.
    params[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &bits);
  } else {
    params[0] = OSSL_PARAM_construct_utf8_string(
        OSSL_PKEY_PARAM_GROUP_NAME,
        const_cast<char*>(OpenSslGroupName(spec.curve)), 0);
  }
  params[1] = OSSL_PARAM_construct_end();
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    ThrowOpenSslError(what);
  }
  return PrivateKey(raw);
}

PrivateKey PrivateKey::FromPem(std::string_view pem) {
  const std::string what = "parsing private key";
  std::string_view block = FindPrivateKeyBlock(pem);
  EVP_PKEY* raw = nullptr;
  // Input type "PEM" with no structure restriction accepts both PKCS#8 and
  // the traditional RSA/EC structures.
  DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "PEM", nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!ctx) ThrowOpenSslError(what);
  const auto* data = reinterpret_cast<const unsigned char*>(block.data());
  size_t len = block.size();
  if (OSSL_DECODER_from_data(ctx.get(), &data, &len) != 1 || raw == nullptr) {
    EVP_PKEY_free(raw);
    ThrowOpenSslError(what);
  }
  PrivateKey key(raw);
  SpecOfKey(key.get());  // throws for unsupported types and curves
  return key;
}

std::string PrivateKey::ToPem() const {
  const std::string what = "encoding private key";
  EncoderCtxPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(
      key_.get(), EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr));
  if (!ctx) ThrowOpenSslError(what);
  unsigned char* data = nullptr;
  size_t len = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) {
    ThrowOpenSslError(what);
  }
  std::string pem(reinterpret_cast<const char*>(data), len);
  OPENSSL_clear_free(data, len);
  return pem;
}

std::string PrivateKey::PublicKeyDer() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);
  if (len <= 0) ThrowOpenSslError("encoding public key");
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string PrivateKey::PublicKeyPem() const {
  internal::BioPtr bio = internal::NewMemBio();
  if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1)
    ThrowOpenSslError("encoding public key as PEM");
  return internal::BioContents(bio.get());
}

KeySpec PrivateKey::Spec() const { return SpecOfKey(key_.get()); }

}  // namespace certpilot::crypto
