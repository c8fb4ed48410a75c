#include "crypto/csr.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "crypto/crypto_error.h"
#include "crypto/openssl_ptr.h"

namespace certpilot::crypto {
namespace {

using internal::GeneralNamePtr;
using internal::GeneralNamesPtr;
using internal::MakeGeneralName;
using internal::OsslPtr;
using internal::X509ExtensionPtr;
using internal::X509ReqPtr;

void FreeExtensionStack(STACK_OF(X509_EXTENSION) * stack) {
  sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
}
using ExtensionStackPtr = OsslPtr<STACK_OF(X509_EXTENSION), FreeExtensionStack>;
using Asn1OctetStringPtr = OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

// RFC 5280 §4.2.1.6: a CN longer than ub-common-name (64) cannot be encoded,
// so such a name appears only in the SAN (certbot does the same).
constexpr size_t kMaxCommonNameLength = 64;

// DER of TLSFeature ::= SEQUENCE OF INTEGER with the single value 5,
// status_request: the OCSP Must-Staple extension (RFC 7633 §4, §6).
constexpr unsigned char kMustStapleValue[] = {0x30, 0x03, 0x02, 0x01, 0x05};

}  // namespace

std::string MakeCsrDer(const PrivateKey& key,
                       const std::vector<std::string>& names,
                       bool must_staple) {
  const std::string what = "making CSR";
  if (names.empty()) throw CryptoError(what + ": no names");

  GeneralNamesPtr sans(sk_GENERAL_NAME_new_null());
  if (!sans) ThrowOpenSslError(what);
  std::string common_name;
  for (const std::string& name : names) {
    GeneralNamePtr general = MakeGeneralName(name, what);
    const bool is_dns = general->type == GEN_DNS;
    if (sk_GENERAL_NAME_push(sans.get(), general.get()) <= 0) {
      ThrowOpenSslError(what);
    }
    general.release();  // now owned by `sans`
    if (is_dns && common_name.empty()) common_name = name;
  }

  X509ReqPtr req(X509_REQ_new());
  // RFC 2986 §4.1: version is 0 (v1), the only defined value.
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) {
    ThrowOpenSslError(what);
  }
  const bool has_subject =
      !common_name.empty() && common_name.size() <= kMaxCommonNameLength;
  if (has_subject &&
      X509_NAME_add_entry_by_NID(
          X509_REQ_get_subject_name(req.get()), NID_commonName, MBSTRING_UTF8,
          reinterpret_cast<const unsigned char*>(common_name.data()),
          static_cast<int>(common_name.size()), -1, 0) != 1) {
    ThrowOpenSslError(what + ": subject");
  }
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    ThrowOpenSslError(what + ": public key");
  }

  ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
  if (!extensions) ThrowOpenSslError(what);
  // RFC 5280 §4.2.1.6: with an empty subject the SAN must be critical.
  X509ExtensionPtr san(
      X509V3_EXT_i2d(NID_subject_alt_name, has_subject ? 0 : 1, sans.get()));
  if (!san || sk_X509_EXTENSION_push(extensions.get(), san.get()) <= 0) {
    ThrowOpenSslError(what + ": subjectAltName");
  }
  san.release();
  if (must_staple) {
    Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
    if (!value || ASN1_OCTET_STRING_set(value.get(), kMustStapleValue,
                                        sizeof(kMustStapleValue)) != 1) {
      ThrowOpenSslError(what + ": TLS feature");
    }
    X509ExtensionPtr staple(
        X509_EXTENSION_create_by_NID(nullptr, NID_tlsfeature, 0, value.get()));
    if (!staple ||
        sk_X509_EXTENSION_push(extensions.get(), staple.get()) <= 0) {
      ThrowOpenSslError(what + ": TLS feature");
    }
    staple.release();
  }
  if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1) {
    ThrowOpenSslError(what + ": extensions");
  }

  if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    ThrowOpenSslError(what + ": signing");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) ThrowOpenSslError(what + ": encoding");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

ParsedCsr ParseCsr(std::string_view pem_or_der) {
  X509ReqPtr req;
  {
    internal::BioPtr bio =
        internal::MemBioOver(pem_or_der.data(), pem_or_der.size());
    if (pem_or_der.find("-----BEGIN") != std::string_view::npos)
      req.reset(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    else
      req.reset(d2i_X509_REQ_bio(bio.get(), nullptr));
  }
  if (!req)
    ThrowOpenSslError(
        "reading the CSR (PEM or DER CERTIFICATE REQUEST expected)");
  EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
  if (key == nullptr || X509_REQ_verify(req.get(), key) != 1)
    ThrowOpenSslError("the CSR's signature does not verify with its own key");

  ParsedCsr out;
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) ThrowOpenSslError("encoding the CSR");
  out.der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  der = nullptr;
  len = i2d_PUBKEY(key, &der);
  if (len <= 0) ThrowOpenSslError("encoding the CSR's public key");
  out.public_key_der.assign(reinterpret_cast<char*>(der),
                            static_cast<size_t>(len));
  OPENSSL_free(der);

  ExtensionStackPtr extensions(X509_REQ_get_extensions(req.get()));
  ERR_clear_error();  // no extensions is not an error
  GeneralNamesPtr sans(extensions ? static_cast<GENERAL_NAMES*>(X509V3_get_d2i(
                                        extensions.get(), NID_subject_alt_name,
                                        nullptr, nullptr))
                                  : nullptr);
  internal::SanTexts texts = internal::SanTextsOf(sans.get());
  out.dns_names = texts.dns;
  out.ip_addresses = texts.ip;
  const X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at >= 0) {
    const ASN1_STRING* cn =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                     static_cast<size_t>(ASN1_STRING_length(cn)));
    bool listed = false;
    for (const auto* list : {&out.dns_names, &out.ip_addresses})
      for (const std::string& n : *list) listed |= n == name;
    if (!listed && !name.empty())
      out.dns_names.insert(out.dns_names.begin(), name);
  }
  if (out.dns_names.empty() && out.ip_addresses.empty())
    throw CryptoError(
        "the CSR names no domain or IP address (no subjectAltName, no CN)");
  return out;
}

}  // namespace certpilot::crypto
