#include "crypto/private_key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/openssl_ptr.h"
#include "util/base64url.h"

namespace certpilot::crypto {
namespace {

using internal::EcdsaSigPtr;
using internal::EvpMdCtxPtr;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;
using internal::OsslPtr;
using internal::SecretBignumPtr;
using internal::SpecOfKey;

using DecoderCtxPtr = OsslPtr<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using EncoderCtxPtr = OsslPtr<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;
using ParamBldPtr = OsslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OsslPtr<OSSL_PARAM, OSSL_PARAM_free>;

constexpr std::string_view kP256 = "secp256r1";
constexpr std::string_view kP384 = "secp384r1";

// OpenSSL's name for a supported curve, or nullptr.
const char* OpenSslGroupName(std::string_view curve) {
  // "prime256v1" is the name OpenSSL reports for P-256; ask for it by that
  // name so SpecOfKey() maps a generated key back to the same spec.
  if (curve == kP256) return "prime256v1";
  if (curve == kP384) return "secp384r1";
  return nullptr;
}

// Width in bytes of a field element / scalar of a supported curve: the fixed
// size of JWK "x", "y", "d" (RFC 7518 §6.2.1.2, §6.2.2.1) and of each half
// of an ES256/ES384 signature (RFC 7518 §3.4).
size_t CurveBytes(std::string_view curve) { return curve == kP384 ? 48 : 32; }

const char* JwkCurveName(std::string_view curve) {
  return curve == kP384 ? "P-384" : "P-256";
}

std::string BnToBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string BnToFixedBytes(const BIGNUM* bn, size_t width,
                           const std::string& what) {
  std::string out(width, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(width)) < 0) {
    throw CryptoError(what + ": value wider than " + std::to_string(width) +
                      " bytes");
  }
  return out;
}

// A BIGNUM parameter of the key, or null when the key does not carry it.
SecretBignumPtr GetBn(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) {
    ERR_clear_error();  // absent is an expected outcome here
    return nullptr;
  }
  return SecretBignumPtr(bn);
}

SecretBignumPtr RequireBn(const EVP_PKEY* key, const char* name,
                          const std::string& what) {
  SecretBignumPtr bn = GetBn(key, name);
  if (!bn) throw CryptoError(what + ": key has no \"" + name + "\" component");
  return bn;
}

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

// Rejects keys whose private half does not belong to their public half (a
// corrupted or hand-edited key file), before anything is signed with them.
void CheckKeyPair(EVP_PKEY* key, const std::string& what) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) ThrowOpenSslError(what);
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    ThrowOpenSslError(what + ": private key does not match its public key");
  }
}

EvpPkeyPtr KeyFromParams(const char* type, ParamBldPtr& bld,
                         const std::string& what) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) ThrowOpenSslError(what);
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) ThrowOpenSslError(what);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    ThrowOpenSslError(what);
  }
  EvpPkeyPtr key(raw);
  CheckKeyPair(key.get(), what);
  return key;
}

// Looks up and decodes one base64url JWK member, naming it on failure.
class JwkReader {
 public:
  explicit JwkReader(const std::map<std::string, std::string>& fields)
      : fields_(fields) {}

  const std::string& Text(const std::string& name) const {
    auto it = fields_.find(name);
    if (it == fields_.end()) {
      throw CryptoError("reading JWK: member \"" + name + "\" is missing");
    }
    return it->second;
  }

  std::string Bytes(const std::string& name) const {
    std::optional<std::string> bytes = Base64UrlDecode(Text(name));
    if (!bytes || bytes->empty()) {
      throw CryptoError("reading JWK: member \"" + name +
                        "\" is not a non-empty base64url value");
    }
    return *std::move(bytes);
  }

  std::string FixedBytes(const std::string& name, size_t width) const {
    std::string bytes = Bytes(name);
    if (bytes.size() != width) {
      throw CryptoError("reading JWK: member \"" + name + "\" must be " +
                        std::to_string(width) + " bytes, not " +
                        std::to_string(bytes.size()));
    }
    return bytes;
  }

  SecretBignumPtr Bignum(const std::string& name) const {
    std::string bytes = Bytes(name);
    SecretBignumPtr bn(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()), nullptr));
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (!bn) ThrowOpenSslError("reading JWK member \"" + name + "\"");
    return bn;
  }

 private:
  const std::map<std::string, std::string>& fields_;
};

EvpPkeyPtr EcKeyFromJwk(const JwkReader& jwk) {
  const std::string& crv = jwk.Text("crv");
  std::string_view curve;
  if (crv == "P-256") {
    curve = kP256;
  } else if (crv == "P-384") {
    curve = kP384;
  } else {
    throw CryptoError("reading JWK: member \"crv\" has unsupported value \"" +
                      crv + "\"");
  }
  const size_t width = CurveBytes(curve);
  // The uncompressed SEC1 point 0x04 || x || y is what OpenSSL imports.
  std::string point =
      "\x04" + jwk.FixedBytes("x", width) + jwk.FixedBytes("y", width);
  SecretBignumPtr d = jwk.Bignum("d");
  if (static_cast<size_t>(BN_num_bytes(d.get())) > width) {
    throw CryptoError("reading JWK: member \"d\" is wider than " +
                      std::to_string(width) + " bytes");
  }
  const std::string what = "reading JWK EC key";
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      OpenSslGroupName(curve), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1 ||
      OSSL_PARAM_BLD_push_BN_pad(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get(),
                                 width) != 1) {
    ThrowOpenSslError(what);
  }
  return KeyFromParams("EC", bld, what);
}

EvpPkeyPtr RsaKeyFromJwk(const JwkReader& jwk,
                         const std::map<std::string, std::string>& fields) {
  if (fields.count("oth") != 0) {
    throw CryptoError(
        "reading JWK: member \"oth\" (multi-prime RSA) is not supported");
  }
  // RFC 7518 §6.3.2 lets a producer omit p..qi, but certbot always writes
  // them and a PKCS#8 RSAPrivateKey needs them, so all are required.
  const std::pair<const char*, const char*> kMembers[] = {
      {"n", OSSL_PKEY_PARAM_RSA_N},
      {"e", OSSL_PKEY_PARAM_RSA_E},
      {"d", OSSL_PKEY_PARAM_RSA_D},
      {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  const std::string what = "reading JWK RSA key";
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) ThrowOpenSslError(what);
  // OSSL_PARAM_BLD_push_BN references the BIGNUM until to_param, so keep
  // them alive until KeyFromParams has built the key.
  std::vector<SecretBignumPtr> values;
  for (const auto& [member, param] : kMembers) {
    values.push_back(jwk.Bignum(member));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, values.back().get()) != 1) {
      ThrowOpenSslError(what);
    }
  }
  return KeyFromParams("RSA", bld, what);
}

std::string DigestName(const KeySpec& spec) {
  return spec.type == KeyType::kEcdsa && spec.curve == kP384 ? "SHA384"
                                                             : "SHA256";
}

// RFC 7518 §3.4: an ECDSA JWS signature is R || S, each zero-padded to the
// curve size; OpenSSL produces an ASN.1 DER Ecdsa-Sig-Value.
std::string DerToRawEcdsa(const std::string& der, size_t width) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) ThrowOpenSslError("converting ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return BnToFixedBytes(r, width, "converting ECDSA signature") +
         BnToFixedBytes(s, width, "converting ECDSA signature");
}

std::string Digest(const char* md_name, std::string_view data,
                   const std::string& what) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (EVP_Q_digest(nullptr, md_name, nullptr, data.data(), data.size(), out,
                   &out_len) != 1) {
    ThrowOpenSslError(what);
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace

namespace internal {

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

std::string PrivateKey::PublicJwk() const {
  // RFC 7638 §3.2: only the required members, in lexicographic order, no
  // whitespace. The values are base64url, so nothing needs JSON escaping.
  const std::string what = "building JWK";
  const KeySpec spec = Spec();
  if (spec.type == KeyType::kRsa) {
    // RFC 7518 §6.3.1: n and e are Base64urlUInt, i.e. minimal big-endian.
    SecretBignumPtr n = RequireBn(key_.get(), OSSL_PKEY_PARAM_RSA_N, what);
    SecretBignumPtr e = RequireBn(key_.get(), OSSL_PKEY_PARAM_RSA_E, what);
    return "{\"e\":\"" + Base64UrlEncode(BnToBytes(e.get())) +
           "\",\"kty\":\"RSA\",\"n\":\"" + Base64UrlEncode(BnToBytes(n.get())) +
           "\"}";
  }
  // RFC 7518 §6.2.1.2/3: x and y are the full coordinate width.
  const size_t width = CurveBytes(spec.curve);
  SecretBignumPtr x = RequireBn(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, what);
  SecretBignumPtr y = RequireBn(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, what);
  return std::string("{\"crv\":\"") + JwkCurveName(spec.curve) +
         "\",\"kty\":\"EC\",\"x\":\"" +
         Base64UrlEncode(BnToFixedBytes(x.get(), width, what)) + "\",\"y\":\"" +
         Base64UrlEncode(BnToFixedBytes(y.get(), width, what)) + "\"}";
}

std::string PrivateKey::Thumbprint() const {
  return Base64UrlEncode(Sha256(PublicJwk()));
}

std::map<std::string, std::string> PrivateKey::PrivateJwkFields() const {
  const std::string what = "exporting private JWK";
  const KeySpec spec = Spec();
  std::map<std::string, std::string> fields;
  if (spec.type == KeyType::kRsa) {
    const std::pair<const char*, const char*> kMembers[] = {
        {"n", OSSL_PKEY_PARAM_RSA_N},
        {"e", OSSL_PKEY_PARAM_RSA_E},
        {"d", OSSL_PKEY_PARAM_RSA_D},
        {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
        {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
        {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
        {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
        {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
    };
    fields["kty"] = "RSA";
    for (const auto& [member, param] : kMembers) {
      SecretBignumPtr bn = RequireBn(key_.get(), param, what);
      fields[member] = Base64UrlEncode(BnToBytes(bn.get()));
    }
    return fields;
  }
  const size_t width = CurveBytes(spec.curve);
  fields["kty"] = "EC";
  fields["crv"] = JwkCurveName(spec.curve);
  const std::pair<const char*, const char*> kMembers[] = {
      {"x", OSSL_PKEY_PARAM_EC_PUB_X},
      {"y", OSSL_PKEY_PARAM_EC_PUB_Y},
      {"d", OSSL_PKEY_PARAM_PRIV_KEY},
  };
  for (const auto& [member, param] : kMembers) {
    SecretBignumPtr bn = RequireBn(key_.get(), param, what);
    fields[member] = Base64UrlEncode(BnToFixedBytes(bn.get(), width, what));
  }
  return fields;
}

PrivateKey PrivateKey::FromJwkFields(
    const std::map<std::string, std::string>& fields) {
  JwkReader jwk(fields);
  const std::string& kty = jwk.Text("kty");
  EvpPkeyPtr key;
  if (kty == "EC") {
    key = EcKeyFromJwk(jwk);
  } else if (kty == "RSA") {
    key = RsaKeyFromJwk(jwk, fields);
  } else {
    throw CryptoError("reading JWK: member \"kty\" has unsupported value \"" +
                      kty + "\"");
  }
  return PrivateKey(key.release());
}

std::string PrivateKey::JwsAlgorithm() const {
  const KeySpec spec = Spec();
  if (spec.type == KeyType::kRsa) return "RS256";
  return spec.curve == kP384 ? "ES384" : "ES256";
}

std::string PrivateKey::SignJws(std::string_view data) const {
  const KeySpec spec = Spec();
  const std::string what = "signing (" + JwsAlgorithm() + ")";
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  // For RSA keys the default padding is PKCS#1 v1.5, which RS256 requires
  // (RFC 7518 §3.3).
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, DigestName(spec).c_str(),
                            nullptr, nullptr, key_.get(), nullptr) != 1) {
    ThrowOpenSslError(what);
  }
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t sig_len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &sig_len, in, data.size()) != 1) {
    ThrowOpenSslError(what);
  }
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()),
                     &sig_len, in, data.size()) != 1) {
    ThrowOpenSslError(what);
  }
  sig.resize(sig_len);
  if (spec.type == KeyType::kRsa) return sig;
  return DerToRawEcdsa(sig, CurveBytes(spec.curve));
}

std::string Sha256(std::string_view data) {
  return Digest("SHA256", data, "SHA-256 digest");
}

std::string Md5Hex(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : Digest("MD5", data, "MD5 digest")) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string Hmac(std::string_view alg, std::string_view key,
                 std::string_view data) {
  const char* digest = nullptr;
  if (alg == "HS256") {
    digest = "SHA256";
  } else if (alg == "HS384") {
    digest = "SHA384";
  } else if (alg == "HS512") {
    digest = "SHA512";
  } else {
    throw CryptoError("HMAC: unsupported algorithm \"" + std::string(alg) +
                      "\"");
  }
  // A zero-length key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const void* key_ptr =
      key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_ptr, key.size(),
                reinterpret_cast<const unsigned char*>(data.data()),
                data.size(), out, sizeof(out), &out_len) == nullptr) {
    ThrowOpenSslError("HMAC " + std::string(alg));
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace certpilot::crypto
