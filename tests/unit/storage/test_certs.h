// Valid key/certificate material for storage tests, made with OpenSSL
// directly (no CA, no network): a self-signed "issuer" and leaves it signs.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "storage/lineage_store.h"

namespace certpilot::testing {

using EvpKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

inline EvpKeyPtr NewEcKey() {
  EvpKeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

inline std::string KeyToPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                           nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// A certificate for `subject_key` named `cn`, signed by `issuer_key` under
// the name `issuer_cn`.
inline std::string MakeCertPem(EVP_PKEY* subject_key, const std::string& cn,
                               EVP_PKEY* issuer_key,
                               const std::string& issuer_cn, long serial) {
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 90L * 86400);
  X509_set_pubkey(x.get(), subject_key);
  auto name = [](const std::string& text) {
    X509_NAME* n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(
        n, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>(text.c_str()), -1, -1, 0);
    return n;
  };
  X509_NAME* subject = name(cn);
  X509_NAME* issuer = name(issuer_cn);
  X509_set_subject_name(x.get(), subject);
  X509_set_issuer_name(x.get(), issuer);
  X509_NAME_free(subject);
  X509_NAME_free(issuer);
  if (X509_sign(x.get(), issuer_key, EVP_sha256()) == 0) {
    throw std::runtime_error("X509_sign failed");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), x.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// Each call: a fresh leaf key and certificate, chained to one test issuer.
class CertFactory {
 public:
  CertFactory() : issuer_key_(NewEcKey()) {
    issuer_pem_ = MakeCertPem(issuer_key_.get(), "Test Issuer",
                              issuer_key_.get(), "Test Issuer", 1);
  }

  storage::CertificateFiles Make(const std::string& cn) {
    EvpKeyPtr key = NewEcKey();
    storage::CertificateFiles files;
    files.privkey_pem = KeyToPem(key.get());
    files.cert_pem =
        MakeCertPem(key.get(), cn, issuer_key_.get(), "Test Issuer", ++serial_);
    files.chain_pem = issuer_pem_;
    files.fullchain_pem = files.cert_pem + files.chain_pem;
    return files;
  }

 private:
  EvpKeyPtr issuer_key_;
  std::string issuer_pem_;
  long serial_ = 100;
};

}  // namespace certpilot::testing
