#include "crypto/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"
#include "util/base64url.h"

namespace certpilot::crypto {
namespace {

using internal::BnToFixedBytes;
using internal::CurveBytes;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;
using internal::kP256;
using internal::kP384;
using internal::OpenSslGroupName;
using internal::OsslPtr;
using internal::SecretBignumPtr;

using ParamBldPtr = OsslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OsslPtr<OSSL_PARAM, OSSL_PARAM_free>;

// The RSA members of a private JWK (RFC 7518 §6.3) and the OpenSSL
// parameters holding them.
constexpr std::pair<const char*, const char*> kRsaMembers[] = {
    {"n", OSSL_PKEY_PARAM_RSA_N},
    {"e", OSSL_PKEY_PARAM_RSA_E},
    {"d", OSSL_PKEY_PARAM_RSA_D},
    {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
    {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},
    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
    {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2},
    {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
};

const char* JwkCurveName(std::string_view curve) {
  return curve == kP384 ? "P-384" : "P-256";
}

std::string BnToBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
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
  const std::string what = "reading JWK RSA key";
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) ThrowOpenSslError(what);
  // OSSL_PARAM_BLD_push_BN references the BIGNUM until to_param, so keep
  // them alive until KeyFromParams has built the key.
  std::vector<SecretBignumPtr> values;
  for (const auto& [member, param] : kRsaMembers) {
    values.push_back(jwk.Bignum(member));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, values.back().get()) != 1) {
      ThrowOpenSslError(what);
    }
  }
  return KeyFromParams("RSA", bld, what);
}

}  // namespace

std::string PublicJwk(const PrivateKey& key) {
  // RFC 7638 §3.2: only the required members, in lexicographic order, no
  // whitespace. The values are base64url, so nothing needs JSON escaping.
  const std::string what = "building JWK";
  const KeySpec spec = key.Spec();
  if (spec.type == KeyType::kRsa) {
    // RFC 7518 §6.3.1: n and e are Base64urlUInt, i.e. minimal big-endian.
    SecretBignumPtr n = RequireBn(key.get(), OSSL_PKEY_PARAM_RSA_N, what);
    SecretBignumPtr e = RequireBn(key.get(), OSSL_PKEY_PARAM_RSA_E, what);
    return "{\"e\":\"" + Base64UrlEncode(BnToBytes(e.get())) +
           "\",\"kty\":\"RSA\",\"n\":\"" + Base64UrlEncode(BnToBytes(n.get())) +
           "\"}";
  }
  // RFC 7518 §6.2.1.2/3: x and y are the full coordinate width.
  const size_t width = CurveBytes(spec.curve);
  SecretBignumPtr x = RequireBn(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, what);
  SecretBignumPtr y = RequireBn(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, what);
  return std::string("{\"crv\":\"") + JwkCurveName(spec.curve) +
         "\",\"kty\":\"EC\",\"x\":\"" +
         Base64UrlEncode(BnToFixedBytes(x.get(), width, what)) + "\",\"y\":\"" +
         Base64UrlEncode(BnToFixedBytes(y.get(), width, what)) + "\"}";
}

std::string JwkThumbprint(const PrivateKey& key) {
  return Base64UrlEncode(Sha256(PublicJwk(key)));
}

std::map<std::string, std::string> PrivateJwkFields(const PrivateKey& key) {
  const std::string what = "exporting private JWK";
  const KeySpec spec = key.Spec();
  std::map<std::string, std::string> fields;
  if (spec.type == KeyType::kRsa) {
    fields["kty"] = "RSA";
    for (const auto& [member, param] : kRsaMembers) {
      SecretBignumPtr bn = RequireBn(key.get(), param, what);
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
    SecretBignumPtr bn = RequireBn(key.get(), param, what);
    fields[member] = Base64UrlEncode(BnToFixedBytes(bn.get(), width, what));
  }
  return fields;
}

PrivateKey PrivateKeyFromJwkFields(
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

}  // namespace certpilot::crypto
