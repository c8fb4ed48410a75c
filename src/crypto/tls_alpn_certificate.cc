#include "crypto/tls_alpn_certificate.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/crypto_error.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"

namespace certpilot::crypto {
namespace {

using internal::BignumPtr;
using internal::GeneralNamePtr;
using internal::GeneralNamesPtr;
using internal::OsslPtr;
using internal::X509ExtensionPtr;
using internal::X509Ptr;
using Asn1ObjectPtr = OsslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using OctetPtr = OsslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;

constexpr char kAcmeIdentifierOid[] = "1.3.6.1.5.5.7.1.31";  // RFC 8737 §6.1

}  // namespace

TlsAlpnCertificate MakeTlsAlpnCertificate(const std::string& name,
                                          std::string_view key_authorization) {
  const std::string what = "tls-alpn-01";
  PrivateKey key = PrivateKey::Generate(
      KeySpec{.type = KeyType::kEcdsa, .curve = "secp256r1"});  // P-256
  X509Ptr cert(X509_new());
  X509* x = cert.get();
  if (!x || X509_set_version(x, X509_VERSION_3) != 1)
    ThrowOpenSslError(what + ": X509_new");

  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1)
    ThrowOpenSslError(what + ": RAND_bytes");
  serial_bytes[0] &= 0x7f;
  BignumPtr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)))
    ThrowOpenSslError(what + ": setting the serial number");

  X509_NAME* subject = X509_get_subject_name(x);
  static const unsigned char kCn[] = "certpilot tls-alpn-01 challenge";
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, kCn, -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(x, subject) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) ||
      X509_set_pubkey(x, key.get()) != 1) {
    ThrowOpenSslError(what + ": filling the certificate");
  }

  // subjectAltName: exactly the identifier (RFC 8737 §3, RFC 8738 §6).
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) ThrowOpenSslError(what + ": subjectAltName");
  GeneralNamePtr general = internal::MakeGeneralName(name, what);
  if (sk_GENERAL_NAME_push(names.get(), general.get()) <= 0)
    ThrowOpenSslError(what + ": subjectAltName");
  general.release();  // now owned by `names`
  if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0,
                        X509V3_ADD_DEFAULT) != 1) {
    ThrowOpenSslError(what + ": adding subjectAltName");
  }

  // acmeIdentifier (RFC 8737 §3): critical; extnValue is the DER of
  // Authorization ::= OCTET STRING (SIZE (32)), the SHA-256 digest of the key
  // authorization.
  const std::string digest = Sha256(key_authorization);
  OctetPtr inner(ASN1_OCTET_STRING_new());
  if (!inner ||
      ASN1_OCTET_STRING_set(
          inner.get(), reinterpret_cast<const unsigned char*>(digest.data()),
          static_cast<int>(digest.size())) != 1) {
    ThrowOpenSslError(what + ": acmeIdentifier value");
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ASN1_OCTET_STRING(inner.get(), &der);
  if (der_len <= 0) ThrowOpenSslError(what + ": encoding acmeIdentifier");
  OctetPtr value(ASN1_OCTET_STRING_new());
  bool ok = value && ASN1_OCTET_STRING_set(value.get(), der, der_len) == 1;
  OPENSSL_free(der);
  Asn1ObjectPtr oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
  if (!ok || !oid) ThrowOpenSslError(what + ": acmeIdentifier");
  X509ExtensionPtr ext(
      X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1)
    ThrowOpenSslError(what + ": adding acmeIdentifier");

  if (X509_sign(x, key.get(), EVP_sha256()) <= 0)
    ThrowOpenSslError(what + ": signing the certificate");
  return {Certificate(cert.release()), std::move(key)};
}

}  // namespace certpilot::crypto
