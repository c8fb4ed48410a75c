#include "crypto/jws.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "crypto/crypto_error.h"
#include "crypto/openssl_ptr.h"

namespace certpilot::crypto {
namespace {

using internal::BnToFixedBytes;
using internal::CurveBytes;
using internal::EcdsaSigPtr;
using internal::EvpMdCtxPtr;
using internal::kP384;

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

}  // namespace

std::string JwsAlgorithm(const PrivateKey& key) {
  const KeySpec spec = key.Spec();
  if (spec.type == KeyType::kRsa) return "RS256";
  return spec.curve == kP384 ? "ES384" : "ES256";
}

std::string SignJws(const PrivateKey& key, std::string_view data) {
  const KeySpec spec = key.Spec();
  const std::string what = "signing (" + JwsAlgorithm(key) + ")";
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  // For RSA keys the default padding is PKCS#1 v1.5, which RS256 requires
  // (RFC 7518 §3.3).
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, DigestName(spec).c_str(),
                            nullptr, nullptr, key.get(), nullptr) != 1) {
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

}  // namespace certpilot::crypto
