#include "crypto/pkcs12.h"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "crypto/crypto_error.h"
#include "crypto/openssl_ptr.h"

namespace certpilot::crypto {
namespace {

using internal::OsslPtr;
using internal::X509Ptr;
using Pkcs12Ptr = OsslPtr<PKCS12, PKCS12_free>;

void FreeCertStack(STACK_OF(X509) * certs) {
  sk_X509_pop_free(certs, X509_free);
}
using CertStackPtr = OsslPtr<STACK_OF(X509), FreeCertStack>;

// PKCS12_DEFAULT_ITER (2048), spelled out: it is also what `openssl pkcs12
// -export` uses for the MAC, where PKCS12_create's own default is 1.
constexpr int kIterations = 2048;

}  // namespace

std::string BuildPkcs12(const PrivateKey& key, std::string_view cert_pem,
                        std::string_view chain_pem,
                        const std::string& friendly_name,
                        const std::string& password) {
  if (password.empty()) throw CryptoError("PKCS#12: empty password");
  const Certificate cert = Certificate::FromPem(cert_pem);
  if (!cert.MatchesKey(key))
    throw CryptoError("PKCS#12: the key does not match the certificate");
  CertStackPtr chain(sk_X509_new_null());
  if (!chain) ThrowOpenSslError("PKCS#12: allocating the chain");
  if (!chain_pem.empty()) {
    for (const std::string& pem : SplitPemChain(chain_pem)) {
      Certificate ca = Certificate::FromPem(pem);
      if (X509_up_ref(ca.get()) != 1) ThrowOpenSslError("PKCS#12: chain");
      X509Ptr owned(ca.get());
      if (sk_X509_push(chain.get(), owned.get()) == 0)
        ThrowOpenSslError("PKCS#12: chain");
      (void)owned.release();  // the stack owns it now
    }
  }
  // NID_aes_256_cbc for both bags selects PBES2 with PBKDF2 (HMAC-SHA256)
  // in OpenSSL 3; the MAC digest defaults to SHA-256 there.
  Pkcs12Ptr p12(PKCS12_create(password.c_str(), friendly_name.c_str(),
                              key.get(), cert.get(), chain.get(),
                              NID_aes_256_cbc, NID_aes_256_cbc, kIterations,
                              kIterations, 0));
  if (!p12) ThrowOpenSslError("PKCS#12: building the keystore");
  unsigned char* der = nullptr;
  const int len = i2d_PKCS12(p12.get(), &der);
  if (len <= 0) ThrowOpenSslError("PKCS#12: encoding the keystore");
  std::string out(reinterpret_cast<const char*>(der), size_t(len));
  OPENSSL_free(der);
  return out;
}

Pkcs12Contents ParsePkcs12(std::string_view der, const std::string& password) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, long(der.size())));
  if (!p12) ThrowOpenSslError("PKCS#12: not a keystore");
  if (PKCS12_verify_mac(p12.get(), password.c_str(), int(password.size())) != 1)
    ThrowOpenSslError("PKCS#12: wrong password or damaged keystore");
  EVP_PKEY* pkey = nullptr;
  X509* x509 = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), password.c_str(), &pkey, &x509, &ca) != 1)
    ThrowOpenSslError("PKCS#12: reading the keystore");
  internal::EvpPkeyPtr owned_key(pkey);
  X509Ptr leaf(x509);
  CertStackPtr chain(ca);
  if (!owned_key)
    throw CryptoError("PKCS#12: the keystore holds no private key");
  if (!leaf) throw CryptoError("PKCS#12: the keystore holds no certificate");
  PrivateKey key(owned_key.release());
  std::string name;
  int name_len = 0;
  if (const unsigned char* alias = X509_alias_get0(leaf.get(), &name_len))
    name.assign(reinterpret_cast<const char*>(alias), size_t(name_len));
  Pkcs12Contents out{key, Certificate(leaf.release()), {}, name};
  while (chain && sk_X509_num(chain.get()) > 0)
    out.chain.emplace_back(sk_X509_shift(chain.get()));
  return out;
}

}  // namespace certpilot::crypto
